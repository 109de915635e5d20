"""The survey's figures, summed in SQL (a survey has hundreds of responses, a city thousands):
per element the sum of the scores and the number of answers, from which scoring.py computes
the NRR, the IKM, the grade and the minimum sample. The survey pages, the public results, the
API and the objectives' automatic indicator (the SKM index of an agency over a period) read
them from here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from qms.core.registry import IndicatorSource, add_indicator_source
from qms.extensions import db
from qms.skm.models import FollowUp, Response, Survey
from qms.skm.scoring import Result, result_of
from qms.skm.vocabulary import ELEMENTS

PROFILE_FIELDS = ("gender", "age", "education", "occupation")


def _sums(query: Select) -> Select:
    columns = []
    for element in ELEMENTS:
        column = getattr(Response, element)
        columns += [func.coalesce(func.sum(column), 0), func.count(column)]
    return query.add_columns(func.count(Response.id), *columns)


def _result(row: Any, population: int) -> Result:
    respondents, *counted = row
    sums = {
        element: (int(counted[2 * i]), int(counted[2 * i + 1]))
        for i, element in enumerate(ELEMENTS)
    }
    return result_of(respondents, sums, population)


def results(surveys: Iterable[Survey]) -> dict[int, Result]:
    """Each survey's figures (a survey without responses has none of them)."""
    listed = {s.id: s for s in surveys}
    if not listed:
        return {}
    rows = db.session.execute(
        _sums(select(Response.survey_id))
        .where(Response.survey_id.in_(list(listed)))
        .group_by(Response.survey_id)
    )
    found = {row[0]: _result(row[1:], listed[row[0]].population) for row in rows}
    return {
        survey_id: found.get(survey_id) or result_of(0, {}, survey.population)
        for survey_id, survey in listed.items()
    }


def result(survey: Survey) -> Result:
    return results([survey])[survey.id]


def agency_index(agency_id: int, first: date, last: date) -> float | None:
    """The agency's index over a period: the IKM of every response its surveys received then
    (their units pooled), or None without responses."""
    row = db.session.execute(
        _sums(select())
        .select_from(Response)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            Survey.agency_id == agency_id,
            Survey.archived_at.is_(None),
            Response.answered_on.between(first, last),
        )
    ).one()
    index = _result(row, 1).ikm
    return float(index) if index is not None else None


def profile(survey: Survey) -> dict[str, dict[str | None, int]]:
    """The respondents by gender, age band, education and occupation (None: not given)."""
    counts: dict[str, dict[str | None, int]] = {}
    for field in PROFILE_FIELDS:
        column = getattr(Response, field)
        rows = db.session.execute(
            select(column, func.count(Response.id))
            .where(Response.survey_id == survey.id)
            .group_by(column)
        )
        counts[field] = {
            (value.value if value is not None else None): count for value, count in rows
        }
    return counts


def register() -> None:
    add_indicator_source(
        IndicatorSource(
            "skm_index",
            _l("Public satisfaction index (IKM, SKM survey)"),
            "index",
            agency_index,
            order=50,
        )
    )


def follow_up_counts(survey_ids: list[int], today: date) -> dict[int, tuple[int, int, int]]:
    """Per survey, its follow-up plan's actions: (total, done, overdue as of `today`)."""
    if not survey_ids:
        return {}
    rows = db.session.execute(
        select(
            FollowUp.survey_id,
            func.count(),
            func.count(FollowUp.done_on),
            func.count(case(((FollowUp.done_on.is_(None)) & (FollowUp.due_on < today), 1))),
        )
        .where(FollowUp.survey_id.in_(survey_ids))
        .group_by(FollowUp.survey_id)
    )
    return {survey_id: (total, done, overdue) for survey_id, total, done, overdue in rows}
