"""Changes to surveys outside their steps (workflow.py): create and correct a survey, store
responses (the public form's one at a time, an import's all at once), and keep the follow-up
plan of the weakest elements. Each checks the actor's permission and the values' rules,
refusing with a DomainError that names the field, and flushes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from qms.accounts.models import User
from qms.core import access, archiving
from qms.core.actions import record_done
from qms.core.errors import DomainError, ValidationFailed, required_text
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.skm import parsing
from qms.skm.models import FollowUp, Response, Survey
from qms.skm.vocabulary import ELEMENTS, Channel, SurveyStatus

SURVEY_FIELDS = ("unit_id", "title", "period_start", "period_end", "population")
#: the largest population a unit serves in a period (beyond it, the sample stays 384)
MAX_POPULATION = 100_000_000
#: a survey's period: at most this many days (the regulation asks for one at least yearly)
LONGEST_PERIOD_DAYS = 366


#: what a change to an archived survey is told
ARCHIVED = _l("This survey is archived: it cannot be changed.")


def _may_change(actor: User, survey: Survey, record: Any = None) -> None:
    """Refused unless the actor may edit the record (the survey, or one of its follow-ups) and
    the survey is not archived."""
    access.authorize(actor, access.EDIT, survey if record is None else record)
    archiving.refuse_archived(survey, ARCHIVED)


def _check_survey(survey: Survey) -> None:
    unit = db.session.get(Unit, survey.unit_id) if survey.unit_id else None
    if unit is None or unit.agency_id != survey.agency_id or unit.is_archived:
        raise DomainError(_l("Choose a unit of the agency."), field="unit_id")
    if survey.period_start is None:
        raise DomainError(_l("Enter a date (YYYY-MM-DD)."), field="period_start")
    if survey.period_end is None or survey.period_end < survey.period_start:
        raise DomainError(_l("The period ends on or after its start."), field="period_end")
    if (survey.period_end - survey.period_start).days >= LONGEST_PERIOD_DAYS:
        raise DomainError(_l("A survey's period is at most one year."), field="period_end")
    if not isinstance(survey.population, int) or not 0 < survey.population <= MAX_POPULATION:
        raise DomainError(
            _l("Enter the number of people the unit serves in the period."), field="population"
        )
    survey.title = (survey.title or "").strip() or f"SKM {unit.name} {survey.period_start.year}"


def create_survey(actor: User, agency: Agency, values: dict[str, Any]) -> Survey:
    survey = Survey(agency_id=agency.id, agency=agency, status=SurveyStatus.COLLECTING)
    access.authorize(actor, access.CREATE, survey)
    for name in SURVEY_FIELDS:
        setattr(survey, name, values.get(name))
    _check_survey(survey)
    db.session.add(survey)
    db.session.flush()
    return survey


def update_survey(actor: User, survey: Survey, values: dict[str, Any]) -> Survey:
    """Correct a survey's unit, title, period or population; its period must keep every
    response received."""
    _may_change(actor, survey)
    for name in SURVEY_FIELDS:
        if name in values:
            setattr(survey, name, values[name])
    _check_survey(survey)
    outside = db.session.scalar(
        select(Response.id)
        .where(
            Response.survey_id == survey.id,
            ~Response.answered_on.between(survey.period_start, survey.period_end),
        )
        .limit(1)
    )
    if outside is not None:
        raise DomainError(
            _l("Responses were received outside this period: keep them inside it."),
            field="period_start",
        )
    db.session.flush()
    return survey


def archive(actor: User, survey: Survey) -> Survey:
    return archiving.archive(actor, survey, ARCHIVED)


def collecting_refusal(survey: Survey) -> Any | None:
    """Why the survey takes no responses now (None while it does)."""
    if survey.is_archived:
        return ARCHIVED
    if survey.status != SurveyStatus.COLLECTING:
        return _l("The survey is closed: it takes no more responses.")
    return None


def store_rows(
    survey: Survey, rows: Iterable[parsing.Row], channel: Channel, import_id: int | None = None
) -> int:
    """Store checked answers at once (one INSERT for an import of hundreds); how many."""
    values = [{**row.values, "channel": channel, "import_id": import_id} for row in rows]
    if values:
        db.session.execute(insert(Response), values)
    return len(values)


def submit_response(survey: Survey, answers: dict[str, Any], today: date | None = None) -> None:
    """One anonymous respondent's answers from the public form, dated today; refused with the
    fields named (a score of 0 or 5, an element left out)."""
    today = today or local_today()
    refusal = collecting_refusal(survey)
    if refusal is None and not survey.period_start <= today <= survey.period_end:
        refusal = _l("The survey is not open today.")
    if refusal is not None:
        raise DomainError(refusal)
    row, errors = parsing.clean(1, {**answers, "tanggal": today.isoformat()}, survey)
    if errors:
        fields: dict[str, list[str]] = {}
        for error in errors:
            fields.setdefault(error["column"], []).append(parsing.row_error_text(error))
        raise ValidationFailed(fields)
    store_rows(survey, [row], Channel.FORM)
    db.session.flush()


# --- the follow-up plan -------------------------------------------------------------------


def add_follow_up(actor: User, survey: Survey, values: dict[str, Any]) -> FollowUp:
    _may_change(actor, survey)
    element = values.get("element")
    if element not in ELEMENTS:
        raise DomainError(_l("Choose one of the nine elements."), field="element")
    action = required_text(values, "action", _l("Describe the improvement action."))
    owner = required_text(values, "owner", _l("Name the person in charge."))
    due_on = values.get("due_on")
    if due_on is None or due_on < survey.period_start:
        raise DomainError(_l("Set a due date after the survey's start."), field="due_on")
    follow_up = FollowUp(
        survey_id=survey.id,
        survey=survey,
        element=element,
        action=action,
        owner=owner,
        due_on=due_on,
    )
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


def complete_follow_up(
    actor: User, follow_up: FollowUp, values: dict[str, Any], today: date | None = None
) -> FollowUp:
    today = today or local_today()
    _may_change(actor, follow_up.survey, follow_up)
    record_done(follow_up, values, today)
    db.session.flush()
    return follow_up
