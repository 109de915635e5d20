"""The steps of a survey as data: collecting → closed (the results are final) → published (the
public results page shows them, as the regulation requires), and back from closed to collecting
while unpublished. `WORKFLOW` is the table (who may take each step: whoever runs the agency's
surveys); `STEPS` one handler per step with its own rules; `transition()` runs a step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError
from qms.core.workflow import StateMachine, Transition, allowed_to
from qms.skm import figures
from qms.skm.models import Survey
from qms.skm.vocabulary import SurveyStatus

WORKFLOW = StateMachine(
    "status",
    [
        Transition(
            "close",
            frozenset({SurveyStatus.COLLECTING}),
            SurveyStatus.CLOSED,
            _l("Close the survey"),
            allowed_to(access.EDIT),
        ),
        Transition(
            "reopen",
            frozenset({SurveyStatus.CLOSED}),
            SurveyStatus.COLLECTING,
            _l("Collect responses again"),
            allowed_to(access.EDIT),
        ),
        Transition(
            "publish",
            frozenset({SurveyStatus.CLOSED}),
            SurveyStatus.PUBLISHED,
            _l("Publish the results"),
            allowed_to(access.EDIT),
        ),
    ],
    SurveyStatus.labels(),
)

Handler = Callable[[User, Survey, dict, date], None]


def _needs_responses(survey: Survey) -> None:
    if not figures.result(survey).respondents:
        raise DomainError(_l("The survey has no responses yet."))


def _close(actor: User, survey: Survey, values: dict, today: date) -> None:
    _needs_responses(survey)
    survey.closed_on = today


def _reopen(actor: User, survey: Survey, values: dict, today: date) -> None:
    survey.closed_on = None


def _publish(actor: User, survey: Survey, values: dict, today: date) -> None:
    _needs_responses(survey)
    survey.published_on = today


STEPS: dict[str, Handler] = {"close": _close, "reopen": _reopen, "publish": _publish}


def transition(actor: User, survey: Survey, name: str, *, today: date | None = None) -> Survey:
    if survey.is_archived:
        raise DomainError(_l("This survey is archived: it cannot be changed."))
    WORKFLOW.take(survey, name, actor, STEPS, None, SurveyStatus, today)
    return survey


def available_transitions(survey: Survey, user: User) -> list[Transition]:
    return [] if survey.is_archived else WORKFLOW.available(survey, user)
