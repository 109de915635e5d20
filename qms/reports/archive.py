"""The report archive: recognising unchanged content, recording a report, rendering and storing
its PDF. Flushes only; the callers commit."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from qms.accounts.models import User
from qms.core import access
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.reports import engine
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.policies import may_access_scoped, request_of
from qms.reports.registry import ReportRequest, ReportType, report_type

log = logging.getLogger(__name__)

#: letters and digits that cannot be mistaken for each other when read aloud or typed
SUFFIX_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SUFFIX_LENGTH = 6
#: a queued or rendering report older than this is presumed lost (worker died) and not reused
STALE_AFTER_SECONDS = 3600


def archive_for(user: Any, limit: int = 100) -> list[GeneratedReport]:
    """The latest archived reports the user may have, newest first."""
    return archive_page(user, per_page=limit).reports


@dataclass(frozen=True)
class ArchivePage:
    """A page of the archive as one user may have it, and the id to read the older ones from
    (None when there are none)."""

    reports: list[GeneratedReport]
    older: int | None


def archive_page(user: Any, *, before: int | None = None, per_page: int = 50) -> ArchivePage:
    """The archived reports the user may have, newest first (by id, which grows with time),
    `per_page` of them from those older than `before`. Which reports a user may have is each
    report type's rule (`may_access`), decided in Python: the archive is read in batches until
    the page is full, and the page says where the next one starts (an "after" cursor, so that
    no report is skipped or shown twice however many the rule removes)."""
    reports: list[GeneratedReport] = []
    cursor = before
    while len(reports) <= per_page:
        query = (
            access.scoped(GeneratedReport, user)
            .options(
                joinedload(GeneratedReport.city),
                joinedload(GeneratedReport.agency),
                joinedload(GeneratedReport.requested_by),
            )
            .order_by(GeneratedReport.id.desc())
            .limit(per_page * 3)  # room for what the per-type rule removes
        )
        if cursor is not None:
            query = query.where(GeneratedReport.id < cursor)
        batch = list(db.session.scalars(query))
        reports += [r for r in batch if may_access_scoped(user, r)]
        if len(batch) < per_page * 3:
            break
        cursor = batch[-1].id
    older = reports[per_page - 1].id if len(reports) > per_page else None
    return ArchivePage(reports[:per_page], older)


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
    with force_locale(request.locale):
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
        if report.status is ReportStatus.DONE and path_of(report).is_file():
            return report
        if not report.is_finished and report.created_at >= fresh_since:
            return report
    return None


def request_report(user: User, rtype: ReportType, request: ReportRequest) -> Submission:
    """Serve the archived PDF when the data did not change; otherwise queue a new one."""
    data = build_data(rtype, request)
    content_hash = engine.data_hash(data)
    key = engine.cache_key(rtype, request, content_hash)
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


def reports_dir() -> Path:
    configured = current_app.config.get("REPORTS_DIR")
    path = Path(configured) if configured else Path(current_app.config["UPLOAD_DIR"]) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(report: GeneratedReport) -> Path:
    return reports_dir() / report.file_name


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
    target = path_of(report)
    partial = target.with_suffix(".part")
    partial.write_bytes(pdf.content)
    partial.replace(target)
    report.pdf_sha256 = hashlib.sha256(pdf.content).hexdigest()
    report.size = len(pdf.content)
    report.pages = pdf.pages
    report.status = ReportStatus.DONE
    report.finished_at = utcnow()
    report.render_seconds = round(time.perf_counter() - started, 3)
    db.session.flush()
