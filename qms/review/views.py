"""The pages of management reviews and of an agency's readiness. Thin handlers: they parse,
call one operation, commit and render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from qms.core import access
from qms.core.history import history_of
from qms.core.pagination import paginate
from qms.core.review_inputs import action_outlets
from qms.core.timeutil import today
from qms.core.views import (
    FormPage,
    RecordPages,
    list_filters,
    not_found,
    require_login,
    saved,
)
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list
from qms.review import operations, pack, queries, workflow
from qms.review.forms import (
    ActionDoneForm,
    ActionForm,
    AttendeeForm,
    CorrectionForm,
    EditReviewForm,
    HoldForm,
    LinkForm,
    MinutesForm,
    NewReviewForm,
    ReviewFilterForm,
    StepForm,
)
from qms.review.models import (
    ActionStatus,
    Attendee,
    ManagementReview,
    OutputKind,
    ReviewAction,
    ReviewStatus,
)
from qms.review.policies import reads_reviews_of
from qms.review.readiness import readiness

bp = Blueprint("review", __name__, url_prefix="/review")
require_login(bp)


def template_labels() -> dict[str, Any]:
    """App-wide (registered by init_app): the agency panel renders outside this blueprint."""
    return {
        "review_labels": {
            "status": ReviewStatus.labels(),
            "output": OutputKind.labels(),
            "action_status": ActionStatus.labels(),
            "attention": queries.ATTENTION_LABELS,
        }
    }


@bp.get("/")
def index():
    filters = list_filters(ReviewFilterForm, queries.ReviewFilter)
    return filtered_list(
        "review/index.html",
        filters,
        reviews=paginate(queries.reviews_query(current_user, filters)),
        may_create=bool(REVIEWS.creatable_owners()),
    )


REVIEWS = RecordPages(ManagementReview, ".show", "review_id", ".index", owner=Agency)


@REVIEWS.new_page(bp, "/new", refusal=_l("You may not plan reviews."))
def new_review(agencies: list[Agency]) -> FormPage:
    return FormPage(NewReviewForm(), operations.create_review, _("New management review"))


def _review_page(review: ManagementReview, failed: dict[str, Any] | None = None, status=200):
    failed = failed or {}
    may_edit = REVIEWS.may_edit(review)
    outlets = action_outlets()
    link_forms = {}
    if may_edit:
        for action in review.actions:
            if not action.is_done and action.link_kind is None:
                form = failed.get(("link", action.id)) or LinkForm(formdata=None)
                form.outlet.choices = [(o.key, o.title) for o in outlets]
                targets = [
                    t for o in outlets if o.targets for t in o.targets(current_user, review.agency)
                ]
                form.target_id.choices = [("", "–"), *targets]
                link_forms[action.id] = form
    return render_template(
        "review/review.html",
        review=review,
        items=pack.read(review.pack),
        late_by=queries.late_by(review) if review.held_on else None,
        previous=queries.previous_of(review),
        steps=workflow.available_transitions(review, current_user),
        step_form=failed.get("step") or StepForm(formdata=None),
        hold_form=failed.get("hold") or HoldForm(formdata=None),
        may_edit=may_edit,
        may_minute=may_edit and review.status.value == "prepared",
        attendee_form=failed.get("attendee") or AttendeeForm(formdata=None),
        minutes_form=failed.get("minutes") or MinutesForm(formdata=None, obj=review),
        action_form=failed.get("action") or ActionForm(formdata=None),
        done_forms={
            a.id: failed.get(("done", a.id)) or ActionDoneForm(formdata=None)
            for a in review.actions
            if not a.is_done
        },
        link_forms=link_forms,
        links={a.id: queries.link_of(a, current_user) for a in review.actions},
        correction_form=failed.get("correction")
        or CorrectionForm(formdata=None, data={"summary": review.summary}),
        today=today(),
        history=history_of(review),
    ), status


REVIEWS.record_page(bp, "/<int:review_id>", _review_page)


@REVIEWS.form_page(bp, "/<int:review_id>/edit")
def edit(record: ManagementReview) -> FormPage:
    form = EditReviewForm(obj=record)
    return FormPage(
        form,
        lambda user, record, values: operations.update_review(
            user, record, values, form.version.data
        ),
        record.title,
    )


def _post_on_review(review: ManagementReview, key: Any, form: FlaskForm, change) -> Any:
    """A form posted on the review's page: change(user, review, values), or the page again
    with the refusal."""
    return REVIEWS.post(
        form, review, change, lambda review, status: _review_page(review, {key: form}, status)
    )


@bp.post("/<int:review_id>/step/<name>")
def step(review_id: int, name: str):
    record = REVIEWS.get(review_id)
    if name not in workflow.STEPS:
        return _review_page(record, status=404)
    form = HoldForm() if name == "hold" else StepForm()
    return _post_on_review(
        record,
        "hold" if name == "hold" else "step",
        form,
        lambda user, record, values: workflow.transition(user, record, name, values),
    )


@bp.post("/<int:review_id>/attendees")
def add_attendee(review_id: int):
    return _post_on_review(
        REVIEWS.get(review_id), "attendee", AttendeeForm(), operations.add_attendee
    )


@bp.post("/attendees/<int:attendee_id>/remove")
def remove_attendee(attendee_id: int):
    attendee = access.get_visible(Attendee, attendee_id, current_user)
    review = attendee.review
    form = StepForm()
    if saved(form, lambda: operations.remove_attendee(current_user, attendee)) is None:
        flash(" ".join(str(e) for e in form.form_errors) or _("Not saved."), "error")
    return redirect(REVIEWS.url(review))


def _discussions_posted() -> dict[str, str]:
    """The text of each input's discussion, posted as discussion_<input key>."""
    return {
        name.removeprefix("discussion_"): value
        for name, value in request.form.items()
        if name.startswith("discussion_")
    }


