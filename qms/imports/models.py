"""An uploaded spreadsheet held between its upload and its uploader's confirmation (the file
itself, its mapping and its report), and what each confirmed row became (so that importing the
same file again stores nothing twice, even where a record was given a new number)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from sqlalchemy.types import JSON

from qms.accounts.models import User
from qms.core.labels import labelled
from qms.core.models import TimestampMixin, reference_column
from qms.extensions import db
from qms.organisations.models import Agency, City


class ImportBatch(TimestampMixin, db.Model):
    """One upload of a register (documents, nonconformities, small businesses) into one agency
    or city. Nothing of it is in the register until its uploader confirms."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the importer's key (qms.imports.registry): "documents", "nonconformities", "businesses"
    kind: Mapped[str] = mapped_column(String(32), index=True)
    city_id: Mapped[int] = reference_column("cities.id", _l("City"), index=True)
    #: the agency the rows go to (None for a city's register, such as the small businesses)
    agency_id: Mapped[int | None] = reference_column("agencies.id", _l("Agency"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), info=labelled(_l("File")))
    file_format: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    #: the file as uploaded (an XLSX is compressed): read again, row by row, at each step
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    sheet: Mapped[str | None] = mapped_column(String(100), default=None)
    heading_row: Mapped[int] = mapped_column(default=1)
    #: the file's headings, one per column
    headings: Mapped[list] = mapped_column(JSON, default=list)
    #: field name → column index, as proposed and then confirmed by the user
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    mapped_at: Mapped[datetime | None] = mapped_column(default=None)
    #: the check of every row (counts, the bad rows with their numbers and reasons)
    report: Mapped[dict] = mapped_column(JSON, default=dict, info=labelled(_l("Import report")))
    confirmed_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Confirmed"))
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    city: Mapped[City] = relationship()
    agency: Mapped[Agency | None] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])

    @property
    def owner(self) -> Agency | City:
        return self.agency if self.agency_id else self.city

    @property
    def record_label(self) -> str:
        return self.filename


class ImportedRecord(db.Model):
    """A row's natural key (the document code, the nonconformity number, the NIB as the file
    gave it) in its agency or city, and the record it became."""

    __tablename__ = "imported_records"
    __table_args__ = (UniqueConstraint("kind", "owner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    #: the agency's id, or the city's for a city's register
    owner_id: Mapped[int]
    key: Mapped[str] = mapped_column(String(255))
    record_id: Mapped[int]
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
