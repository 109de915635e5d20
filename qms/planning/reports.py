"""What planning adds to the agency compliance report: the quality objectives of the period with
their target, the latest value measured, whether it met the target (a chart of target against
actual) and the deviations (ISO 9001 6.2, 9.1), and the risk register as it stands (6.1): the
heat map, the high risks with their treatments, the treatments overdue. The city summary gets a
line per agency: objectives met (of how many), off target, high risks, treatments overdue."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core import access
from qms.core.timeutil import today
from qms.extensions import db
from qms.planning import figures, queries
from qms.planning.matrix import matrix
from qms.planning.models import Measurement, Objective, Treatment
from qms.planning.vocabulary import TreatmentStatus
from qms.reports.registry import ReportRequest
from qms.reports.sections import (
    agency_section,
    city_agency_ids,
    city_section,
    register_report_section,
)


def _years(req: ReportRequest, day: date) -> range:
    """The years whose objectives the report covers: those the period touches; without a
    period, this year's."""
    first = req.period_start or req.period_end or day
    last = req.period_end or (day if req.period_start else first)
    return range(first.year, last.year + 1)


#: the characters of a chart label's line (the objective's title wraps, it is never cut)
LABEL_WIDTH = 62


def _bar(objective: Objective, measured: Measurement | None) -> dict[str, Any]:
    """An objective's row of the chart: its latest value against its target on a scale that
    holds both (a tenth more than the larger), as fractions of the bar's length."""
    target = objective.target
    value = measured.value if measured is not None else None
    top = max(target, value or Decimal(0)) * Decimal("1.1") or Decimal(1)
    return {
        "lines": textwrap.wrap(objective.title, LABEL_WIDTH) or [""],
        "target_at": float(target / top),
        "value_at": float(value / top) if value is not None else None,
        "met": measured.is_met if measured is not None else None,
        "caption": objective.target_label,
        "value": objective.shown(value) if value is not None else None,
    }


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
    measured = figures.measurements_in(list(by_id), first, last)
    latest = {m.objective_id: m for m in measured}
    periods: dict[int, list[bool]] = defaultdict(list)
    for m in measured:
        periods[m.objective_id].append(m.is_met)
    deviations = [m for m in measured if not m.is_met]
    met = sum(1 for m in latest.values() if m.is_met)
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
                "periods": len(periods[o.id]),
                "periods_met": sum(periods[o.id]),
                "bar": _bar(o, latest.get(o.id)),
            }
            for o in listed
        ],
        "met": met,
        "missed": len(latest) - met,
        "not_measured": len(listed) - len(latest),
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


def _plain_heat(heat: dict[str, Any]) -> dict[str, Any]:
    """The heat map's cells as plain data (a report's data is stored as JSON)."""
    return {
        **heat,
        "rows": [
            [
                {
                    "count": cell["count"],
                    "level": {"label": cell["level"].label, "colour": cell["level"].colour},
                }
                for cell in row
            ]
            for row in heat["rows"]
        ],
    }


def _risks(req: ReportRequest, day: date) -> dict[str, Any]:
    assert req.agency is not None
    user, agency_id = req.requested_by, req.agency.id
    cells = figures.heat_map(user, agency_id=agency_id)
    levels = figures.level_counts(cells)
    overdue = [
        t for t in figures.treatments_due(user, day, agency_id=agency_id) if t.is_overdue(day)
    ]
    high = figures.high_risks(user, agency_id=agency_id)
    treatments: dict[int, list[Treatment]] = defaultdict(list)
    if high:
        for t in db.session.scalars(
            select(Treatment)
            .where(Treatment.risk_id.in_([r.id for r in high]))
            .order_by(Treatment.due_on, Treatment.id)
        ):
            treatments[t.risk_id].append(t)
    return {
        "heat": _plain_heat(queries.heat_cells(cells)),
        "levels": [{"label": level.label, "count": n} for level, n in levels],
        "risks": sum(n for _level, n in levels),
        "high": [
            {
                "title": r.title,
                "process": r.process,
                "rating": f"{r.likelihood} × {r.impact}",
                "level": matrix().level(r.likelihood, r.impact).label,
                "owner": r.owner,
                "treatments": [
                    {
                        "action": t.action,
                        "owner": t.owner,
                        "due_on": t.due_on,
                        "status": str(TreatmentStatus(t.status).label),
                        "overdue": t.is_overdue(day),
                    }
                    for t in treatments[r.id]
                ],
            }
            for r in high
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
    """Per agency of the city: its objectives of the period's years, how many met their target
    and how many missed it at their latest measurement, its high risks and treatments overdue
    today."""
    day = today()
    ids = city_agency_ids(req)
    years = _years(req, day)
    objectives = figures.objectives_per_agency(req.requested_by, ids, years)
    risks = figures.risks_per_agency(req.requested_by, ids, day)
    none = figures.ObjectiveCounts(0, 0, 0)
    return {
        "first_year": years[0],
        "last_year": years[-1],
        "agencies": {
            i: {
                "objectives": objectives.get(i, none).total,
                "met": objectives.get(i, none).met,
                "share_met": objectives.get(i, none).share_met,
                "off_target": objectives.get(i, none).missed,
                "high_risks": risks[i][0],
                "treatments_overdue": risks[i][1],
            }
            for i in ids
        },
    }


SECTIONS = (
    agency_section("planning", "planning", _l("Quality objectives and risks"), 60, build_agency),
    city_section("planning", "planning", 70, build_city),
)


def register() -> None:
    """Add the sections to the agency compliance report and the city summary (from
    init_app)."""
    register_report_section(*SECTIONS)
