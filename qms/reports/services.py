"""The rules of the report archive: who may have which report, recognising unchanged content,
rendering and storing a PDF, and verifying one. Services flush; the callers commit."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from flask import abort, current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, ValidationFailed
from qms.core.roles import Role
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations import queries as organisations
from qms.organisations.models import Agency, City
from qms.reports import engine
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.registry import Need, ReportRequest, ReportType, report_type, report_types

log = logging.getLogger(__name__)

#: letters and digits that cannot be mistaken for each other when read aloud or typed
SUFFIX_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SUFFIX_LENGTH = 6
#: a queued or rendering report older than this is presumed lost (worker died) and not reused
STALE_AFTER_SECONDS = 3600


class ReportPolicy(access.Policy):
    """Coarse scope in SQL (national readers everything, other roles their cities' reports);
    the report type's own rule narrows it (see may_access)."""

    def visible(self, user: User):
        return access.city_visibility(user, GeneratedReport.city_id, city_roles=tuple(Role))

    def allows(self, user: User, action: str, record: GeneratedReport) -> bool:
        return False  # the archive is written by the services only, never edited


access.register_policy(GeneratedReport, ReportPolicy())


# --- parameters and permissions ------------------------------------------------------------


def _known_type(key: str) -> ReportType:
    found = report_type(key or "")
    if found is None:
        raise ValidationFailed({"report": [str(_l("Choose a report."))]})
    return found


def _record_of(
    rtype: ReportType, user: User, city: City | None, record_id: int | None, reference: str
) -> Any:
    """The record a report is about, looked up by id (from its page) or by the reference
    typed in the portal; None when there is none the user may see (existence not revealed)."""
    kind = rtype.record
    assert kind is not None
    record = None
    if record_id:
        record = db.session.get(kind.model, record_id)
    elif reference.strip() and city is not None:
        record = kind.find(reference.strip(), city)
    return record if record is not None and access.can(user, access.VIEW, record) else None


def _checked_agency(
    rtype: ReportType, city: City | None, agency: Agency | None, errors: dict[str, list[str]]
) -> Agency | None:
    if rtype.agency is Need.NONE:
        return None
    if agency is None and rtype.agency is Need.REQUIRED:
        errors["agency"] = [str(_l("This report is about one agency: choose it."))]
    elif agency is not None and city is not None and agency.city_id != city.id:
        errors["agency"] = [str(_l("The agency does not belong to the chosen city."))]
    return agency


def takes_period(rtype: ReportType) -> bool:
    """A report about one record, or of a current state (the master list), has no period."""
    return rtype.record is None and rtype.period is not Need.NONE


def build_request(
    user: User,
    key: str,
    *,
    city_id: int | None,
    agency_id: int | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    locale: str = "id",
    record_id: int | None = None,
    record_reference: str = "",
) -> tuple[ReportType, ReportRequest]:
    """Check the parameters against the report type and the user's scope. A report about one
    record takes its city and agency from the record (by id, or by reference in the city)."""
    rtype = _known_type(key)
    errors: dict[str, list[str]] = {}
    city = db.session.get(City, city_id) if city_id else None
    agency = db.session.get(Agency, agency_id) if agency_id else None
    record = None
    if rtype.record is not None:
        record = _record_of(rtype, user, city, record_id, record_reference or "")
        if record is None:
            errors["record"] = [
                str(
                    _l(
                        "No %(what)s with this reference in the chosen city.",
                        what=str(rtype.record.label).lower(),
                    )
                )
            ]
        else:
            city, agency = rtype.record.owner(record)
    if city is None or not access.can(user, access.VIEW, city):
        errors.setdefault("city", [str(_l("Choose a city."))])
    if rtype.record is None:
        agency = _checked_agency(rtype, city, agency, errors)
    if not takes_period(rtype):
        if period_start or period_end:
            errors["period_start"] = [
                str(_l("This report takes no period: leave the period empty."))
            ]
        period_start = period_end = None
    elif rtype.period is Need.REQUIRED and not (period_start and period_end):
        errors["period_start"] = [
            str(_l("This report needs a period: give its first and last day."))
        ]
    if period_start and period_end and period_start > period_end:
        errors["period_end"] = [str(_l("The period ends before it starts."))]
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [str(_l("Choose a language."))]
    if errors:
        raise ValidationFailed(errors)
    request = ReportRequest(
        city=city,
        agency=agency,
        period_start=period_start,
        period_end=period_end,
        locale=locale,
        record=record,
        requested_by=user,
    )
    if not rtype.may(user, request):
        field = "record" if record is not None else "agency" if agency is not None else "city"
        raise PermissionDenied(
            _l("You may not generate this report for this city or agency."), field=field
        )
    return rtype, request


@dataclass(frozen=True)
class PortalScope:
    """What the portal offers a user: the report types they may generate somewhere, and the
    cities and agencies they may generate one of those for."""

    types: list[ReportType]
    cities: list[City]
    agencies: list[Agency]
    #: some offered type may be generated about a whole city (no agency chosen)
    whole_city: bool


def _candidates(
    rtype: ReportType, user: User, cities: list[City], agencies: list[Agency]
) -> Iterator[ReportRequest]:
    """The requests of this type the user could make in their scope: one per visible city
    and/or agency, as the type asks; for a report about a record, one about the first record
    the user sees (the portal cannot list every record)."""
    if rtype.record is not None:
        record = db.session.scalars(access.scoped(rtype.record.model, user).limit(1)).first()
        if record is not None:
            city, agency = rtype.record.owner(record)
            yield ReportRequest(city=city, agency=agency, record=record, requested_by=user)
        return
    if rtype.agency is not Need.REQUIRED:
        yield from (ReportRequest(city=city, requested_by=user) for city in cities)
    if rtype.agency is not Need.NONE:
        yield from (ReportRequest(city=a.city, agency=a, requested_by=user) for a in agencies)


def portal_scope(user: User) -> PortalScope:
    """The portal's choices, decided by each report type's own rule (ReportType.may), so the
    portal never offers what generating would refuse."""
    visible_cities = organisations.visible_cities(user)
    visible_agencies = organisations.visible_agencies(user)
    types: list[ReportType] = []
    city_ids: set[int] = set()
    agency_ids: set[int] = set()
    whole_city = False
    for rtype in report_types():
        allowed = [
            r
            for r in _candidates(rtype, user, visible_cities, visible_agencies)
            if rtype.may(user, r)
        ]
        if not allowed:
            continue
        types.append(rtype)
        if rtype.record is not None:
            # the record is looked up by its reference in the chosen city
            city_ids.update(c.id for c in visible_cities)
            continue
        for r in allowed:
            city_ids.add(r.city.id)
            if r.agency is not None:
                agency_ids.add(r.agency.id)
            else:
                whole_city = True
    return PortalScope(
        types=types,
        cities=[c for c in visible_cities if c.id in city_ids],
        agencies=[a for a in visible_agencies if a.id in agency_ids],
        whole_city=whole_city,
    )


def request_of(report: GeneratedReport) -> ReportRequest:
    """The parameters an archived report was made with."""
    rtype = report_type(report.report_key)
    record_id = (report.params or {}).get("record_id")
    record = (
        db.session.get(rtype.record.model, record_id)
        if rtype is not None and rtype.record is not None and record_id
        else None
    )
    return ReportRequest(
        city=report.city,
        agency=report.agency,
        period_start=report.period_start,
        period_end=report.period_end,
        locale=report.locale,
        record=record,
    )


def may_access(user: Any, report: GeneratedReport) -> bool:
    """May see and download: the report is in the user's scope and the user may generate this
    report type for its city/agency (an officer never gets another agency's report)."""
    rtype = report_type(report.report_key)
    return (
        rtype is not None
        and access.can(user, access.VIEW, report)
        and rtype.may(user, request_of(report))
    )


def get_accessible(ident: str, user: Any) -> GeneratedReport:
    """The archived report if the user may have it; 404 otherwise (existence not revealed)."""
    report = db.session.scalar(select(GeneratedReport).where(GeneratedReport.ident == ident))
    if report is None or not may_access(user, report):
        abort(404)
    return report


def archive_for(user: Any, limit: int = 100) -> list[GeneratedReport]:
    """The latest archived reports the user may have, newest first."""
    query = (
        access.scoped(GeneratedReport, user)
        .order_by(GeneratedReport.created_at.desc(), GeneratedReport.id.desc())
        .limit(limit * 3)  # room for what the per-type rule removes
    )
    return [r for r in db.session.scalars(query) if may_access(user, r)][:limit]


# --- requesting and rendering --------------------------------------------------------------


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


def normalise_ident(text: str) -> str:
    return (text or "").strip().upper()


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


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    report: GeneratedReport | None
    #: None when no file was given; otherwise whether it is byte-identical to the archived PDF
    matches: bool | None


def find_archived(ident: str) -> GeneratedReport | None:
    """A finished report by its identifier (public: only what the verify page shows)."""
    ident = normalise_ident(ident)
    if not ident:
        return None
    return db.session.scalar(
        select(GeneratedReport).where(
            GeneratedReport.ident == ident, GeneratedReport.status == ReportStatus.DONE
        )
    )


def verify_upload(ident: str, stream: IO[bytes] | None) -> Verification:
    """Compare an uploaded PDF with the archive: against the named report, or, without an
    identifier, against every archived report by its SHA-256."""
    report = find_archived(ident) if ident else None
    if stream is None:
        return Verification(report, None)
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise DomainError(
            _l("The file is larger than %(mb)s MB.", mb=current_app.config["MAX_UPLOAD_MB"]),
            field="file",
        )
    digest = hashlib.sha256(content).hexdigest()
    if report is None and not ident:
        report = db.session.scalar(
            select(GeneratedReport).where(
                GeneratedReport.pdf_sha256 == digest, GeneratedReport.status == ReportStatus.DONE
            )
        )
        return Verification(report, report is not None)
    return Verification(report, report is not None and report.pdf_sha256 == digest)
