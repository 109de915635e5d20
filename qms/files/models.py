from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from qms.core.labels import labelled
from qms.core.models import ArchivableMixin, AuditedMixin
from qms.core.timeutil import utcnow
from qms.extensions import db


class StoredFile(AuditedMixin, ArchivableMixin, db.Model):
    """An uploaded file attached to one record (`owner_type`, `owner_id`)."""

    __tablename__ = "stored_files"
    __table_args__ = (Index("ix_stored_files_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(255), info=labelled(_l("File name")))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100), info=labelled(_l("Media type")))
    extension: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(info=labelled(_l("Size in bytes")))
    sha256: Mapped[str] = mapped_column(String(64), index=True, info=labelled(_l("SHA-256")))
    description: Mapped[str] = mapped_column(
        String(255), default="", info=labelled(_l("File description"))
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), info=labelled(_l("Uploaded by"))
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, info=labelled(_l("Uploaded at")))

    @property
    def record_label(self) -> str:
        return self.original_name
