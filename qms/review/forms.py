"""Forms of the review pages and the API (whose request schemas are generated from them)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from qms.core.forms import (
    BAD_DATE,
    REQUIRED,
    ChoiceField,
    DayField,
    RecordField,
    VersionedForm,
    field_values,
    max_length,
    optional_choice,
    required_choice,
    text_field,
)
from qms.core.labels import label_of
from qms.organisations.forms import AgencyFilterForm, owner_agency_field
from qms.review.models import Attendee, ManagementReview, OutputKind, ReviewAction, ReviewStatus
from qms.review.queries import ATTENTION_LABELS


class ReviewValues:
    def values(self) -> dict[str, Any]:
        return field_values(self, "agency_id", "version")


class ReviewForm(ReviewValues, FlaskForm):
    title = StringField(
        _l("Title (empty: “Management review” and the year)"),
        validators=[Optional(), max_length(255)],
    )
    planned_on = DayField(
        label_of(ManagementReview, "planned_on"), validators=[InputRequired(BAD_DATE)]
    )
    cut_off = DayField(label_of(ManagementReview, "cut_off"), validators=[InputRequired(BAD_DATE)])
    chair = text_field(ManagementReview, "chair", required=True, length=200)
    chair_position = text_field(ManagementReview, "chair_position", length=200)
    venue = text_field(ManagementReview, "venue")
    agenda = TextAreaField(label_of(ManagementReview, "agenda"), validators=[Optional()])


class ChangeReviewForm(ReviewForm):
    """A change (PATCH, the edit page): the fields of a review and, before it is held, the
    summary of its minutes."""

    summary = TextAreaField(label_of(ManagementReview, "summary"), validators=[Optional()])


class NewReviewForm(ReviewForm):
    agency_id = owner_agency_field(ManagementReview)


class EditReviewForm(ChangeReviewForm, VersionedForm):
    """A change carries the version read."""


class AttendeeForm(ReviewValues, FlaskForm):
    name = text_field(Attendee, "name", required=True, length=200)
    position = text_field(Attendee, "position", length=200)


class ActionForm(ReviewValues, FlaskForm):
    kind = required_choice(ReviewAction, "kind", OutputKind.labels())
    description = TextAreaField(
        label_of(ReviewAction, "description"), validators=[DataRequired(REQUIRED)]
    )
    # the operation names a missing owner or due date itself (the issue's own refusal)
    owner = text_field(ReviewAction, "owner", length=200)
    due_on = DayField(label_of(ReviewAction, "due_on"), validators=[Optional()])
    input_key = text_field(ReviewAction, "input_key", length=64)


class ActionDoneForm(ReviewValues, FlaskForm):
    result = TextAreaField(label_of(ReviewAction, "result"), validators=[DataRequired(REQUIRED)])
    done_on = DayField(_l("Done on (empty: today)"), validators=[Optional()])


class LinkForm(ReviewValues, FlaskForm):
    outlet = ChoiceField(_l("Lead to"), choices=[], validators=[DataRequired(REQUIRED)])
    target_id = RecordField(_l("Document"), validators=[Optional()])


class HoldForm(ReviewValues, FlaskForm):
    held_on = DayField(_l("Held on (empty: today)"), validators=[Optional()])


class StepForm(ReviewValues, FlaskForm):
    """A step without input carries nothing but the CSRF token."""


class MinutesForm(ReviewValues, FlaskForm):
    """The summary and a text per input of the pack (fields added per pack, see views)."""

    summary = TextAreaField(label_of(ManagementReview, "summary"), validators=[Optional()])


class CorrectionForm(ReviewValues, FlaskForm):
    summary = TextAreaField(label_of(ManagementReview, "summary"), validators=[Optional()])
    reason = StringField(
        _l("Reason for the correction"), validators=[DataRequired(REQUIRED), max_length(400)]
    )


class ReviewFilterForm(AgencyFilterForm):
    status = optional_choice(ManagementReview, "status", ReviewStatus.labels())

    attention = ChoiceField(
        _l("Needs attention"),
        choices=[("", "–"), *((k.value, v) for k, v in ATTENTION_LABELS.items())],
        validators=[Optional()],
    )
