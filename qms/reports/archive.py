"""The report archive: recognising unchanged content, recording a report, rendering and storing
its PDF. Flushes only; the callers commit."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from flask import Response, current_app, send_file, url_for
from flask_babel import force_locale
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from qms.accounts.models import User
from qms.core import access
from qms.core.history import HistoryEntry
from qms.core.storage import FileStore, file_store
from qms.core.timeutil import to_local, today, utcnow
from qms.extensions import db, replica_reads
from qms.reports import engine
from qms.reports.letterhead import letterhead_for
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


def archive_page(
    user: Any,
    *,
    before: int | None = None,
    per_page: int = 50,
    where: Sequence[ColumnElement[bool]] = (),
) -> ArchivePage:
    """The archived reports the user may have, newest first (by id, which grows with time),
    `per_page` of them from those older than `before` (and matching `where`, the filters).
    Which reports a user may have is each
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
            .where(*where)
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


#: tables no report reads: their changes leave every report current
NOT_REPORTED = frozenset(
    {
        "api_tokens",
        "generated_reports",
        "history_entries",
        "nc_counters",
        "outbox_messages",
        "user_sessions",
    }
)


@cache
def _kept_without_history() -> tuple[type, ...]:
    """The models whose rows change without a history entry (survey responses, imports)."""
    return tuple(
        model
        for model in sorted(
            (mapper.class_ for mapper in db.Model.registry.mappers), key=lambda m: m.__tablename__
        )
        if not getattr(model, "__audited__", False) and model.__tablename__ not in NOT_REPORTED
    )


def change_mark() -> list[int | None]:
    """Moves whenever anything a report reads changes, read in one query: the newest history
    entry (every create, change and archive of an audited record writes one) and the newest row
    of each table kept without history, whose rows are only ever added."""
    newest = [select(func.max(HistoryEntry.id)).scalar_subquery()] + [
        select(func.max(model.__mapper__.primary_key[0])).scalar_subquery()
        for model in _kept_without_history()
    ]
    return list(db.session.execute(select(*newest)).one())


def unchanged_key(rtype: ReportType, request: ReportRequest) -> str:
    """A report's parameters, today and the change mark: equal keys, equal data (a report
    counts "overdue" and "due" as of today)."""
    identity = {
        "report": rtype.key,
        "version": rtype.version,
        "engine": engine.ENGINE_VERSION,
        "locale": request.locale,
        "params": request.params(),
        "day": today().isoformat(),
        "mark": change_mark(),
    }
    if rtype.personal:
        identity["for"] = _asker(request)
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _asker(request: ReportRequest) -> int | None:
    return request.requested_by.id if request.requested_by is not None else None


def _known_current(key: str) -> GeneratedReport | None:
    report = db.session.scalar(
        select(GeneratedReport)
        .where(GeneratedReport.unchanged_key == key, GeneratedReport.status == ReportStatus.DONE)
        .order_by(GeneratedReport.id.desc())
        .limit(1)
    )
    return report if report is not None and has_pdf(report) else None


def request_report(user: User, rtype: ReportType, request: ReportRequest) -> Submission:
    """Serve the archived PDF when the data did not change; otherwise queue a new one. When
    nothing changed since the report was made (the same change mark, the same day), it is
    served at once; otherwise its data is built and compared by its hash."""
    current = unchanged_key(rtype, request)
    known = _known_current(current)
    if known is not None:
        return Submission(known, None)
    data = build_data(rtype, request)
    content_hash = engine.data_hash(data)
    key = engine.cache_key(rtype, request, content_hash, letterhead_for(request.city).fingerprint)
    if rtype.personal:  # reused only for who asked (see ReportType.personal)
        key = hashlib.sha256(f"{key}:for:{_asker(request)}".encode()).hexdigest()
    existing = _reusable(key)
    if existing is not None:
        if existing.status is ReportStatus.DONE:
            existing.unchanged_key = current
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
        unchanged_key=current,
        status=ReportStatus.QUEUED,
        file_type=rtype.file_type,
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
    return f"{name[:180]}.{report.file_type or 'pdf'}"


MEDIA_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}


def send_pdf(report: GeneratedReport, *, inline: bool = False) -> Response:
    """A finished report's PDF (or an evidence pack's ZIP) as archived, under its descriptive
    name; a ZIP is always an attachment."""
    return send_file(
        report_store().open(report.file_name),
        mimetype=MEDIA_TYPES.get(report.file_type, "application/octet-stream"),
        as_attachment=not inline or report.is_pack,
        download_name=download_name(report),
        max_age=0,
    )


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
    if rtype.produce is not None:  # an evidence pack: it stores its own file
        produced = rtype.produce(report, data)
        report.pdf_sha256, report.size = produced.sha256, produced.size
        report.manifest_sha256, report.pages = produced.manifest_sha256, produced.pages
        _finished(report, started)
        return
    pdf, _html = engine.render_report(
        rtype, request_of(report), data, report=report, verify_url=verify_url(report)
    )
    report_store().write(report.file_name, pdf.content)
    report.pdf_sha256 = hashlib.sha256(pdf.content).hexdigest()
    report.size = len(pdf.content)
    report.pages = pdf.pages
    _finished(report, started)


def _finished(report: GeneratedReport, started: float) -> None:
    report.status = ReportStatus.DONE
    report.finished_at = utcnow()
    report.render_seconds = round(time.perf_counter() - started, 3)
    db.session.flush()
