"""What the satisfaction survey contributes to the management review and to certification
readiness (registered from skm's init_app into qms.core; the review never imports skm):

- "customer satisfaction" (9.3.2 c): the surveys whose period ended in the review's year with
  their respondents, index and grade, and the agency's index over the year (every response of
  its units pooled) with its grade;
- "suggestions from the survey" (9.3.2 f): how many respondents wrote one, the latest ones;
- readiness: the surveys' results as monitoring records (9.1, retain)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from qms.core.readiness import (
    RETAIN,
    EvidenceSource,
    FoundEvidence,
    add_evidence_source,
    counted_register,
)
from qms.core.review_inputs import InputProvider, add_input_provider, review_period
from qms.extensions import db
from qms.skm import figures
from qms.skm.models import Response, Survey
from qms.skm.scoring import grade_of
from qms.skm.vocabulary import SurveyStatus

SATISFACTION_LABELS = {
    "surveys": _l("Surveys ended in the review period"),
    "respondents": _l("Respondents"),
    "ikm": _l("Satisfaction index (IKM) of the period"),
    "grade": _l("Quality grade"),
}
#: the suggestions named in the pack (the count covers them all)
SUGGESTIONS_SHOWN = 10


def satisfaction(agency: Any, cut_off: date) -> dict[str, Any]:
    first, last = review_period(cut_off)
    surveys = db.session.scalars(
        select(Survey)
        .where(
            Survey.agency_id == agency.id,
            Survey.archived_at.is_(None),
            Survey.period_end.between(first, last),
        )
        .order_by(Survey.period_end, Survey.id)
    ).all()
    results = figures.results(surveys)
    index = figures.agency_index(agency.id, first, last)
    return {
        "counts": {
            "surveys": len(surveys),
            "respondents": sum(r.respondents for r in results.values()),
            "ikm": index,
            "grade": grade_of(Decimal(str(index))) if index is not None else None,
        },
        "rows": [
            {
                "text": f"{s.title} ({s.period_start:%Y-%m-%d} – {s.period_end:%Y-%m-%d})",
                "value": (
                    f"IKM {results[s.id].ikm} ({results[s.id].grade}), "
                    f"n = {results[s.id].respondents}"
                    if results[s.id].ikm is not None
                    else "–"
                ),
            }
            for s in surveys
        ],
        "trend": [
            {"period": f"{s.period_end:%Y-%m}", "value": float(results[s.id].ikm)}
            for s in surveys
            if results[s.id].ikm is not None
        ],
    }


def suggestions(agency: Any, cut_off: date) -> dict[str, Any]:
    first, last = review_period(cut_off)
    written = (
        select(Response.answered_on, Response.suggestion)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            Survey.agency_id == agency.id,
            Survey.archived_at.is_(None),
            Response.answered_on.between(first, last),
            Response.suggestion != "",
        )
    )
    total = db.session.scalar(select(func.count()).select_from(written.subquery()))
    latest = db.session.execute(
        written.order_by(Response.answered_on.desc(), Response.id.desc()).limit(SUGGESTIONS_SHOWN)
    )
    return {
        "counts": {"suggestions": total},
        "rows": [{"text": text, "value": f"{day:%Y-%m-%d}"} for day, text in latest],
    }


def survey_records(agency_ids: Sequence[int], today: date) -> FoundEvidence:
    return counted_register(
        agency_ids,
        Survey,
        ["9.1"],
        _l("Satisfaction surveys with results (%(n)s)"),
        "skm.index",
        Survey.status != SurveyStatus.COLLECTING,
    )


def register() -> None:
    add_input_provider(
        InputProvider(
            "c",
            "satisfaction",
            _l("Customer satisfaction (SKM survey)"),
            satisfaction,
            SATISFACTION_LABELS,
            order=5,
        )
    )
    add_input_provider(
        InputProvider(
            "f",
            "survey-suggestions",
            _l("Suggestions from the satisfaction survey"),
            suggestions,
            {"suggestions": _l("Respondents who wrote a suggestion")},
            20,
        )
    )
    add_evidence_source(
        EvidenceSource("surveys", _l("Satisfaction survey results"), RETAIN, survey_records, 50)
    )
