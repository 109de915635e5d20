"""The report archive: every PDF generated, with what it was made from and its SHA-256."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.core.labels import LabelledEnum
from qms.core.models import AuditedMixin, TimestampMixin, reference_column, str_enum, text_column
from qms.extensions import db
from qms.files.models import StoredFile
from qms.organisations.models import Agency, City


class ReportStatus(LabelledEnum):
    QUEUED = "queued", _l("Waiting in the queue")
    RENDERING = "rendering", _l("Being rendered")
    DONE = "done", _l("Ready")
    FAILED = "failed", _l("Failed")


class GeneratedReport(TimestampMixin, db.Model):
    """One generated (or requested) PDF. Not a quality record, so not in the history: the
    archive itself is the record of who generated what and when; rows are never deleted."""

    __tablename__ = "generated_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. QMS-2026-000123-K7QF3M: the number for people, the suffix so ids cannot be guessed
    ident: Mapped[str | None] = mapped_column(String(40), unique=True)
    report_key: Mapped[str] = mapped_column(String(64), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    locale: Mapped[str] = mapped_column(String(5))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: SHA-256 of the data the report was made from (canonical JSON of the builder's output)
    data_sha256: Mapped[str] = mapped_column(String(64))
    #: data + parameters + language + template and engine versions: equal key, equal PDF
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    #: the parameters, the day and the database's change mark this report was last known to be
    #: current for: asked again with the same, it is served without building its data again
    unchanged_key: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus), default=ReportStatus.QUEUED
    )
    error: Mapped[str] = mapped_column(String(500), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    render_seconds: Mapped[float | None] = mapped_column(default=None)
    pages: Mapped[int | None] = mapped_column(default=None)
    size: Mapped[int | None] = mapped_column(default=None)
    #: SHA-256 of the archived file: the PDF, or the ZIP of an evidence pack
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    #: "pdf", or "zip" for an evidence pack (qms/reports/packs.py)
    file_type: Mapped[str] = mapped_column(String(8), default="pdf", server_default="pdf")
    #: an evidence pack's: SHA-256 of its manifest.json (verifiable without the whole ZIP)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64), index=True, default=None)

    city: Mapped[City] = relationship()
    agency: Mapped[Agency | None] = relationship()
    requested_by: Mapped[User] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)

    @property
    def is_pack(self) -> bool:
        return self.file_type == "zip"

    @property
    def file_name(self) -> str:
        return f"{self.ident}.{self.file_type or 'pdf'}"


class CityLetterhead(AuditedMixin, TimestampMixin, db.Model):
    """The letterhead (kop surat) a city's reports are printed under: the government's name,
    the lines below it (address, telephone, website) and the emblem, an image kept in the file
    store. Kept by the city's administrator; every change is in the history, and a replaced
    emblem is archived with the file store, never deleted."""

    __tablename__ = "city_letterheads"

    city_id: Mapped[int] = reference_column("cities.id", _l("City"), unique=True)
    government: Mapped[str] = text_column(String(200), _l("Name of the government"))
    address: Mapped[str] = text_column(String(500), _l("Address lines"))
    emblem_id: Mapped[int | None] = reference_column("stored_files.id", _l("Emblem"), default=None)

    city: Mapped[City] = relationship()
    emblem: Mapped[StoredFile | None] = relationship()

    @property
    def record_label(self) -> str:
        return str(_l("Letterhead of %(city)s", city=self.city.name if self.city else ""))


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_generated_reports_created", GeneratedReport.created_at, GeneratedReport.id)
