"""The revision workflow of a controlled document: draft → in review → approved → effective →
superseded (by the next revision) or obsolete (the document is withdrawn); a draft that will
not go ahead is discarded and stays in the history.

`WORKFLOW` is the table of transitions: from which states, who may take each, and the refusal
that keeps a person from a step their role allows (the author never approves their own
revision). `STEPS` holds, for each step a person takes, its one handler and what it asks of
them; the revision's page and the API offer and take steps from these tables only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied
from qms.core.i18n import fmt_date
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.core.workflow import Offer, Stage, StateMachine, Transition, allowed_to
from qms.core.workflow import stages as workflow_stages
from qms.documents import approvers, notifications
from qms.documents.models import (
    Document,
    DocumentRevision,
    RevisionState,
)
from qms.documents.operations import authorize_change, refuse_concurrent_change, refuse_stale
from qms.extensions import db
from qms.files import queries


def _reviews(user: User, revision: DocumentRevision) -> bool:
    """Sends a revision in review back: its managers, or whoever may approve it."""
    return access.can(user, access.EDIT, revision) or approvers.may_approve(user, revision)


#: steps whose permission is the workflow's table alone, not the right to edit the document:
#: an agency head approves (or sends back) what they do not write
REVIEW_STEPS = frozenset({"approve", "request_changes"})


def _not_the_author(user: User, revision: DocumentRevision) -> Any | None:
    if revision.author_id == user.id:
        return _l(
            "You wrote this revision, so someone else must approve it "
            "(whoever the agency authorises for this type of document)."
        )
    return None


def _transition(
    name: str, sources: set[RevisionState], target: RevisionState, label: Any, **rules: Any
) -> Transition:
    """A step the document's managers take (its agency's quality officers, its city's admin);
    `rules` may add the refusal that keeps one of them from it, or say who else takes it."""
    rules.setdefault("allowed", allowed_to(access.EDIT))
    return Transition(name, frozenset(sources), target, label, **rules)


def _empty(revision: DocumentRevision, today: date) -> Any | None:
    """A revision is submitted with its text or its file (the page says so instead of the
    button)."""
    if not revision.has_text and not queries.files_of(revision):
        return _l("Write the text or attach the file before submitting the revision.")
    return None


WORKFLOW = StateMachine(
    "state",
    [
        _transition(
            "submit",
            {RevisionState.DRAFT},
            RevisionState.IN_REVIEW,
            _l("Submit for review"),
            unready=_empty,
        ),
        _transition(
            "request_changes",
            {RevisionState.IN_REVIEW},
            RevisionState.DRAFT,
            _l("Request changes"),
            allowed=_reviews,
        ),
        _transition(
            "approve",
            {RevisionState.IN_REVIEW},
            RevisionState.APPROVED,
            _l("Approve"),
            # whoever the agency authorises for the document's type (approvers.py)
            allowed=approvers.may_approve,
            refusal=_not_the_author,
        ),
        _transition(
            "make_effective",
            {RevisionState.APPROVED},
            RevisionState.EFFECTIVE,
            _l("Put into effect"),
        ),
        # a draft that will not go ahead; it stays in the history and no longer blocks a new one
        _transition(
            "discard", {RevisionState.DRAFT}, RevisionState.DISCARDED, _l("Discard the draft")
        ),
        # taken by the operations only: when the next revision takes effect, or on withdrawal
        _transition(
            "supersede", {RevisionState.EFFECTIVE}, RevisionState.SUPERSEDED, _l("Supersede")
        ),
        _transition("withdraw", {RevisionState.EFFECTIVE}, RevisionState.OBSOLETE, _l("Withdraw")),
    ],
    state_labels=RevisionState.labels(),
)


# --- the steps a person takes -------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    """What a person gives with a step."""

    comment: str = ""
    effective_on: date | None = None


Handler = Callable[[User, DocumentRevision, StepInput], None]


@dataclass(frozen=True)
class Step:
    """What a step does (its handler, which checks the step's own rules and records it) and
    what it asks of the person taking it."""

    handle: Handler
    #: the step asks for a comment: the refusal when none is given
    comment_required: Any = None
    #: what the comment is for, shown beside it
    comment_hint: Any = None
    #: the step asks for the day the revision takes effect
    asks_effective_on: bool = False
    #: how its button reads: "primary" moves the revision on, "danger" ends it
    emphasis: str = ""

    @property
    def asks_comment(self) -> bool:
        return self.comment_required is not None


def _submit(actor: User, revision: DocumentRevision, given: StepInput) -> None:
    revision.submitted_at = utcnow()
    revision.review_comment = ""


def _request_changes(actor: User, revision: DocumentRevision, given: StepInput) -> None:
    revision.review_comment = given.comment.strip()


def _approve(actor: User, revision: DocumentRevision, given: StepInput) -> None:
    revision.approved_by_id = actor.id
    revision.approved_at = utcnow()


def _make_effective(actor: User, revision: DocumentRevision, given: StepInput) -> None:
    """The revision becomes the document's one effective revision; the previous is superseded."""
    document = revision.document
    effective_on = given.effective_on or local_today()
    if effective_on > local_today():
        raise DomainError(
            _l("The effective date cannot be in the future; put it into effect on that day."),
            field="effective_on",
        )
    previous = db.session.scalar(
        select(DocumentRevision)
        .where(
            DocumentRevision.document_id == document.id,
            DocumentRevision.state == RevisionState.EFFECTIVE,
        )
        # as stored now, not as this session first read it: another request may have changed it
        .execution_options(populate_existing=True)
    )
    if previous is not None and previous.effective_on and effective_on < previous.effective_on:
        raise DomainError(
            _l("The effective date cannot be before the previous revision's."),
            field="effective_on",
        )
    if previous is not None:
        # superseded first: the database allows one effective revision per document
        WORKFLOW.apply(previous, "supersede", actor, RevisionState)
        previous.ended_on = effective_on
    revision.effective_on = effective_on
    document.current_revision = revision
    document.next_review_on = document.review_due_from(effective_on)


def _discard(actor: User, revision: DocumentRevision, given: StepInput) -> None:
    revision.discard_reason = given.comment.strip()


STEPS: dict[str, Step] = {
    "submit": Step(_submit, emphasis="primary"),
    "request_changes": Step(_request_changes, comment_required=_l("Say what needs to change.")),
    "approve": Step(_approve, emphasis="primary"),
    "make_effective": Step(_make_effective, asks_effective_on=True, emphasis="primary"),
    "discard": Step(
        _discard,
        comment_required=_l("Say why the draft is discarded."),
        comment_hint=_l(
            "Why this draft will not go ahead. It stays in the history; a new revision can then "
            "be started."
        ),
        emphasis="danger",
    ),
}

#: the steps a person takes (the others are taken by the operations)
USER_ACTIONS = tuple(STEPS)


def transition(
    actor: User,
    revision: DocumentRevision,
    action: str,
    *,
    comment: str = "",
    effective_on: date | None = None,
    expected_version: int | None = None,
) -> DocumentRevision:
    """Take one step of the revision workflow: the one entry point for the pages and the API.
    The actor's permission, the version read, the step's refusal, the state and the step's
    own rules are checked before anything is written; the history records the step."""
    step = STEPS.get(action)
    if step is None:
        raise DomainError(_l("Unknown action: %(name)s.", name=action))
    if action in REVIEW_STEPS:
        refuse_stale(revision, expected_version)
    else:
        authorize_change(actor, revision, expected_version)
    refusal = WORKFLOW.transitions[action].refusal(actor, revision)
    if refusal is not None:
        raise PermissionDenied(refusal)
    WORKFLOW.check(revision, action, actor)
    given = StepInput(comment=comment, effective_on=effective_on)
    if step.comment_required is not None and not comment.strip():
        raise DomainError(step.comment_required, field="comment")
    with refuse_concurrent_change():
        step.handle(actor, revision, given)
        WORKFLOW.apply(revision, action, actor, RevisionState)
    notifications.after_step(actor, revision, action)
    return revision


def available_steps(revision: DocumentRevision, user: User) -> list[Offer]:
    """The steps this user may take on the revision, in the workflow's order, each with what
    it asks (`step`) and the reason it cannot be taken now (None when it can)."""
    return WORKFLOW.available_steps(revision, user, steps=STEPS)


# --- withdrawal ---------------------------------------------------------------------------


def withdraw_refusal(document: Document) -> Any | None:
    """Why the document cannot be withdrawn (None when it can)."""
    if document.current_revision is None:
        return _l("Only a document with an effective revision can be withdrawn.")
    if document.open_revision is not None:
        return _l(
            "Revision %(number)s is still being worked on.", number=document.open_revision.number
        )
    return None


def withdraw_document(
    actor: User, document: Document, reason: str, expected_version: int | None = None
) -> Document:
    """The document is no longer in force: its effective revision becomes obsolete."""
    authorize_change(actor, document, expected_version)
    if not reason.strip():
        raise DomainError(_l("Say why the document is withdrawn."), field="reason")
    refusal = withdraw_refusal(document)
    if refusal is not None:
        raise DomainError(refusal)
    current = document.current_revision
    with refuse_concurrent_change():
        WORKFLOW.apply(current, "withdraw", actor, RevisionState)
        current.ended_on = local_today()
        document.current_revision = None
        document.next_review_on = None
        document.withdrawn_at = utcnow()
        document.withdrawal_reason = reason.strip()
        db.session.flush()
    return document


#: a revision's way to taking effect, as its stepper shows it
STAGES = (
    RevisionState.DRAFT,
    RevisionState.IN_REVIEW,
    RevisionState.APPROVED,
    RevisionState.EFFECTIVE,
)


def stages(revision: DocumentRevision) -> list[Stage] | None:
    """Where the revision stands on its way to taking effect: a superseded or obsolete one took
    effect once (every stage done); a discarded draft has no way left (None)."""
    if revision.state == RevisionState.DISCARDED:
        return None
    current = revision.state
    if current in (RevisionState.SUPERSEDED, RevisionState.OBSOLETE):
        current = RevisionState.EFFECTIVE
    notes = {
        RevisionState.IN_REVIEW.value: revision.submitted_at and fmt_date(revision.submitted_at),
        RevisionState.APPROVED.value: revision.approved_at and fmt_date(revision.approved_at),
        RevisionState.EFFECTIVE.value: revision.effective_on and fmt_date(revision.effective_on),
    }
    return workflow_stages(
        [s.value for s in STAGES],
        {s.value: s.label for s in STAGES},
        current.value,
        {key: note for key, note in notes.items() if note},
    )
