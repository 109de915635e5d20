"""The steps of a risk treatment as data: planned → in progress → done (with its evidence), or
cancelled (with the reason). `WORKFLOW` is the table (who may take each step: whoever may change
the risk); `STEPS` holds one handler per step, with the step's own rules on what was entered;
`transition()` runs a step, `available_transitions()` offers them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import access
from qms.core.archiving import refuse_archived
from qms.core.errors import DomainError, not_in_future, required_text
from qms.core.workflow import StateMachine, Transition
from qms.files import operations as files
from qms.files.queries import files_of
from qms.planning.models import Treatment
from qms.planning.vocabulary import TreatmentStatus


def _edits_risk(user: User, treatment: Treatment) -> bool:
    return access.can(user, access.EDIT, treatment.risk)


def _open(*statuses: TreatmentStatus) -> frozenset[str]:
    return frozenset(statuses)


WORKFLOW = StateMachine(
    "status",
    [
        Transition(
            "start",
            _open(TreatmentStatus.PLANNED),
            TreatmentStatus.IN_PROGRESS,
            _l("Start the treatment"),
            _edits_risk,
        ),
        Transition(
            "complete",
            _open(TreatmentStatus.PLANNED, TreatmentStatus.IN_PROGRESS),
            TreatmentStatus.DONE,
            _l("Mark the treatment done"),
            _edits_risk,
        ),
        Transition(
            "cancel",
            _open(TreatmentStatus.PLANNED, TreatmentStatus.IN_PROGRESS),
            TreatmentStatus.CANCELLED,
            _l("Cancel the treatment"),
            _edits_risk,
        ),
    ],
    TreatmentStatus.labels(),
)

Handler = Callable[[User, Treatment, dict, date], None]


def _start(actor: User, treatment: Treatment, values: dict, today: date) -> None:
    """Nothing to record: the step itself is the news."""


def _complete(actor: User, treatment: Treatment, values: dict, today: date) -> None:
    evidence = (values.get("evidence") or "").strip()
    upload = values.get("file")
    if not evidence and upload is None and not files_of(treatment):
        raise DomainError(
            _l("Describe the evidence of what was done, or attach it."), field="evidence"
        )
    done_on = values.get("done_on") or today
    not_in_future(done_on, "done_on", today)
    if upload is not None:
        files.store(upload.stream, upload.filename or "", treatment, actor, description=evidence)
    treatment.evidence = evidence
    treatment.done_on = done_on


def _cancel(actor: User, treatment: Treatment, values: dict, today: date) -> None:
    treatment.cancel_reason = required_text(
        values, "cancel_reason", _l("Say why the treatment is cancelled.")
    )


STEPS: dict[str, Handler] = {"start": _start, "complete": _complete, "cancel": _cancel}


def transition(
    actor: User,
    treatment: Treatment,
    name: str,
    values: dict[str, Any] | None = None,
    *,
    today: date | None = None,
) -> Treatment:
    """Take a step: the status and the actor's permission, then the step's own rules."""
    refuse_archived(treatment.risk)
    WORKFLOW.take(treatment, name, actor, STEPS, values, TreatmentStatus, today)
    return treatment


def available_transitions(treatment: Treatment, user: User) -> list[Transition]:
    return [] if treatment.risk.is_archived else WORKFLOW.available(treatment, user)
