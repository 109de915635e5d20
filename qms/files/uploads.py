"""A file sent in pieces: a photo taken offline goes up over a weak signal in requests of a
bounded size (UPLOAD_CHUNK_KB), each at the place where the one before ended. After a drop
the phone asks again and the server says how much it has (`begin` with the same key); the
phone goes on from there. A piece out of place (ahead, or one already received) is refused
with the place the server is at; a piece too large, a file larger than MAX_UPLOAD_MB or of a
type not accepted is refused as an upload in one piece is. Once whole, the file is attached
through the same operation as an upload in one piece (operations.attach): same rights, same
checks of size and content, same record. Operations flush, never commit."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from qms.core import access
from qms.core.errors import DomainError
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.files import operations
from qms.files.models import FileUpload, FileUploadPart, StoredFile, attached_to

#: the phone's name for an upload: random, hexadecimal
KEY = re.compile(r"^[0-9a-f]{16,64}$")
#: an upload not finished after this long is forgotten (its pieces with it)
ABANDONED_AFTER = timedelta(days=14)


class OutOfPlace(DomainError):
    """A piece that does not start where the upload is: `received` tells the phone where to
    go on from."""

    status_code = 409

    def __init__(self, received: int) -> None:
        super().__init__(_l("This piece does not follow what was received; go on from there."))
        self.received = received


class TooLarge(DomainError):
    status_code = 413


def chunk_limit() -> int:
    return int(current_app.config["UPLOAD_CHUNK_KB"]) * 1024


def file_limit() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def _file_too_large() -> TooLarge:
    return TooLarge(
        _l("The file is larger than %(mb)s MB.", mb=current_app.config["MAX_UPLOAD_MB"]),
        field="file",
    )


def begin(
    actor: Any, owner: Any, key: str, name: str, size: int, description: str = ""
) -> FileUpload:
    """The upload `key` of `actor` for `owner`: started now, or the one already under way (a
    phone resuming after a drop finds how much arrived in `received`, and whether the file
    was attached already: `attached`)."""
    access.authorize(actor, access.EDIT, owner)
    if not KEY.match(key or ""):
        raise DomainError(_l("The upload has no valid key."), field="key")
    forget_abandoned()
    upload = db.session.scalar(
        select(FileUpload).where(FileUpload.user_id == actor.id, FileUpload.key == key)
    )
    if upload is not None:
        if (upload.owner_type, upload.owner_id) != (type(owner).__tablename__, owner.id):
            raise DomainError(_l("This upload belongs to another record."), field="key")
        return upload
    if size <= 0:
        raise DomainError(_l("The file is empty."), field="file")
    if size > file_limit():
        raise _file_too_large()
    upload = FileUpload(
        key=key,
        user_id=actor.id,
        owner_type=type(owner).__tablename__,
        owner_id=owner.id,
        original_name=operations.readable_name(name),
        description=(description or "")[:255],
        size=size,
        received=0,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def find(actor: Any, owner: Any, key: str) -> FileUpload | None:
    """The actor's own upload `key` for `owner`; another user's is not found."""
    return db.session.scalar(
        select(FileUpload).where(
            FileUpload.user_id == actor.id,
            FileUpload.key == key,
            attached_to(FileUpload, owner),
        )
    )


def receive(
    actor: Any, owner: Any, upload: FileUpload, first_byte: int, data: bytes
) -> StoredFile | None:
    """One piece, at `first_byte`. Returns the attached file once the upload is whole (its
    pieces are then gone), else None."""
    access.authorize(actor, access.EDIT, owner)
    if upload.user_id != actor.id:
        raise LookupError("not the actor's upload")
    if len(data) > chunk_limit():
        raise TooLarge(
            _l("A piece is larger than %(kb)s KB.", kb=current_app.config["UPLOAD_CHUNK_KB"]),
            field="chunk",
        )
    if first_byte != upload.received or upload.file_id:
        raise OutOfPlace(upload.received)
    if not data:
        raise DomainError(_l("The piece is empty."), field="chunk")
    if upload.received + len(data) > upload.size:
        raise DomainError(_l("The file is larger than it said it was."), field="chunk")
    if first_byte == 0:
        # its content is known from the first piece: a refused type need not come whole
        operations.detect_type(data)
    db.session.add(FileUploadPart(upload_id=upload.id, first_byte=first_byte, data=data))
    upload.received += len(data)
    upload.updated_at = utcnow()
    db.session.flush()
    if upload.received < upload.size:
        return None
    return _attach(actor, owner, upload)


def _attach(actor: Any, owner: Any, upload: FileUpload) -> StoredFile:
    parts = db.session.scalars(
        select(FileUploadPart.data)
        .where(FileUploadPart.upload_id == upload.id)
        .order_by(FileUploadPart.first_byte)
    )
    whole = b"".join(parts)
    stored = operations.attach(
        actor, owner, io.BytesIO(whole), upload.original_name, upload.description
    )
    db.session.execute(delete(FileUploadPart).where(FileUploadPart.upload_id == upload.id))
    upload.file_id = stored.id
    db.session.flush()
    return stored


def attached(upload: FileUpload) -> StoredFile | None:
    """The file an upload became once whole (None while pieces are missing)."""
    return db.session.get(StoredFile, upload.file_id) if upload.file_id else None


def _forget(upload: FileUpload) -> None:
    db.session.execute(delete(FileUploadPart).where(FileUploadPart.upload_id == upload.id))
    db.session.delete(upload)
    db.session.flush()


def forget_abandoned() -> None:
    """Uploads left unfinished (or finished) for ABANDONED_AFTER: a transfer, not a
    record."""
    old = db.session.scalars(
        select(FileUpload).where(FileUpload.updated_at < utcnow() - ABANDONED_AFTER)
    )
    for upload in list(old):
        _forget(upload)
