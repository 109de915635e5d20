"""The city directory and readiness summary: every agency of a city with its kind, head, units
and the people the quality system needs there (a quality officer, internal auditors). Built from
the foundation's data only; the compliance reports extend it once audits exist."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from qms.accounts.models import RoleAssignment, User
from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, AgencyKind, Unit, UnitKind
from qms.reports.registry import Need, ReportRequest, ReportType, register_report_type


def _existed_in_period(model: type, req: ReportRequest) -> list:
    """Rows that existed at some time in the period: created before its end, not archived
    before its start. Without a period: the rows in use today."""
    conditions = []
    if req.period_end is not None:
        conditions.append(model.created_at < datetime.combine(req.period_end, datetime.max.time()))
    if req.period_start is not None:
        conditions.append(or_(model.archived_at.is_(None), model.archived_at >= req.period_start))
    elif req.period_end is None:
        conditions.append(model.archived_at.is_(None))
    return conditions


def _people_per_agency(role: Role, agency_ids: list[int]) -> Counter:
    rows = db.session.execute(
        select(RoleAssignment.agency_id, func.count(RoleAssignment.id))
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == role,
            RoleAssignment.agency_id.in_(agency_ids),
            User.active.is_(True),
        )
        .group_by(RoleAssignment.agency_id)
    )
    return Counter(dict(rows.all()))


def build(req: ReportRequest) -> dict[str, Any]:
    # the rows as the requester sees them on the organisation pages, archived ones included
    # (the period decides which of those count)
    user = req.requested_by
    query = access.scoped(Agency, user, include_archived=True).where(
        Agency.city_id == req.city.id, *_existed_in_period(Agency, req)
    )
    if req.agency is not None:
        query = query.where(Agency.id == req.agency.id)
    agencies = list(db.session.scalars(query.order_by(Agency.name, Agency.id)))
    ids = [a.id for a in agencies]
    units_by_agency: dict[int, list[Unit]] = {i: [] for i in ids}
    if ids:
        unit_query = access.scoped(Unit, user, include_archived=True).where(
            Unit.agency_id.in_(ids), *_existed_in_period(Unit, req)
        )
        for unit in db.session.scalars(unit_query.order_by(Unit.name, Unit.id)):
            units_by_agency[unit.agency_id].append(unit)
    officers = _people_per_agency(Role.QUALITY_OFFICER, ids)
    auditors = _people_per_agency(Role.INTERNAL_AUDITOR, ids)

    rows = []
    for agency in agencies:
        units = units_by_agency[agency.id]
        rows.append(
            {
                "code": agency.code,
                "name": agency.name,
                "kind": str(AgencyKind(agency.kind).label),
                "head": agency.head_name,
                "address": agency.address,
                "units": [{"path": u.path, "kind": str(UnitKind(u.kind).label)} for u in units],
                "officers": officers[agency.id],
                "auditors": auditors[agency.id],
                "ready": officers[agency.id] > 0 and auditors[agency.id] > 0,
            }
        )
    kinds = sorted({r["kind"] for r in rows})
    return {
        "agencies": rows,
        "totals": {
            "agencies": len(rows),
            "units": sum(len(r["units"]) for r in rows),
            "with_officer": sum(1 for r in rows if r["officers"]),
            "with_auditor": sum(1 for r in rows if r["auditors"]),
            "ready": sum(1 for r in rows if r["ready"]),
        },
        "kinds": kinds,
        "ready_by_kind": [sum(1 for r in rows if r["kind"] == k and r["ready"]) for k in kinds],
        "not_ready_by_kind": [
            sum(1 for r in rows if r["kind"] == k and not r["ready"]) for k in kinds
        ],
    }


CITY_DIRECTORY = ReportType(
    key="city-directory",
    title=_l("City directory and readiness summary"),
    template="reports/pdf/city_directory.html",
    build=build,
    agency=Need.OPTIONAL,
    period=Need.OPTIONAL,
    description=_l(
        "Every agency of the city with its kind, head and units, and whether it has a quality "
        "officer and internal auditors. With a period: the agencies that existed in it."
    ),
    order=10,
)

register_report_type(CITY_DIRECTORY)
