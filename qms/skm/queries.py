"""What the pages and the API read of surveys: the list with its filters, the follow-up still
asked for, the home and agency panels, the suggestions shown with the complaints, what the forms
offer — through `access.scoped` for signed-in users — and what anonymous visitors may read:
the survey of a unit open today, and its published results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from sqlalchemy import Select, select

from qms.accounts.models import User
from qms.core import access
from qms.core.filters import where_given
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.organisations.queries import AgencyFilter
from qms.skm import figures
from qms.skm.models import Response, Survey
from qms.skm.scoring import Result
from qms.skm.vocabulary import SurveyStatus

#: the suggestions shown beside the complaints
SUGGESTIONS_SHOWN = 20


@dataclass(frozen=True)
class SurveyFilter(AgencyFilter):
    status: str | None = None


def surveys_query(user: User, filters: SurveyFilter) -> Select:
    query = where_given(
        filters.narrow(access.scoped(Survey, user), Survey.agency_id),
        (Survey.status, filters.status),
    )
    return query.order_by(Survey.period_start.desc(), Survey.agency_id, Survey.id)


def unit_choices(agencies: list[Agency]) -> list[tuple[int, str]]:
    named = len(agencies) > 1
    units = db.session.scalars(
        select(Unit)
        .where(Unit.agency_id.in_([a.id for a in agencies]), Unit.archived_at.is_(None))
        .order_by(Unit.agency_id, Unit.name)
    )
    return [(u.id, f"{u.agency.code} · {u.path}" if named else u.path) for u in units]


@dataclass(frozen=True)
class FollowUpNeed:
    """A closed or published survey, its figures, and its weakest elements with no action yet."""

    survey: Survey
    result: Result
    missing: list[str]


def follow_up_needs(surveys: list[Survey]) -> list[FollowUpNeed]:
    """The surveys whose weakest elements (scoring.WEAKEST) still lack a follow-up action."""
    finished = [s for s in surveys if s.status != SurveyStatus.COLLECTING]
    results = figures.results(finished)
    needs = []
    for survey in finished:
        planned = {f.element for f in survey.follow_ups}
        missing = [e for e in results[survey.id].weakest if e not in planned]
        if missing:
            needs.append(FollowUpNeed(survey, results[survey.id], missing))
    return needs


def sees_home_panel(user: User) -> bool:
    return user.has_role(Role.QUALITY_OFFICER, Role.CITY_ADMIN)


def home_context(user: User) -> dict[str, Any]:
    """A quality officer's home: the surveys awaiting a follow-up plan."""
    finished = access.scoped(Survey, user).where(Survey.status != SurveyStatus.COLLECTING)
    return {"needs": follow_up_needs(list(db.session.scalars(finished.order_by(Survey.id))))}


def agency_panel_visible(user: User, agency: Agency) -> bool:
    query = access.scoped(Survey, user).where(Survey.agency_id == agency.id)
    return db.session.scalar(query.with_only_columns(Survey.id).limit(1)) is not None


def agency_panel_context(user: User, agency: Agency) -> dict[str, Any]:
    """Each unit's latest finished survey with its index and grade."""
    finished = (
        access.scoped(Survey, user)
        .where(Survey.agency_id == agency.id, Survey.status != SurveyStatus.COLLECTING)
        .order_by(Survey.period_end.desc())
    )
    latest: dict[int, Survey] = {}
    for survey in db.session.scalars(finished):
        latest.setdefault(survey.unit_id, survey)
    results = figures.results(latest.values())
    return {"agency": agency, "latest": [(s, results[s.id]) for s in latest.values()]}


def suggestions(user: User, agency_id: int | None) -> dict[str, Any] | None:
    """The latest suggestions respondents wrote, for the complaints page (feedback records,
    ISO 9001 9.1.2); None when there are none to show."""
    surveys = access.scoped(Survey, user).with_only_columns(Survey.id)
    if agency_id:
        surveys = surveys.where(Survey.agency_id == agency_id)
    rows = db.session.execute(
        select(Response.answered_on, Response.suggestion, Survey)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.survey_id.in_(surveys), Response.suggestion != "")
        .order_by(Response.answered_on.desc(), Response.id.desc())
        .limit(SUGGESTIONS_SHOWN)
    ).all()
    return {"suggestions": rows} if rows else None


# --- what anonymous visitors read ---------------------------------------------------------


def public_unit(unit_id: int) -> Unit:
    """A unit of an agency in use, or 404."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.is_archived or unit.agency.is_archived:
        abort(404)
    return unit


def open_survey(unit: Unit, today: date | None = None) -> Survey | None:
    """The unit's survey taking responses today (the latest begun, if several)."""
    today = today or local_today()
    return db.session.scalar(
        select(Survey)
        .where(
            Survey.unit_id == unit.id,
            Survey.status == SurveyStatus.COLLECTING,
            Survey.archived_at.is_(None),
            Survey.period_start <= today,
            Survey.period_end >= today,
        )
        .order_by(Survey.period_start.desc(), Survey.id.desc())
        .limit(1)
    )


def published_surveys(unit: Unit) -> list[Survey]:
    """The unit's published surveys, the latest period first."""
    return list(
        db.session.scalars(
            select(Survey)
            .where(
                Survey.unit_id == unit.id,
                Survey.status == SurveyStatus.PUBLISHED,
                Survey.archived_at.is_(None),
            )
            .order_by(Survey.period_end.desc(), Survey.id.desc())
        )
    )
