"""Who may see an archived report: the archive's SQL scope (the user's cities), narrowed by the
report type's own rule for every listing and download."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.reports.models import CityLetterhead, GeneratedReport
from qms.reports.registry import ReportRequest, ReportType, report_type


class ReportPolicy(access.Policy):
    """Coarse scope in SQL (national readers everything, other roles their cities' reports);
    the report type's own rule narrows it (see may_access)."""

    def visible(self, user: User):
        return access.city_visibility(user, GeneratedReport.city_id, city_roles=tuple(Role))

    def allows(self, user: User, action: str, record: GeneratedReport) -> bool:
        return False  # the archive is written by qms.reports.archive only, never edited


access.register_policy(GeneratedReport, ReportPolicy())


class LetterheadPolicy(access.Policy):
    """Everyone of the city reads its letterhead (and its emblem); its administrator and the
    system administrator change it."""

    def visible(self, user: User):
        return access.city_visibility(user, CityLetterhead.city_id, city_roles=tuple(Role))

    def allows(self, user: User, action: str, record: CityLetterhead) -> bool:
        return access.is_city_admin(user, record.city_id)

    def may_create_in(self, user: User, owner: Any) -> bool:
        return access.is_city_admin(user, owner.id)


access.register_policy(CityLetterhead, LetterheadPolicy())


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
        and _theirs(user, rtype, report)
        and rtype.may(user, request_of(report))
    )


def _theirs(user: Any, rtype: ReportType, report: GeneratedReport) -> bool:
    """A personal report (an evidence pack: it holds what its asker may see) is only its
    asker's; any other report is everyone's who may have its type."""
    return not rtype.personal or report.requested_by_id == getattr(user, "id", None)


def may_access_scoped(user: Any, report: GeneratedReport) -> bool:
    """`may_access` of a report already read through `access.scoped` (the archive's list):
    only the report type's rule is left to check, with no query per report."""
    rtype = report_type(report.report_key)
    return (
        rtype is not None and _theirs(user, rtype, report) and rtype.may(user, request_of(report))
    )


def get_accessible(ident: str, user: Any) -> GeneratedReport:
    """The archived report if the user may have it; 404 otherwise (existence not revealed)."""
    report = db.session.scalar(select(GeneratedReport).where(GeneratedReport.ident == ident))
    if report is None or not may_access(user, report):
        abort(404)
    return report
