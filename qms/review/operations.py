"""Changes to management reviews outside their steps (workflow.py): plan and correct a review,
its attendees, the discussion of each input, its actions and their links. Each checks the
actor's permission and the values' rules, refusing with a DomainError that names the field,
and flushes. Once a review is held its minutes are fixed: they change only by `correct`, with
a reason the history keeps."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import access, archiving
from qms.core.actions import record_done
from qms.core.errors import DomainError, required_text, required_value, text_of
from qms.core.history import history_note
from qms.core.models import check_version
from qms.core.review_inputs import action_outlet
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.review.models import (
    ActionStatus,
    Attendee,
    Discussion,
    ManagementReview,
    OutputKind,
    ReviewAction,
    ReviewStatus,
)

REVIEW_FIELDS = ("title", "planned_on", "cut_off", "chair", "chair_position", "venue", "agenda")
#: what a correction of held minutes may change
CORRECTABLE = ("summary", "chair", "chair_position", "venue", "agenda")
STALE = _l("Someone else changed this review meanwhile: reload it and try again.")


def refuse_archived(review: ManagementReview) -> None:
    if review.is_archived:
        raise DomainError(_l("This review is archived: it cannot be changed."))


def refuse_fixed(review: ManagementReview) -> None:
    refuse_archived(review)
    if review.minutes_fixed:
        raise DomainError(
            _l("The review was held: its minutes are fixed. Correct them with a reason.")
        )


def _check(review: ManagementReview) -> None:
    if review.planned_on is None:
        raise DomainError(_l("Enter a date (YYYY-MM-DD)."), field="planned_on")
    if review.cut_off is None:
        raise DomainError(_l("Enter a date (YYYY-MM-DD)."), field="cut_off")
    if review.cut_off > review.planned_on:
        raise DomainError(_l("The data cut-off is on or before the planned date."), field="cut_off")
    if not review.chair:
        raise DomainError(_l("Name the chair (the head of the agency)."), field="chair")
    if not review.title:
        review.title = str(_l("Management review %(year)s", year=review.planned_on.year))


def create_review(actor: User, agency: Agency, values: dict[str, Any]) -> ManagementReview:
    review = ManagementReview(agency_id=agency.id, agency=agency, status=ReviewStatus.PLANNED)
    access.authorize(actor, access.CREATE, review)
    for name in REVIEW_FIELDS:
        value = values.get(name)
        setattr(review, name, value.strip() if isinstance(value, str) else value)
    _check(review)
    db.session.add(review)
    db.session.flush()
    return review


def update_review(
    actor: User, review: ManagementReview, values: dict[str, Any], version: int | None = None
) -> ManagementReview:
    access.authorize(actor, access.EDIT, review)
    refuse_fixed(review)
    check_version(review, version, STALE)
    for name in (*REVIEW_FIELDS, "summary"):
        if name in values and values[name] is not None:
            value = values[name]
            setattr(review, name, value.strip() if isinstance(value, str) else value)
    _check(review)
    db.session.flush()
    return review


def correct(
    actor: User, review: ManagementReview, values: dict[str, Any], reason: str
) -> ManagementReview:
    """Correct the minutes of a held review: the history keeps the old text and the reason."""
    access.authorize(actor, access.EDIT, review)
    refuse_archived(review)
    if not review.minutes_fixed:
        raise DomainError(_l("The review is not held yet: edit it instead."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the minutes are corrected."), field="reason")
    with history_note(f"{_l('Correction')}: {reason}"[:500]):
        for name in CORRECTABLE:
            if name in values and values[name] is not None:
                setattr(review, name, values[name].strip())
        for key, text in (values.get("discussions") or {}).items():
            _set_discussion(review, key, text)
        _check(review)
        db.session.flush()
    return review


def archive(actor: User, review: ManagementReview) -> ManagementReview:
    access.authorize(actor, access.ARCHIVE, review)
    refuse_archived(review)
    if review.status != ReviewStatus.PLANNED:
        raise DomainError(_l("Only a review still planned can be archived."))
    archiving.mark_archived(actor, review)
    db.session.flush()
    return review


# --- attendees and discussion -------------------------------------------------------------


def add_attendee(actor: User, review: ManagementReview, values: dict[str, Any]) -> Attendee:
    access.authorize(actor, access.EDIT, review)
    refuse_fixed(review)
    attendee = Attendee(
        review_id=review.id,
        review=review,
        name=required_text(values, "name", _l("Name the attendee.")),
        position=text_of(values, "position"),
    )
    db.session.add(attendee)
    db.session.flush()
    return attendee


def remove_attendee(actor: User, attendee: Attendee) -> ManagementReview:
    """Take an attendee off the list (before the review is held); answers the review."""
    review = attendee.review
    access.authorize(actor, access.EDIT, review)
    refuse_fixed(review)
    db.session.delete(attendee)
    db.session.flush()
    return review


def _set_discussion(review: ManagementReview, key: str, text: str) -> None:
    found = next((d for d in review.discussions if d.input_key == key), None)
    if found is None:
        if not text.strip():
            return
        found = Discussion(review_id=review.id, review=review, input_key=key)
        db.session.add(found)
    found.text = text.strip()


def record_minutes(
    actor: User, review: ManagementReview, summary: str, discussions: dict[str, str]
) -> ManagementReview:
    """The meeting's summary and what it said about each input (before it is marked held)."""
    access.authorize(actor, access.EDIT, review)
    refuse_fixed(review)
    if review.status == ReviewStatus.PLANNED:
        raise DomainError(_l("Prepare the input pack first: the meeting discusses it."))
    known = {e["key"] for entries in review.pack.get("items", {}).values() for e in entries}
    for key, text in discussions.items():
        if key not in known:
            raise DomainError(_l("The pack has no such input."), field=f"discussion_{key}")
        _set_discussion(review, key, text or "")
    review.summary = (summary or "").strip()
    db.session.flush()
    return review