def _post_minutes(review_id: int, key: str, form: MinutesForm | CorrectionForm, write) -> Any:
    """The minutes posted on the review's page, recorded or corrected:
    write(user, review, summary, discussions)."""
    record = REVIEWS.get(review_id)
    discussions = _discussions_posted()
    return _post_on_review(
        record,
        key,
        form,
        lambda user, record, _values: write(user, record, form.summary.data, discussions),
    )


@bp.post("/<int:review_id>/minutes")
def minutes(review_id: int):
    return _post_minutes(review_id, "minutes", MinutesForm(), operations.record_minutes)


@bp.post("/<int:review_id>/correct")
def correct(review_id: int):
    form = CorrectionForm()
    return _post_minutes(
        review_id,
        "correction",
        form,
        lambda user, record, summary, discussions: operations.correct(
            user, record, {"summary": summary, "discussions": discussions}, form.reason.data or ""
        ),
    )


@bp.post("/<int:review_id>/actions")
def add_action(review_id: int):
    return _post_on_review(REVIEWS.get(review_id), "action", ActionForm(), operations.add_action)


@bp.post("/actions/<int:action_id>/done")
def action_done(action_id: int):
    action = access.get_visible(ReviewAction, action_id, current_user)
    return _post_on_review(
        action.review,
        ("done", action.id),
        ActionDoneForm(),
        lambda user, _review, values: operations.complete_action(user, action, values),
    )


@bp.post("/actions/<int:action_id>/link")
def action_link(action_id: int):
    action = access.get_visible(ReviewAction, action_id, current_user)
    form = LinkForm()
    form.outlet.choices = [(o.key, o.title) for o in action_outlets()]
    return _post_on_review(
        action.review,
        ("link", action.id),
        form,
        lambda user, _review, values: operations.link_action(
            user, action, values["outlet"], values.get("target_id")
        ),
    )


@bp.get("/readiness/<int:agency_id>")
def readiness_page(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    if not reads_reviews_of(current_user, agency):
        return not_found()
    return render_template("review/readiness.html", agency=agency, data=readiness(agency))
