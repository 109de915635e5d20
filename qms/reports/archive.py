"""The report archive: recognising unchanged content, recording a report, rendering and storing
its PDF. Flushes only; the callers commit."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access
from qms.core.storage import FileStore, file_store
from qms.core.timeutil import to_local, utcnow
from qms.extensions import db, replica_reads
from qms.reports import engine
from qms.reports.letterhead import letterhead_for
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.policies import may_access, request_of
from qms.reports.registry import ReportRequest, ReportType, report_type

log = logging.getLogger(__name__)

#: letters and digits that cannot be mistaken for each other when read aloud or typed
SUFFIX_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SUFFIX_LENGTH = 6
#: a queued or rendering report older than this is presumed lost (worker died) and not reused
STALE_AFTER_SECONDS = 3600


def archive_for(user: Any, limit: int = 100) -> list[GeneratedReport]:
    """The latest archived reports the user may have, newest first."""
    query = (
        access.scoped(GeneratedReport, user)
        .order_by(GeneratedReport.created_at.desc(), GeneratedReport.id.desc())
        .limit(limit * 3)  # room for what the per-type rule removes
    )
    return [r for r in db.session.scalars(query) if may_access(user, r)][:limit]


@dataclass(frozen=True)
class Submission:
    report: GeneratedReport
    #: the builder's output when the PDF still has to be rendered; None when an archived
    #: report with the same content is served instead
    data: dict[str, Any] | None

    @property
    def needs_render(self) -> bool:
        return self.data is not None


def build_data(rtype: ReportType, request: ReportRequest) -> dict[str, Any]:
    with force_locale(request.locale), replica_reads():
        return rtype.build(request)


def _new_ident(report: GeneratedReport) -> str:
    suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"QMS-{report.created_at.year}-{report.id:06d}-{suffix}"


def _reusable(key: str) -> GeneratedReport | None:
    """An archived (or still rendering) report made from exactly the same content."""
    fresh_since = utcnow() - timedelta(seconds=STALE_AFTER_SECONDS)
    candidates = db.session.scalars(
        select(GeneratedReport)
        .where(
            GeneratedReport.cache_key == key,
            GeneratedReport.status != ReportStatus.FAILED,
        )
        .order_by(GeneratedReport.id.desc())
    )
    for report in candidates:
        if report.status is ReportStatus.DONE and has_pdf(report):
            return report
        if not report.is_finished and report.created_at >= fresh_since:
            return report
    return None


def request_report(user: User, rtype: ReportType, request: ReportRequest) -> Submission:
    """Serve the archived PDF when the data did not change; otherwise queue a new one."""
    data = build_data(rtype, request)
    content_hash = engine.data_hash(data)
    key = engine.cache_key(rtype, request, content_hash, letterhead_for(request.city).fingerprint)
    existing = _reusable(key)
    if existing is not None:
        return Submission(existing, None)
    report = GeneratedReport(
        report_key=rtype.key,
        city_id=request.city.id,
        agency_id=request.agency.id if request.agency else None,
        period_start=request.period_start,
        period_end=request.period_end,
        locale=request.locale,
        params=request.params(),
        data_sha256=content_hash,
        cache_key=key,
        status=ReportStatus.QUEUED,
        requested_by_id=user.id,
        created_at=utcnow(),
    )
    db.session.add(report)
    db.session.flush()
    report.ident = _new_ident(report)
    db.session.flush()
    return Submission(report, data)


def report_store() -> FileStore:
    return file_store("reports")


def has_pdf(report: GeneratedReport) -> bool:
    return report_store().exists(report.file_name)


def read_pdf(report: GeneratedReport) -> bytes:
    return report_store().read(report.file_name)


def _slug(text: str) -> str:
    """Words joined by hyphens: letters, digits and dots kept (accents too, for filename*)."""
    return "-".join(re.sub(r"[^\w.]+", " ", text, flags=re.UNICODE).replace("_", " ").split())


def download_name(report: GeneratedReport) -> str:
    """The name a downloaded PDF is saved under: its title in the current language, what it is
    about (the record, the agency or the city) and the day it was made, e.g.
    "Ringkasan-kesesuaian-kota-Kota-Kupang-2026-12-07.pdf". The download sends an ASCII form
    and, for a name with other letters, the exact one as RFC 5987 filename*."""
    request = request_of(report)
    record = request.record
    if record is not None:
        scope = str(getattr(record, "record_label", "") or "")
    elif report.agency is not None:
        scope = report.agency.name
    else:
        scope = report.city.name
    day = to_local(report.created_at).date().isoformat()
    title = engine.report_title_of(report)
    name = "-".join(part for part in (_slug(title), _slug(scope), day) if part)
    return f"{name[:180]}.pdf"


def verify_url(report: GeneratedReport) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + url_for("verify.show", ident=report.ident)


def mark_rendering(report: GeneratedReport) -> None:
    report.status = ReportStatus.RENDERING
    db.session.flush()


def mark_failed(report: GeneratedReport, error: BaseException) -> None:
    log.exception("report %s failed", report.ident, exc_info=error)
    report.status = ReportStatus.FAILED
    report.error = f"{type(error).__name__}: {error}"[:500]
    report.finished_at = utcnow()
    db.session.flush()


def render(report: GeneratedReport, data: dict[str, Any]) -> None:
    """Render the PDF, store it beside the archive entry and record its SHA-256."""
    rtype = report_type(report.report_key)
    if rtype is None:
        raise LookupError(f"report type {report.report_key!r} is not registered")
    started = time.perf_counter()
    pdf, _html = engine.render_report(
        rtype, request_of(report), data, report=report, verify_url=verify_url(report)
    )
    report_store().write(report.file_name, pdf.content)
    report.pdf_sha256 = hashlib.sha256(pdf.content).hexdigest()
    report.size = len(pdf.content)
    report.pages = pdf.pages
    report.status = ReportStatus.DONE
    report.finished_at = utcnow()
    report.render_seconds = round(time.perf_counter() - started, 3)
    db.session.flush()