# --- actions (the outputs of 9.3.3) -------------------------------------------------------


def add_action(actor: User, review: ManagementReview, values: dict[str, Any]) -> ReviewAction:
    """An output of the meeting; refused without an owner or a due date (the field named)."""
    access.authorize(actor, access.EDIT, review)
    refuse_fixed(review)
    if review.status == ReviewStatus.PLANNED:
        raise DomainError(_l("Prepare the input pack first: the meeting decides on it."))
    kind = values.get("kind")
    if kind not in {k.value for k in OutputKind}:
        raise DomainError(_l("Choose one of the options."), field="kind")
    description = required_text(values, "description", _l("Describe the decision or action."))
    owner = required_text(values, "owner", _l("Name the person in charge."))
    due_on = required_value(values, "due_on", _l("Set a due date."))
    if due_on < review.cut_off:
        raise DomainError(_l("The due date is after the data cut-off."), field="due_on")
    action = ReviewAction(
        review_id=review.id,
        review=review,
        kind=OutputKind(kind),
        input_key=text_of(values, "input_key"),
        description=description,
        owner=owner,
        due_on=due_on,
        status=ActionStatus.OPEN,
    )
    db.session.add(action)
    db.session.flush()
    return action


def complete_action(
    actor: User, action: ReviewAction, values: dict[str, Any], today: date | None = None
) -> ReviewAction:
    """Mark an action done, with what was done (the review is held by then or still being
    minuted; a closed review has none open)."""
    today = today or local_today()
    access.authorize(actor, access.EDIT, action)
    refuse_archived(action.review)
    record_done(action, values, today)
    action.status = ActionStatus.DONE
    db.session.flush()
    return action


def link_action(
    actor: User, action: ReviewAction, outlet_key: str, target_id: int | None = None
) -> ReviewAction:
    """Open the record the action leads to (a nonconformity, a document's revision) through
    the outlet its feature registered, and keep its id."""
    access.authorize(actor, access.EDIT, action)
    refuse_archived(action.review)
    outlet = action_outlet(outlet_key)
    if outlet is None:
        raise DomainError(_l("Choose one of the options."), field="outlet")
    if action.is_done or action.link_kind is not None:
        raise DomainError(_l("This action is done or linked already."), field="outlet")
    if outlet.needs_target and not target_id:
        raise DomainError(_l("Choose the record to act on."), field="target_id")
    review = action.review
    details = {
        "reference": review.title,
        "review_id": review.id,
        "action_id": action.id,
        "description": action.description,
        "owner": action.owner,
        "due_on": action.due_on.isoformat(),
    }
    action.link_id = outlet.open(actor, review.agency, details, target_id)
    action.link_kind = outlet.key
    db.session.flush()
    return action
