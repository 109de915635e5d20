"""/api/v1 of management reviews and readiness: the same forms, operations and policies as
the pages.

- `management-reviews`: list (filters agency_id, status), create, read, PATCH (with the
  version read), `…/transitions/{prepare|hold|close}`;
- `GET management-reviews/{id}/inputs`: the frozen input pack with the counts it shows;
- `management-reviews/{id}/actions` (list, add), `management-review-actions/{id}/done`;
- `GET agencies/{id}/readiness`: the conditions met and not, the items present and missing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from flask import request
from flask_login import current_user
from pydantic import Field

from qms.api.core import (
    api_route,
    json_body,
    ok,
    optional_json_body,
    paginate,
    patched,
    validate_form,
)
from qms.api.schema import Resource, Timestamp
from qms.core import access
from qms.core.errors import PermissionDenied
from qms.core.timeutil import today
from qms.extensions import db
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


@api_route(
    "/management-reviews",
    summary="The management reviews the caller may see (filters: agency_id, status)",
    tag=TAG,
    query=ReviewFilterForm,
    response=ReviewOut,
    paged=True,
)
def list_management_reviews():
    form = validate_form(ReviewFilterForm, request.args.to_dict())
    return paginate(
        queries.review_records(current_user, queries.ReviewFilter(**form.values())), ReviewOut
    )


@api_route(
    "/management-reviews",
    ("POST",),
    summary="Plan a management review of an agency: date, chair, cut-off of its data",
    tag=TAG,
    body=NewReviewForm,
    response=ReviewOut,
    status=201,
)
def create_management_review():
    form = validate_form(NewReviewForm, json_body())
    agency = access.owner_for_create(
        current_user, ManagementReview, Agency, form.agency_id.data, "agency_id"
    )
    review = operations.create_review(current_user, agency, form.values())
    db.session.commit()
    return ok(ReviewOut.of(review))


@api_route(
    "/management-reviews/<int:review_id>",
    summary="One management review",
    tag=TAG,
    response=ReviewOut,
)
def get_management_review(review_id: int):
    return ok(ReviewOut.of(access.get_visible(ManagementReview, review_id, current_user)))


@api_route(
    "/management-reviews/<int:review_id>",
    ("PATCH",),
    summary="Change a review not yet held (only the fields sent; `version` as read). The "
    "minutes of a held review are fixed",
    tag=TAG,
    body=EditReviewForm,
    response=ReviewOut,
)
def update_management_review(review_id: int):
    review = access.get_visible(ManagementReview, review_id, current_user)
    access.authorize(current_user, access.EDIT, review)
    form = validate_form(EditReviewForm, patched(ReviewOut.of(review), json_body()))
    operations.update_review(current_user, review, form.values(), form.version.data)
    db.session.commit()
    return ok(ReviewOut.of(review))


STEP_FORMS: dict[str, type] = {"prepare": StepForm, "hold": HoldForm, "close": StepForm}
STEP_SUMMARIES = {
    "prepare": "Prepare (or prepare again) the input pack as of the cut-off: frozen with its hash",
    "hold": "Record the review as held (held_on: empty for today; not before the cut-off): its "
    "minutes are fixed from then on",
    "close": "Close the review (refused while any of its actions is open)",
}


def _step_view(name: str) -> Callable:
    def take_step(review_id: int):
        review = access.get_visible(ManagementReview, review_id, current_user)
        form = validate_form(STEP_FORMS[name], optional_json_body())
        workflow.transition(current_user, review, name, form.values())
        db.session.commit()
        return ok(ReviewOut.of(review))

    take_step.__name__ = f"take_review_{name}"
    return take_step


for _name, _form in STEP_FORMS.items():
    api_route(
        f"/management-reviews/<int:review_id>/transitions/{_name}",
        ("POST",),
        summary=STEP_SUMMARIES[_name],
        tag=TAG,
        body=_form,
        response=ReviewOut,
    )(_step_view(_name))


@api_route(
    "/management-reviews/<int:review_id>/inputs",
    summary="The review's input pack (ISO 9001 9.3.2 a–f) as frozen, with the counts it shows",
    tag=TAG,
    response=InputsOut,
)
def review_inputs(review_id: int):
    return ok(InputsOut.of(access.get_visible(ManagementReview, review_id, current_user)))


# --- actions ------------------------------------------------------------------------------


@api_route(
    "/management-reviews/<int:review_id>/actions",
    summary="The review's decisions and actions (9.3.3)",
    tag=TAG,
    response=ActionOut,
    many=True,
)
def list_review_actions(review_id: int):
    review = access.get_visible(ManagementReview, review_id, current_user)
    return ok([ActionOut.of(a) for a in review.actions])


@api_route(
    "/management-reviews/<int:review_id>/actions",
    ("POST",),
    summary="Add a decision or action (owner and due date required) to a review being minuted",
    tag=TAG,
    body=ActionForm,
    response=ActionOut,
    status=201,
)
def create_review_action(review_id: int):
    review = access.get_visible(ManagementReview, review_id, current_user)
    form = validate_form(ActionForm, json_body())
    action = operations.add_action(current_user, review, form.values())
    db.session.commit()
    return ok(ActionOut.of(action))


@api_route(
    "/management-review-actions/<int:action_id>/done",
    ("POST",),
    summary="Mark a review's action done, with what was done",
    tag=TAG,
    body=ActionDoneForm,
    response=ActionOut,
)
def complete_review_action(action_id: int):
    action = access.get_visible(ReviewAction, action_id, current_user)
    form = validate_form(ActionDoneForm, json_body())
    operations.complete_action(current_user, action, form.values())
    db.session.commit()
    return ok(ActionOut.of(action))


# --- readiness ----------------------------------------------------------------------------


@api_route(
    "/agencies/<int:agency_id>/readiness",
    summary="The agency's certification readiness: conditions met and not (with reasons), "
    "mandatory documented information present and missing",
    tag=TAG,
    response=ReadinessOut,
)
def agency_readiness(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    if not reads_reviews_of(current_user, agency):
        raise PermissionDenied("You may not read this agency's readiness.")
    return ok(ReadinessOut.of(readiness(agency)))
