from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, ForeignKey, Index, LargeBinary, String, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column

from qms.core.labels import labelled
from qms.core.models import ArchivableMixin, AuditedMixin, reference_column, text_column
from qms.core.timeutil import utcnow
from qms.extensions import db


class StoredFile(AuditedMixin, ArchivableMixin, db.Model):
    """An uploaded file attached to one record (`owner_type`, `owner_id`)."""

    __tablename__ = "stored_files"
    __record_label__ = "original_name"
    __table_args__ = (Index("ix_stored_files_owner", "owner_type", "owner_id"),)

    owner_type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(255), info=labelled(_l("File name")))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100), info=labelled(_l("Media type")))
    extension: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(info=labelled(_l("Size in bytes")))
    sha256: Mapped[str] = mapped_column(String(64), index=True, info=labelled(_l("SHA-256")))
    description: Mapped[str] = text_column(String(255), _l("File description"))
    uploaded_by_id: Mapped[int | None] = reference_column("users.id", _l("Uploaded by"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, info=labelled(_l("Uploaded at")))


class FileUpload(db.Model):
    """A file on its way in pieces (a photo taken offline, sent over a weak signal): whose it
    is, for which record, how large it says it is and how much has arrived. Once whole it is
    attached like any upload (files.operations.attach) and its pieces are gone; the upload
    itself is forgotten a while later (a transfer, not a record)."""

    __tablename__ = "file_uploads"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the phone's own name for the upload (random), so that it finds it again after a drop
    key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    owner_type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)
    #: the file attached once whole (its pieces are then gone; the phone that lost the last
    #: answer asks again and is told, so the file is not attached twice)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


def attached_to(model: type[StoredFile | FileUpload], owner: Any) -> ColumnElement[bool]:
    """The files (or uploads) attached to `owner`, named by its table and id."""
    return and_(model.owner_type == type(owner).__tablename__, model.owner_id == owner.id)


class FileUploadPart(db.Model):
    """One piece of an upload, as it arrived, at its place in the file."""

    __tablename__ = "file_upload_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("file_uploads.id", ondelete="CASCADE"), index=True
    )
    first_byte: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
