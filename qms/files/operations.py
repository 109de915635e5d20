"""Storing evidence files: an upload is checked by its content and kept outside the web root
with its SHA-256. Any feature attaches files to its records through here."""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from typing import IO, Any

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from qms.core import access
from qms.core.errors import DomainError
from qms.core.inputs import CONTROL_CHARACTERS
from qms.extensions import db
from qms.files.models import StoredFile
from qms.files.policies import carries_files
from qms.files.queries import evidence_store

#: extension detected from the content -> MIME type served back
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}


def _read_limited(stream: IO[bytes], limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            _l("The file is larger than %(mb)s MB.", mb=current_app.config["MAX_UPLOAD_MB"]),
            field="file",
        )
    return data


def detect_type(data: bytes) -> str:
    """The extension the content really has, or a refusal naming what is accepted."""
    kind = filetype.guess(data)
    if kind is None or kind.extension not in ALLOWED_TYPES:
        raise DomainError(
            _l(
                "This file type is not accepted (the content is checked, not the name). "
                "Accepted: PDF, DOCX, ODT, XLSX, ODS, PNG, JPEG."
            ),
            field="file",
        )
    return kind.extension


#: bidirectional controls make a name read otherwise than it is ("invoice‮fdp.exe")
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def readable_name(original_name: str | None) -> str:
    """The name an upload is kept and offered under: its last path part, without control or
    bidirectional characters, at most 255 characters."""
    name = Path(original_name or "").name
    name = BIDI_CONTROLS.sub("", CONTROL_CHARACTERS.sub("", name)).strip()
    return name[:255] or "file"


def attach(
    actor: Any, owner: Any, stream: IO[bytes], original_name: str, description: str = ""
) -> StoredFile:
    """A file attached by someone who may change its owner (a checklist row's evidence, a
    pathway stage's)."""
    access.authorize(actor, access.EDIT, owner)
    return store(stream, original_name, owner, actor, description)


def store(
    stream: IO[bytes], original_name: str, owner: Any, user: Any, description: str = ""
) -> StoredFile:
    """Validate and store an upload for `owner`; nothing is written if it is refused."""
    if not carries_files(owner):
        raise LookupError(f"{type(owner).__name__} is not registered to carry files")
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    data = _read_limited(stream, limit)
    if not data:
        raise DomainError(_l("The file is empty."), field="file")
    extension = detect_type(data)
    storage_name = secrets.token_hex(16)
    store = evidence_store()
    store.write(storage_name, data)
    stored = StoredFile(
        owner_type=type(owner).__tablename__,
        owner_id=owner.id,
        original_name=readable_name(original_name),
        storage_name=storage_name,
        content_type=ALLOWED_TYPES[extension],
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        description=description[:255],
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(stored)
    try:
        db.session.flush()
    except Exception:
        store.discard(storage_name)
        raise
    return stored
