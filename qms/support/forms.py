"""Forms of the support pages; the JSON API validates with the same forms and its request
schemas are generated from them. Labels come from the models' columns."""

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
    RecordField,
    WholeNumberField,
    choices,
    field_values,
    required_choice,
    text_field,
)
from qms.core.labels import label_of
from qms.organisations.forms import owner_agency_field
from qms.support.models import (
    AuditorEvaluation,
    AuditorQualification,
    AuditorTraining,
    CalibrationEvent,
    Instrument,
    Person,
    Position,
    Provider,
    ProviderEvaluation,
    Training,
)
from qms.support.vocabulary import (
    BAD_KAN,
    BAD_NIP,
    KAN_PATTERN,
    NIP_PATTERN,
    EventKind,
    InstrumentState,
    ProviderKind,
    ProviderStatus,
    ToleranceResult,
    TraceabilityMethod,
)

YES_NO = [("", "–"), ("yes", _l("Yes")), ("no", _l("No"))]
UNTICKED_NUMBER = NumberRange(min=0, max=10000, message=_l("Enter a number from 0 to 10000."))


def _yes_no(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class SupportForm(FlaskForm):
    #: fields whose "yes"/"no" choice is a boolean for the operations
    booleans: tuple[str, ...] = ()

    def values(self) -> dict[str, Any]:
        values = field_values(self, "agency_id", "city_id")
        for name in self.booleans:
            values[name] = _yes_no(values.get(name))
        return values

    def offer(self, **options: list[tuple[Any, Any]]) -> None:
        """The records a RecordField may choose, as (id, label), after "–"."""
        for name, pairs in options.items():
            getattr(self, name).choices = choices([("", "–"), *pairs])


# --- instruments ----------------------------------------------------------------------------


class InstrumentForm(SupportForm):
    identifier = text_field(Instrument, "identifier", required=True, length=64)
    description = text_field(Instrument, "description", required=True)
    unit_id = RecordField(label_of(Instrument, "unit_id"), validators=[Optional()])
    location = text_field(Instrument, "location")
    measuring_range = text_field(Instrument, "measuring_range")
    required_accuracy = text_field(Instrument, "required_accuracy")
    interval_months = WholeNumberField(
        label_of(Instrument, "interval_months"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(
                min=1, max=240, message=_l("The interval is a whole number of months, at least 1.")
            ),
        ],
    )
    method = required_choice(Instrument, "method", TraceabilityMethod.labels())
    laboratory = text_field(Instrument, "laboratory")
    kan_number = StringField(
        label_of(Instrument, "kan_number"),
        validators=[Optional(), Regexp(KAN_PATTERN, message=BAD_KAN)],
    )
    reference = TextAreaField(label_of(Instrument, "reference"), validators=[Optional()])
    state = required_choice(Instrument, "state", InstrumentState.labels(), default="in_use")
    next_due_on = DayField(label_of(Instrument, "next_due_on"), validators=[Optional()])


class NewInstrumentForm(InstrumentForm):
    agency_id = owner_agency_field(Instrument)


class EventForm(SupportForm):
    kind = required_choice(CalibrationEvent, "kind", EventKind.labels())
    performed_on = DayField(
        label_of(CalibrationEvent, "performed_on"), validators=[InputRequired(BAD_DATE)]
    )
    performed_by = text_field(CalibrationEvent, "performed_by")
    result = required_choice(CalibrationEvent, "result", ToleranceResult.labels())
    certificate_number = text_field(CalibrationEvent, "certificate_number", length=100)
    next_due_on = DayField(
        _l("Next due (empty: the interval after the date)"), validators=[Optional()]
    )
    notes = TextAreaField(label_of(CalibrationEvent, "notes"), validators=[Optional()])
    file = FileField(_l("Certificate file"))


class ToleranceEvaluationForm(SupportForm):
    booleans = ("previous_results_valid",)

    previous_results_valid = ChoiceField(
        label_of(CalibrationEvent, "previous_results_valid"),
        choices=YES_NO,
        validators=[DataRequired(REQUIRED)],
    )
    evaluation = TextAreaField(
        label_of(CalibrationEvent, "evaluation"), validators=[DataRequired(REQUIRED)]
    )
    conclusion = TextAreaField(
        label_of(CalibrationEvent, "conclusion"), validators=[DataRequired(REQUIRED)]
    )


# --- competence -----------------------------------------------------------------------------


class PositionForm(SupportForm):
    title = text_field(Position, "title", required=True)
    required_competences = TextAreaField(
        label_of(Position, "required_competences"), validators=[Optional()]
    )
    required_education = text_field(Position, "required_education")


class NewPositionForm(PositionForm):
    agency_id = owner_agency_field(Position)


class PersonForm(SupportForm):
    name = text_field(Person, "name", required=True, length=200)
    nip = StringField(
        label_of(Person, "nip"), validators=[Optional(), Regexp(NIP_PATTERN, message=BAD_NIP)]
    )
    position_id = RecordField(label_of(Person, "position_id"), validators=[Optional()])
    unit_id = RecordField(label_of(Person, "unit_id"), validators=[Optional()])
    education = text_field(Person, "education")
    user_id = RecordField(label_of(Person, "user_id"), validators=[Optional()])


class NewPersonForm(PersonForm):
    agency_id = owner_agency_field(Person)


class TrainingForm(SupportForm):
    booleans = ("effective",)

    title = text_field(Training, "title", required=True)
    provider = text_field(Training, "provider")
    competence = text_field(Training, "competence")
    started_on = DayField(label_of(Training, "started_on"), validators=[Optional()])
    finished_on = DayField(label_of(Training, "finished_on"), validators=[InputRequired(BAD_DATE)])
    certificate_number = text_field(Training, "certificate_number", length=100)
    certificate_expires_on = DayField(
        label_of(Training, "certificate_expires_on"), validators=[Optional()]
    )
    effectiveness = TextAreaField(label_of(Training, "effectiveness"), validators=[Optional()])
    effective = ChoiceField(
        label_of(Training, "effective"), choices=YES_NO, validators=[Optional()]
    )
    file = FileField(_l("Certificate file"))


# --- auditors -------------------------------------------------------------------------------


class QualificationForm(SupportForm):
    prior_audits_as_member = WholeNumberField(
        label_of(AuditorQualification, "prior_audits_as_member"),
        validators=[Optional(), UNTICKED_NUMBER],
    )
    prior_audits_led = WholeNumberField(
        label_of(AuditorQualification, "prior_audits_led"),
        validators=[Optional(), UNTICKED_NUMBER],
    )
    notes = TextAreaField(label_of(AuditorQualification, "notes"), validators=[Optional()])


class NewQualificationForm(QualificationForm):
    city_id = RecordField(
        label_of(AuditorQualification, "city_id"), validators=[DataRequired(REQUIRED)]
    )
    user_id = RecordField(
        label_of(AuditorQualification, "user_id"), validators=[DataRequired(REQUIRED)]
    )


class AuditorTrainingForm(SupportForm):
    title = text_field(AuditorTraining, "title", required=True)
    provider = text_field(AuditorTraining, "provider")
    completed_on = DayField(
        label_of(AuditorTraining, "completed_on"), validators=[InputRequired(BAD_DATE)]
    )
    certificate_number = text_field(AuditorTraining, "certificate_number", length=100)


class AuditorEvaluationForm(SupportForm):
    audit_id = RecordField(
        label_of(AuditorEvaluation, "audit_id"), validators=[DataRequired(REQUIRED)]
    )
    auditor_id = RecordField(
        label_of(AuditorEvaluation, "auditor_id"), validators=[DataRequired(REQUIRED)]
    )
    score = WholeNumberField(
        label_of(AuditorEvaluation, "score"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 5, _l("Rate it from 1 to 5."))],
    )
    comments = TextAreaField(label_of(AuditorEvaluation, "comments"), validators=[Optional()])


