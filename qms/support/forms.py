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
    column_field,
    field_values,
    required_choice,
    text_field,
)
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


def _score(model: type, low: int, high: int, message: Any) -> WholeNumberField:
    """An evaluation's score: a whole number from `low` to `high`."""
    return column_field(
        WholeNumberField, model, "score", InputRequired(REQUIRED), NumberRange(low, high, message)
    )


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
    unit_id = column_field(RecordField, Instrument, "unit_id")
    location = text_field(Instrument, "location")
    measuring_range = text_field(Instrument, "measuring_range")
    required_accuracy = text_field(Instrument, "required_accuracy")
    interval_months = column_field(
        WholeNumberField,
        Instrument,
        "interval_months",
        InputRequired(REQUIRED),
        NumberRange(
            min=1, max=240, message=_l("The interval is a whole number of months, at least 1.")
        ),
    )
    method = required_choice(Instrument, "method", TraceabilityMethod.labels())
    laboratory = text_field(Instrument, "laboratory")
    kan_number = column_field(
        StringField, Instrument, "kan_number", Optional(), Regexp(KAN_PATTERN, message=BAD_KAN)
    )
    reference = column_field(TextAreaField, Instrument, "reference")
    state = required_choice(Instrument, "state", InstrumentState.labels(), default="in_use")
    next_due_on = column_field(DayField, Instrument, "next_due_on")


class NewInstrumentForm(InstrumentForm):
    agency_id = owner_agency_field(Instrument)


class EventForm(SupportForm):
    kind = required_choice(CalibrationEvent, "kind", EventKind.labels())
    performed_on = column_field(DayField, CalibrationEvent, "performed_on", InputRequired(BAD_DATE))
    performed_by = text_field(CalibrationEvent, "performed_by")
    result = required_choice(CalibrationEvent, "result", ToleranceResult.labels())
    certificate_number = text_field(CalibrationEvent, "certificate_number", length=100)
    next_due_on = DayField(
        _l("Next due (empty: the interval after the date)"), validators=[Optional()]
    )
    notes = column_field(TextAreaField, CalibrationEvent, "notes")
    file = FileField(_l("Certificate file"))


class ToleranceEvaluationForm(SupportForm):
    booleans = ("previous_results_valid",)

    previous_results_valid = column_field(
        ChoiceField,
        CalibrationEvent,
        "previous_results_valid",
        DataRequired(REQUIRED),
        choices=YES_NO,
    )
    evaluation = column_field(TextAreaField, CalibrationEvent, "evaluation", DataRequired(REQUIRED))
    conclusion = column_field(TextAreaField, CalibrationEvent, "conclusion", DataRequired(REQUIRED))


# --- competence -----------------------------------------------------------------------------


class PositionForm(SupportForm):
    title = text_field(Position, "title", required=True)
    required_competences = column_field(TextAreaField, Position, "required_competences")
    required_education = text_field(Position, "required_education")


class NewPositionForm(PositionForm):
    agency_id = owner_agency_field(Position)


class PersonForm(SupportForm):
    name = text_field(Person, "name", required=True, length=200)
    nip = column_field(StringField, Person, "nip", Optional(), Regexp(NIP_PATTERN, message=BAD_NIP))
    position_id = column_field(RecordField, Person, "position_id")
    unit_id = column_field(RecordField, Person, "unit_id")
    education = text_field(Person, "education")
    user_id = column_field(RecordField, Person, "user_id")


class NewPersonForm(PersonForm):
    agency_id = owner_agency_field(Person)


class TrainingForm(SupportForm):
    booleans = ("effective",)

    title = text_field(Training, "title", required=True)
    provider = text_field(Training, "provider")
    competence = text_field(Training, "competence")
    started_on = column_field(DayField, Training, "started_on")
    finished_on = column_field(DayField, Training, "finished_on", InputRequired(BAD_DATE))
    certificate_number = text_field(Training, "certificate_number", length=100)
    certificate_expires_on = column_field(DayField, Training, "certificate_expires_on")
    effectiveness = column_field(TextAreaField, Training, "effectiveness")
    effective = column_field(ChoiceField, Training, "effective", choices=YES_NO)
    file = FileField(_l("Certificate file"))


# --- auditors -------------------------------------------------------------------------------


class QualificationForm(SupportForm):
    prior_audits_as_member = column_field(
        WholeNumberField,
        AuditorQualification,
        "prior_audits_as_member",
        Optional(),
        UNTICKED_NUMBER,
    )
    prior_audits_led = column_field(
        WholeNumberField, AuditorQualification, "prior_audits_led", Optional(), UNTICKED_NUMBER
    )
    notes = column_field(TextAreaField, AuditorQualification, "notes")


class NewQualificationForm(QualificationForm):
    city_id = column_field(RecordField, AuditorQualification, "city_id", DataRequired(REQUIRED))
    user_id = column_field(RecordField, AuditorQualification, "user_id", DataRequired(REQUIRED))


class AuditorTrainingForm(SupportForm):
    title = text_field(AuditorTraining, "title", required=True)
    provider = text_field(AuditorTraining, "provider")
    completed_on = column_field(DayField, AuditorTraining, "completed_on", InputRequired(BAD_DATE))
    certificate_number = text_field(AuditorTraining, "certificate_number", length=100)


class AuditorEvaluationForm(SupportForm):
    audit_id = column_field(RecordField, AuditorEvaluation, "audit_id", DataRequired(REQUIRED))
    auditor_id = column_field(RecordField, AuditorEvaluation, "auditor_id", DataRequired(REQUIRED))
    score = _score(AuditorEvaluation, 1, 5, _l("Rate it from 1 to 5."))
    comments = column_field(TextAreaField, AuditorEvaluation, "comments")


# --- providers ------------------------------------------------------------------------------


class ProviderForm(SupportForm):
    name = text_field(Provider, "name", required=True)
    kind = required_choice(Provider, "kind", ProviderKind.labels())
    supplies = column_field(TextAreaField, Provider, "supplies", DataRequired(REQUIRED))
    criteria = column_field(TextAreaField, Provider, "criteria")
    contact = text_field(Provider, "contact")
    status = required_choice(Provider, "status", ProviderStatus.labels(), default="approved")
    next_evaluation_on = column_field(DayField, Provider, "next_evaluation_on")


class NewProviderForm(ProviderForm):
    agency_id = owner_agency_field(Provider)


class ProviderEvaluationForm(SupportForm):
    evaluated_on = DayField(_l("Evaluated on (empty: today)"), validators=[Optional()])
    score = _score(ProviderEvaluation, 0, 100, _l("Score it from 0 to 100."))
    comments = column_field(TextAreaField, ProviderEvaluation, "comments")
    status = required_choice(ProviderEvaluation, "status", ProviderStatus.labels())
    next_evaluation_on = column_field(
        DayField, ProviderEvaluation, "next_evaluation_on", InputRequired(BAD_DATE)
    )
