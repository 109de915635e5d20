"""Forms of the context, objectives and risk pages; the JSON API validates with the same forms,
and its request schemas are generated from them. Labels come from the models' columns."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp

from qms.core.forms import (
    BAD_DATE,
    REQUIRED,
    ChoiceField,
    DayField,
    NumberField,
    RecordField,
    WholeNumberField,
    choices,
    field_values,
    required_choice,
    text_field,
)
from qms.core.labels import label_of
from qms.core.registry import indicators
from qms.organisations.forms import AgencyFilterForm, owner_agency_field
from qms.planning.models import (
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    Risk,
    Treatment,
)
from qms.planning.periods import PERIOD_PATTERN
from qms.planning.vocabulary import Direction, Frequency, MeasureUnit, RiskKind, Side

RATING = NumberRange(min=1, max=5, message=_l("Rate it from 1 to 5."))
YEARS = NumberRange(min=2000, max=2100, message=_l("Enter a year from 2000 to 2100."))
BAD_PERIOD = _l("Name the period like 2025-03 (a month), 2025-Q1, 2025-S1 or 2025.")
#: a filter box left unticked is sent as nothing, or by API clients as false or 0
UNTICKED = (False, "false", "", "0")


#: the form's name of a model field where they differ ("process" is a form's own method)
FORM_NAMES = {"process": "process_or_service"}
MODEL_NAMES = {form_name: name for name, form_name in FORM_NAMES.items()}


def values_of(form: FlaskForm) -> dict[str, Any]:
    """The form's fields as the operations take them, by the models' names (no CSRF token, no
    agency: the agency is the owner the view checked)."""
    return {
        MODEL_NAMES.get(name, name): value
        for name, value in field_values(form, "agency_id").items()
    }


def form_data(record: Any) -> dict[str, Any]:
    """What a form shows of a record whose fields it names differently."""
    return {form_name: getattr(record, name) for name, form_name in FORM_NAMES.items()}


class PlanForm(FlaskForm):
    """A form whose values the operations take as they are."""

    def values(self) -> dict[str, Any]:
        return values_of(self)


# --- context --------------------------------------------------------------------------------


class IssueForm(PlanForm):
    side = required_choice(ContextIssue, "side", Side.labels())
    title = text_field(ContextIssue, "title", required=True)
    description = TextAreaField(label_of(ContextIssue, "description"), validators=[Optional()])
    effect = TextAreaField(label_of(ContextIssue, "effect"), validators=[Optional()])
    identified_on = DayField(label_of(ContextIssue, "identified_on"), validators=[Optional()])
    reviewed_on = DayField(label_of(ContextIssue, "reviewed_on"), validators=[Optional()])


class NewIssueForm(IssueForm):
    agency_id = owner_agency_field(ContextIssue)


class PartyForm(PlanForm):
    side = required_choice(InterestedParty, "side", Side.labels())
    name = text_field(InterestedParty, "name", required=True)
    requirements = TextAreaField(
        label_of(InterestedParty, "requirements"), validators=[DataRequired(REQUIRED)]
    )
    monitoring = TextAreaField(label_of(InterestedParty, "monitoring"), validators=[Optional()])
    identified_on = DayField(label_of(InterestedParty, "identified_on"), validators=[Optional()])
    reviewed_on = DayField(label_of(InterestedParty, "reviewed_on"), validators=[Optional()])


class NewPartyForm(PartyForm):
    agency_id = owner_agency_field(InterestedParty)


# --- objectives -----------------------------------------------------------------------------


def _automatic_choices() -> list[tuple[str, Any]]:
    return [("", _l("– typed in by the responsible person –"))] + [
        (source.key, source.label) for source in indicators()
    ]


class ObjectiveForm(PlanForm):
    year = WholeNumberField(
        label_of(Objective, "year"),
        validators=[
            InputRequired(REQUIRED),
            YEARS,
        ],
    )
    title = TextAreaField(label_of(Objective, "title"), validators=[DataRequired(REQUIRED)])
    policy_link = TextAreaField(label_of(Objective, "policy_link"), validators=[Optional()])
    process_or_service = text_field(Objective, "process")
    indicator = text_field(Objective, "indicator", required=True)
    unit = required_choice(Objective, "unit", MeasureUnit.labels())
    direction = required_choice(Objective, "direction", Direction.labels())
    target = NumberField(label_of(Objective, "target"), validators=[InputRequired(REQUIRED)])
    frequency = required_choice(Objective, "frequency", Frequency.labels())
    automatic_source = ChoiceField(
        label_of(Objective, "automatic_source"), choices=_automatic_choices, validators=[Optional()]
    )
    data_source = text_field(Objective, "data_source")
    responsible = text_field(Objective, "responsible", required=True, length=200)
    starts_on = DayField(
        _l("Measured from (empty: 1 January of the year)"), validators=[Optional()]
    )
    plan_actions = TextAreaField(label_of(Objective, "plan_actions"), validators=[Optional()])
    plan_resources = TextAreaField(label_of(Objective, "plan_resources"), validators=[Optional()])
    plan_owner = text_field(Objective, "plan_owner", length=200)
    plan_due_on = DayField(label_of(Objective, "plan_due_on"), validators=[Optional()])
    plan_evaluation = TextAreaField(label_of(Objective, "plan_evaluation"), validators=[Optional()])

    def values(self) -> dict[str, Any]:
        values = values_of(self)
        if values.get("starts_on") is None:
            values.pop("starts_on", None)
        values["automatic_source"] = values.get("automatic_source") or None
        return values


class NewObjectiveForm(ObjectiveForm):
    agency_id = owner_agency_field(Objective)


class MeasurementForm(PlanForm):
    period = StringField(
        label_of(Measurement, "period"),
        validators=[DataRequired(REQUIRED), Regexp(PERIOD_PATTERN, message=BAD_PERIOD)],
    )
    value = NumberField(label_of(Measurement, "value"), validators=[InputRequired(REQUIRED)])
    note = TextAreaField(label_of(Measurement, "note"), validators=[Optional()])


# --- risks ----------------------------------------------------------------------------------


def _rating(name: str, required: bool) -> WholeNumberField:
    first = InputRequired(REQUIRED) if required else Optional()
    return WholeNumberField(label_of(Risk, name), validators=[first, RATING])


class RiskForm(PlanForm):
    kind = required_choice(Risk, "kind", RiskKind.labels(), default=RiskKind.RISK.value)
    title = text_field(Risk, "title", required=True)
    unit_id = RecordField(label_of(Risk, "unit_id"), validators=[Optional()])
    process_or_service = text_field(Risk, "process")
    context_issue_id = RecordField(label_of(Risk, "context_issue_id"), validators=[Optional()])
    interested_party_id = RecordField(
        label_of(Risk, "interested_party_id"), validators=[Optional()]
    )
    cause = TextAreaField(label_of(Risk, "cause"), validators=[Optional()])
    effect = TextAreaField(label_of(Risk, "effect"), validators=[Optional()])
    likelihood = _rating("likelihood", True)
    impact = _rating("impact", True)
    existing_controls = TextAreaField(label_of(Risk, "existing_controls"), validators=[Optional()])
    residual_likelihood = _rating("residual_likelihood", False)
    residual_impact = _rating("residual_impact", False)
    owner = text_field(Risk, "owner", length=200)
    next_review_on = DayField(label_of(Risk, "next_review_on"), validators=[Optional()])

    def offer(self, units: list, issues: list, parties: list) -> None:
        """The units, context issues and interested parties to choose from, as (id, label)."""
        self.unit_id.choices = choices([("", "–"), *units])
        self.context_issue_id.choices = choices([("", "–"), *issues])
        self.interested_party_id.choices = choices([("", "–"), *parties])


class NewRiskForm(RiskForm):
    agency_id = owner_agency_field(Risk)


class ReviewForm(PlanForm):
    next_review_on = DayField(
        label_of(Risk, "next_review_on"), validators=[InputRequired(BAD_DATE)]
    )


class TreatmentForm(PlanForm):
    action = TextAreaField(label_of(Treatment, "action"), validators=[DataRequired(REQUIRED)])
    owner = text_field(Treatment, "owner", required=True, length=200)
    due_on = DayField(label_of(Treatment, "due_on"), validators=[InputRequired(BAD_DATE)])


class StartForm(PlanForm):
    pass


class CompleteForm(PlanForm):
    evidence = TextAreaField(label_of(Treatment, "evidence"), validators=[Optional()])
    done_on = DayField(_l("Done on (empty: today)"), validators=[Optional()])
    file = FileField(_l("Evidence file"))


class CancelForm(PlanForm):
    cancel_reason = TextAreaField(
        label_of(Treatment, "cancel_reason"), validators=[DataRequired(REQUIRED)]
    )


#: the form of each treatment step
STEP_FORMS: dict[str, type[PlanForm]] = {
    "start": StartForm,
    "complete": CompleteForm,
    "cancel": CancelForm,
}


# --- filters --------------------------------------------------------------------------------


class PlanFilterForm(AgencyFilterForm):
    """The filters of the lists (page and API query parameters)."""

    year = WholeNumberField(_l("Year"), validators=[Optional(), YEARS])