# --- providers ------------------------------------------------------------------------------


class ProviderForm(SupportForm):
    name = text_field(Provider, "name", required=True)
    kind = required_choice(Provider, "kind", ProviderKind.labels())
    supplies = TextAreaField(label_of(Provider, "supplies"), validators=[DataRequired(REQUIRED)])
    criteria = TextAreaField(label_of(Provider, "criteria"), validators=[Optional()])
    contact = text_field(Provider, "contact")
    status = required_choice(Provider, "status", ProviderStatus.labels(), default="approved")
    next_evaluation_on = DayField(label_of(Provider, "next_evaluation_on"), validators=[Optional()])


class NewProviderForm(ProviderForm):
    agency_id = owner_agency_field(Provider)


class ProviderEvaluationForm(SupportForm):
    evaluated_on = DayField(_l("Evaluated on (empty: today)"), validators=[Optional()])
    score = WholeNumberField(
        label_of(ProviderEvaluation, "score"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 100, _l("Score it from 0 to 100."))],
    )
    comments = TextAreaField(label_of(ProviderEvaluation, "comments"), validators=[Optional()])
    status = required_choice(ProviderEvaluation, "status", ProviderStatus.labels())
    next_evaluation_on = DayField(
        label_of(ProviderEvaluation, "next_evaluation_on"), validators=[InputRequired(BAD_DATE)]
    )
