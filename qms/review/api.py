"""/api/v1 of management reviews and readiness: the same forms, operations and policies as
the pages.

- `management-reviews`: list (filters agency_id, status), create, read, PATCH (with the
  version read), `…/transitions/{prepare|hold|close}`;
- `GET management-reviews/{id}/inputs`: the frozen input pack with the counts it shows;
- `management-reviews/{id}/actions` (list, add), `management-review-actions/{id}/done`;
- `GET agencies/{id}/readiness`: the conditions met and not, the items present and missing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask_login import current_user
from pydantic import Field

from qms.api.records import Owner, Records
from qms.api.schema import Resource, Timestamp
from qms.core.errors import PermissionDenied
from qms.core.timeutil import today
from qms.organisations.models import Agency
from qms.review import operations, pack, queries, workflow
from qms.review.forms import (
    ActionDoneForm,
    ActionForm,
    EditReviewForm,
    HoldForm,
    NewReviewForm,
    ReviewFilterForm,
    StepForm,
)
from qms.review.models import ActionStatus, ManagementReview, OutputKind, ReviewAction, ReviewStatus
from qms.review.policies import reads_reviews_of
from qms.review.readiness import readiness

TAG = "management review"
Value = int | float | str | None


class AttendeeOut(Resource):
    name: str
    position: str


class ReviewOut(Resource):
    labels_from = ManagementReview

    id: int
    agency_id: int
    title: str
    planned_on: date
    cut_off: date
    chair: str
    chair_position: str
    venue: str
    agenda: str
    summary: str
    status: ReviewStatus
    held_on: date | None
    closed_on: date | None
    pack_hash: Annotated[str | None, Field(description="SHA-256 of the frozen input pack")]
    pack_prepared_at: Timestamp | None
    attendees: list[AttendeeOut]
    late_by_months: Annotated[
        int | None,
        Field(description="Months since the previous review, when beyond the interval"),
    ]
    transitions: Annotated[list[str], Field(description="The steps the caller may take now")]
    version: int

    @classmethod
    def of(cls, review: ManagementReview) -> ReviewOut:
        return cls.from_record(
            review,
            attendees=[AttendeeOut(name=a.name, position=a.position) for a in review.attendees],
            late_by_months=queries.late_by(review) if review.held_on else None,
            transitions=[t.name for t in workflow.available_transitions(review, current_user)],
        )


class ActionOut(Resource):
    labels_from = ReviewAction

    id: int
    review_id: int
    kind: OutputKind
    input_key: str
    description: str
    owner: str
    due_on: date
    status: ActionStatus
    done_on: date | None
    result: str
    overdue: Annotated[bool, Field(description="Still open after its due date")]
    link_kind: Annotated[str | None, Field(description="nonconformity, document_revision…")]
    link_id: int | None

    @classmethod
    def of(cls, action: ReviewAction) -> ActionOut:
        return cls.from_record(action, overdue=action.is_overdue(today()))


class FigureOut(Resource):
    key: str
    label: str
    value: Value


class TrendPointOut(Resource):
    period: str
    value: int | float | None


class RowOut(Resource):
    text: str
    value: str | None = None


class EntryOut(Resource):
    key: str
    title: str
    counts: Annotated[dict[str, Value], Field(description="The figures the pack shows, by key")]
    figures: list[FigureOut]
    rows: list[RowOut]
    trend: list[TrendPointOut]
    note: str
    discussion: str


class ItemOut(Resource):
    letter: Annotated[str, Field(description="The item of ISO 9001 9.3.2 (a–f)")]
    title: str
    recorded: Annotated[bool, Field(description="False: no data for this input (not recorded)")]
    entries: list[EntryOut]


class InputsOut(Resource):
    """The input pack as frozen when it was prepared (empty until then)."""

    review_id: int
    cut_off: date | None
    pack_hash: str | None
    prepared_at: Timestamp | None
    items: list[ItemOut]

    @classmethod
    def of(cls, review: ManagementReview) -> InputsOut:
        def entry(e: pack.Entry) -> EntryOut:
            return EntryOut(
                key=e.key,
                title=e.title,
                counts={f.key: f.value for f in e.figures},
                figures=[FigureOut(key=f.key, label=f.label, value=f.value) for f in e.figures],
                rows=[
                    RowOut(text=str(r.get("text", "")), value=_text(r.get("value"))) for r in e.rows
                ],
                trend=[TrendPointOut(period=t["period"], value=t["value"]) for t in e.trend],
                note=e.note,
                discussion=review.discussion_of(e.key),
            )

        return cls(
            review_id=review.id,
            cut_off=date.fromisoformat(review.pack["cut_off"]) if review.pack_hash else None,
            pack_hash=review.pack_hash,
            prepared_at=review.pack_prepared_at,
            items=[
                ItemOut(
                    letter=i.letter,
                    title=i.title,
                    recorded=i.recorded,
                    entries=[entry(e) for e in i.entries],
                )
                for i in pack.read(review.pack)
            ],
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class LinkOut(Resource):
    label: str
    url: str | None


class ConditionOut(Resource):
    key: str
    title: str
    met: bool
    reason: str
    links: list[LinkOut]


class EvidenceOut(Resource):
    label: str
    url: str | None
    meets: Annotated[str, Field(description="maintain or retain")]
    source: str


class ReadinessItemOut(Resource):
    clause: str
    title: str
    needs: Annotated[list[str], Field(description="maintain, retain or both")]
    present: bool
    missing: list[str]
    evidence: list[EvidenceOut]


class ReadinessOut(Resource):
    """Whether the agency is ready for a certification audit, and why (or why not)."""

    agency_id: int
    agency: str
    as_of: date
    ready: bool
    reasons: Annotated[list[str], Field(description="The reasons of the conditions not met")]
    conditions: list[ConditionOut]
    items: list[ReadinessItemOut]
    present: Annotated[int, Field(description="Mandatory items present")]

    @classmethod
    def of(cls, data: dict[str, Any]) -> ReadinessOut:
        return cls.model_validate(data)


# --- reviews ----------------------------------------------------------------------------------

reviews = Records("/management-reviews", ManagementReview, ReviewOut, TAG, "review_id")


@reviews.list(filters=ReviewFilterForm)
def list_management_reviews(user: Any, form: ReviewFilterForm) -> Any:
    """The management reviews the caller may see (filters: agency_id, status)"""
    return queries.review_records(user, queries.ReviewFilter(**form.values()))


@reviews.create(NewReviewForm, owner=Owner(Agency, "agency_id"))
def create_management_review(user: Any, agency: Agency, form: NewReviewForm) -> ManagementReview:
    """Plan a management review of an agency: date, chair, cut-off of its data"""
    return operations.create_review(user, agency, form.values())


reviews.get("get_management_review", "One management review")


@reviews.update(EditReviewForm)
def update_management_review(user: Any, review: ManagementReview, form: EditReviewForm) -> None:
    """Change a review not yet held (only the fields sent; `version` as read). The minutes of a
    held review are fixed"""
    operations.update_review(user, review, form.values(), form.version.data)


STEP_FORMS: dict[str, type] = {"prepare": StepForm, "hold": HoldForm, "close": StepForm}
STEP_SUMMARIES = {
    "prepare": "Prepare (or prepare again) the input pack as of the cut-off: frozen with its hash",
    "hold": "Record the review as held (held_on: empty for today; not before the cut-off): its "
    "minutes are fixed from then on",
    "close": "Close the review (refused while any of its actions is open)",
}


@reviews.steps("take_review_{step}", STEP_FORMS, STEP_SUMMARIES, optional=True)
def take_review_step(user: Any, review: ManagementReview, step: str, form: Any) -> None:
    workflow.transition(user, review, step, form.values())


reviews.get(
    "review_inputs",
    "The review's input pack (ISO 9001 9.3.2 a–f) as frozen, with the counts it shows",
    suffix="/inputs",
    response=InputsOut,
)


# --- actions ------------------------------------------------------------------------------


@reviews.children("actions", ActionOut)
def list_review_actions(_user: Any, review: ManagementReview) -> list[ReviewAction]:
    """The review's decisions and actions (9.3.3)"""
    return review.actions


@reviews.add("actions", ActionForm, ActionOut)
def create_review_action(user: Any, review: ManagementReview, form: ActionForm) -> ReviewAction:
    """Add a decision or action (owner and due date required) to a review being minuted"""
    return operations.add_action(user, review, form.values())


@Records("/management-review-actions", ReviewAction, ActionOut, TAG, "action_id").act(
    "done", body=ActionDoneForm
)
def complete_review_action(user: Any, action: ReviewAction, form: ActionDoneForm) -> None:
    """Mark a review's action done, with what was done"""
    operations.complete_action(user, action, form.values())


# --- readiness ----------------------------------------------------------------------------


@Records("/agencies", Agency, ReadinessOut, TAG, "agency_id").read("readiness", ReadinessOut)
def agency_readiness(user: Any, agency: Agency) -> dict[str, Any]:
    """The agency's certification readiness: conditions met and not (with reasons), mandatory
    documented information present and missing"""
    if not reads_reviews_of(user, agency):
        raise PermissionDenied("You may not read this agency's readiness.")
    return readiness(agency)
