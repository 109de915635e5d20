"""What the satisfaction survey adds to the agency compliance report: each finished survey of the
period (closed or published), per unit, with its index (IKM), grade, its weakest elements
(the lowest NRR, scoring.WEAKEST of them, as the survey's page highlights them) and the state
of its follow-up plan (ISO 9001 9.1.2); and to the city summary, each agency's index over the
period."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core import access
from qms.core.timeutil import today
from qms.extensions import db
from qms.reports.registry import ReportRequest
from qms.reports.sections import (
    agency_section,
    city_agency_ids,
    city_section,
    register_report_section,
)
from qms.skm import figures
from qms.skm.models import Survey
from qms.skm.vocabulary import ELEMENT_LABELS, SurveyStatus


def build_agency(req: ReportRequest) -> dict[str, Any]:
    """The agency's finished surveys whose period overlaps the report's, per unit and period."""
    assert req.agency is not None
    query = access.scoped(Survey, req.requested_by).where(
        Survey.agency_id == req.agency.id, Survey.status != SurveyStatus.COLLECTING
    )
    if req.period_start is not None:
        query = query.where(Survey.period_end >= req.period_start)
    if req.period_end is not None:
        query = query.where(Survey.period_start <= req.period_end)
    surveys = list(db.session.scalars(query.order_by(Survey.period_start, Survey.id)))
    results = figures.results(surveys)
    follow_ups = figures.follow_up_counts([s.id for s in surveys], today())
    rows = []
    for survey in sorted(surveys, key=lambda s: (s.unit.path, s.period_start, s.id)):
        result = results[survey.id]
        total, done, overdue = follow_ups.get(survey.id, (0, 0, 0))
        rows.append(
            {
                "unit": survey.unit.path,
                "title": survey.title,
                "period_start": survey.period_start,
                "period_end": survey.period_end,
                "respondents": result.respondents,
                "ikm": result.ikm,
                "grade": result.grade,
                "follow_ups": total,
                "done": done,
                "overdue": overdue,
                "weakest": [
                    {"label": str(ELEMENT_LABELS[e]), "nrr": result.nrr[e]} for e in result.weakest
                ],
            }
        )
    return {"surveys": rows}


def build_city(req: ReportRequest) -> dict[str, Any]:
    """Per agency of the city: the index of all the responses its surveys received in the
    period (without a period: this year so far), its grade and respondents."""
    day = today()
    first = req.period_start or date(day.year, 1, 1)
    last = req.period_end or day
    ids = city_agency_ids(req)
    found = figures.agency_indexes(ids, first, last, visible_to=req.requested_by)
    return {
        "first": first,
        "last": last,
        "agencies": {
            i: {"ikm": r.ikm, "grade": r.grade, "respondents": r.respondents}
            for i, r in found.items()
        },
    }


SECTIONS = (
    agency_section("skm", "skm", _l("Public satisfaction survey"), 70, build_agency),
    city_section("skm", "skm", 80, build_city),
)


def register() -> None:
    """Add the sections to the agency compliance report and the city summary (from
    init_app)."""
    register_report_section(*SECTIONS)
