"""The steps of a management review as data: planned → input pack prepared (and prepared
again, as of the cut-off, until the meeting) → held (the minutes are fixed) → closed (every
action done). `WORKFLOW` is the table (who may take each step: whoever manages the agency's
reviews); `STEPS` one handler per step with its refusals; `transition()` runs a step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError
from qms.core.timeutil import utcnow
from qms.core.workflow import StateMachine, Transition, allowed_to
from qms.review import pack
from qms.review.models import ManagementReview, ReviewStatus
from qms.review.operations import refuse_archived

WORKFLOW = StateMachine(
    "status",
    [
        Transition(
            "prepare",
            frozenset({ReviewStatus.PLANNED, ReviewStatus.PREPARED}),
            ReviewStatus.PREPARED,
            _l("Prepare the input pack"),
            allowed_to(access.EDIT),
        ),
        Transition(
            "hold",
            frozenset({ReviewStatus.PREPARED}),
            ReviewStatus.HELD,
            _l("Record the review as held"),
            allowed_to(access.EDIT),
        ),
        Transition(
            "close",
            frozenset({ReviewStatus.HELD}),
            ReviewStatus.CLOSED,
            _l("Close the review"),
            allowed_to(access.EDIT),
        ),
    ],
    ReviewStatus.labels(),
)

Handler = Callable[[User, ManagementReview, dict[str, Any], date], None]


def _prepare(actor: User, review: ManagementReview, values: dict, today: date) -> None:
    """Freeze the pack as of the cut-off (again, if it was prepared before)."""
    frozen = pack.assemble(review.agency, review.cut_off)
    review.pack = frozen
    review.pack_hash = pack.digest(frozen)
    review.pack_prepared_at = utcnow()


def hold_refusal(review: ManagementReview, held_on: date, today: date) -> Any | None:
    """Why the review cannot be recorded as held on that day (None when it can)."""
    if held_on > today:
        return _l("The meeting cannot be recorded before it takes place.")
    if held_on < review.cut_off:
        return _l("A review cannot be held before its data cut-off (%(day)s).", day=review.cut_off)
    if review.pack.get("cut_off") != review.cut_off.isoformat():
        return _l("The cut-off changed since the pack was prepared: prepare it again.")
    return None


def _hold(actor: User, review: ManagementReview, values: dict, today: date) -> None:
    held_on = values.get("held_on") or today
    refusal = hold_refusal(review, held_on, today)
    if refusal is not None:
        raise DomainError(refusal, field="held_on")
    review.held_on = held_on


def _close(actor: User, review: ManagementReview, values: dict, today: date) -> None:
    still_open = [a for a in review.actions if not a.is_done]
    if still_open:
        raise DomainError(
            _l(
                "%(n)s action(s) of the review are still open: a review closes when all are done.",
                n=len(still_open),
            )
        )
    review.closed_on = today


STEPS: dict[str, Handler] = {"prepare": _prepare, "hold": _hold, "close": _close}


def transition(
    actor: User,
    review: ManagementReview,
    name: str,
    values: dict[str, Any] | None = None,
    *,
    today: date | None = None,
) -> ManagementReview:
    refuse_archived(review)
    WORKFLOW.take(review, name, actor, STEPS, values, ReviewStatus, today)
    return review


def available_transitions(review: ManagementReview, user: User) -> list[Transition]:
    return [] if review.is_archived else WORKFLOW.available(review, user)
