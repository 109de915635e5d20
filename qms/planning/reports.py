"""What planning adds to the agency compliance report: the quality objectives of the period with
their target, the latest value measured and the deviations (ISO 9001 6.2, 9.1), and the risk
register as it stands (6.1): risks by level, the high ones, the treatments overdue. The city
summary gets a line per agency: objectives off target, high risks, treatments overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core import access
from qms.core.timeutil import today
from qms.extensions import db
from qms.planning import figures
from qms.planning.matrix import matrix
from qms.planning.models import Objective
from qms.reports.registry import ReportRequest
from qms.reports.sections import ReportSection, Scope, city_agency_ids, register_report_section


def _years(req: ReportRequest, day: date) -> range:
    """The years whose objectives the report covers: those the period touches; without a
    period, this year's."""
    first = req.period_start or req.period_end or day
    last = req.period_end or (day if req.period_start else first)
    return range(first.year, last.year + 1)


def _objectives(req: ReportRequest, day: date) -> dict[str, Any]:
    assert req.agency is not None
    listed = list(
        db.session.scalars(
            access.scoped(Objective, req.requested_by)
            .where(Objective.agency_id == req.agency.id, Objective.year.in_(_years(req, day)))
            .order_by(Objective.year, Objective.id)
        )
    )
    by_id = {o.id: o for o in listed}
    first, last = req.period_start, req.period_end
    latest = {m.objective_id: m for m in figures.measurements_in(list(by_id), first, last)}
    deviations = figures.measurements_in(list(by_id), first, last, missed=True)
    return {
        "objectives": [
            {
                "year": o.year,
                "title": o.title,
                "indicator": o.indicator,
                "target": o.target_label,
                "period": latest[o.id].period if o.id in latest else None,
                "value": o.shown(latest[o.id].value) if o.id in latest else None,
                "met": latest[o.id].is_met if o.id in latest else None,
            }
            for o in listed
        ],
        "deviations": [
            {
                "objective": by_id[m.objective_id].title,
                "period": m.period,
                "value": by_id[m.objective_id].shown(m.value),
                "target": by_id[m.objective_id].target_label,
                "nonconformity": m.nonconformity.number if m.nonconformity else None,
            }
            for m in deviations
        ],
    }


def _risks(req: ReportRequest, day: date) -> dict[str, Any]:
    assert req.agency is not None
    user, agency_id = req.requested_by, req.agency.id
    levels = figures.level_counts(figures.heat_map(user, agency_id=agency_id))
    overdue = [
        t for t in figures.treatments_due(user, day, agency_id=agency_id) if t.is_overdue(day)
    ]
    return {
        "levels": [{"label": level.label, "count": n} for level, n in levels],
        "risks": sum(n for _level, n in levels),
        "high": [
            {
                "title": r.title,
                "process": r.process,
                "rating": f"{r.likelihood} × {r.impact}",
                "level": matrix().level(r.likelihood, r.impact).label,
                "owner": r.owner,
            }
            for r in figures.high_risks(user, agency_id=agency_id)
        ],
        "overdue": [
            {"action": t.action, "risk": t.risk.title, "owner": t.owner, "due_on": t.due_on}
            for t in overdue
        ],
    }


def build_agency(req: ReportRequest) -> dict[str, Any]:
    """The objectives of the period and the risk register of today."""
    day = today()
    return {**_objectives(req, day), **_risks(req, day)}


def build_city(req: ReportRequest) -> dict[str, Any]:
    """Per agency of the city: its objectives of the period's years and those off target, its
    high risks and treatments overdue today."""
    day = today()
    ids = city_agency_ids(req)
    years = _years(req, day)
    objectives = figures.objectives_per_agency(req.requested_by, ids, years)
    risks = figures.risks_per_agency(req.requested_by, ids, day)
    return {
        "first_year": years[0],
        "last_year": years[-1],
        "agencies": {
            i: {
                "objectives": objectives.get(i, (0, 0))[0],
                "off_target": objectives.get(i, (0, 0))[1],
                "high_risks": risks[i][0],
                "treatments_overdue": risks[i][1],
            }
            for i in ids
        },
    }


PLAN = ReportSection(
    key="planning",
    scope=Scope.AGENCY,
    title=_l("Quality objectives and risks"),
    order=60,
    build=build_agency,
    template="planning/pdf/_agency.html",
)


CITY_PLAN = ReportSection(
    key="planning",
    scope=Scope.CITY,
    title=None,
    order=70,
    build=build_city,
    template="planning/pdf/_city.html",
)


def register() -> None:
    """Add the sections to the agency compliance report and the city summary (from
    init_app)."""
    register_report_section(PLAN, CITY_PLAN)
