"""Forms of the CAPA pages; the JSON API validates with the same forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from qms.capa.models import (
    ACTION_KIND_LABELS,
    CAUSE_LABELS,
    GRADE_LABELS,
    SOURCE_LABELS,
    ActionKind,
)

REQUIRED = _l("This field is required.")
BAD_DATE = _l("Enter a date as YYYY-MM-DD.")


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "", "0", 0) else None


class VersionedForm(FlaskForm):
    """Carries the version of the record the user read, so a stale write is refused."""

    version = IntegerField(validators=[InputRequired(REQUIRED)], widget=HiddenInput())


class NonconformityForm(FlaskForm):
    agency_id = SelectField(
        _l("Agency"), coerce=int, validators=[DataRequired(REQUIRED)], validate_choice=False
    )
    unit_id = SelectField(_l("Unit"), coerce=_int_or_none, validate_choice=False)
    source = SelectField(
        _l("Source"),
        choices=options((k.value, v) for k, v in SOURCE_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    source_reference = StringField(
        _l("Source reference (audit, report, complaint number)"),
        validators=[Optional(), Length(max=255)],
    )
    grade = SelectField(
        _l("Grade"),
        choices=options((k.value, v) for k, v in GRADE_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    #: not called "process": that name is the form's own method
    process_or_service = StringField(
        _l("Process or service"), validators=[Optional(), Length(max=255)]
    )
    clause = StringField(_l("ISO 9001 clause"), validators=[Optional(), Length(max=32)])
    criterion = StringField(
        _l("Internal criterion (SOP number)"), validators=[Optional(), Length(max=255)]
    )
    requirement = TextAreaField(_l("Requirement"), validators=[Optional()])
    evidence = TextAreaField(_l("Objective evidence"), validators=[DataRequired(REQUIRED)])
    statement = TextAreaField(_l("Nonconformity statement"), validators=[DataRequired(REQUIRED)])
    raised_on = DateField(_l("Date raised"), validators=[Optional()], render_kw={"type": "date"})
    due_date = DateField(
        _l("Due date (empty: the configured deadline)"),
        validators=[Optional()],
        render_kw={"type": "date"},
    )
    auditee_representative = StringField(
        _l("Auditee representative"), validators=[Optional(), Length(max=200)]
    )
    auditor_id = SelectField(_l("Follow-up auditor"), coerce=_int_or_none, validate_choice=False)

    def values(self) -> dict[str, Any]:
        values = {n: f.data for n, f in self._fields.items() if n != "csrf_token"}
        values["process"] = values.pop("process_or_service")
        return values


class CorrectionForm(VersionedForm):
    correction = TextAreaField(
        _l("Correction (the immediate fix)"), validators=[DataRequired(REQUIRED)]
    )
    correction_on = DateField(
        _l("Date of the correction"), validators=[Optional()], render_kw={"type": "date"}
    )


class CauseForm(VersionedForm):
    why_1 = StringField(_l("Why? (1)"), validators=[DataRequired(REQUIRED), Length(max=500)])
    why_2 = StringField(_l("Why? (2)"), validators=[Optional(), Length(max=500)])
    why_3 = StringField(_l("Why? (3)"), validators=[Optional(), Length(max=500)])
    why_4 = StringField(_l("Why? (4)"), validators=[Optional(), Length(max=500)])
    why_5 = StringField(_l("Why? (5)"), validators=[Optional(), Length(max=500)])
    cause_category = SelectField(
        _l("Cause category"),
        choices=options([("", "–"), *((k.value, v) for k, v in CAUSE_LABELS.items())]),
        validators=[DataRequired(REQUIRED)],
    )
    root_cause = TextAreaField(_l("Root cause"), validators=[DataRequired(REQUIRED)])
    occurs_elsewhere = SelectField(
        _l("Could this occur elsewhere (in other agencies)?"),
        choices=options([("", "–"), ("yes", _l("Yes")), ("no", _l("No"))]),
        validators=[DataRequired(REQUIRED)],
    )
    elsewhere_note = TextAreaField(_l("Where, and what was checked"), validators=[Optional()])
    elsewhere_agency_ids = SelectMultipleField(
        _l("Raise linked nonconformities in these agencies"), coerce=int, validate_choice=False
    )
    risk_register_updated = BooleanField(_l("Risk register updated"))

    def values(self) -> dict[str, Any]:
        return {
            "why_steps": [getattr(self, f"why_{i}").data for i in range(1, 6)],
            "cause_category": self.cause_category.data,
            "root_cause": self.root_cause.data,
            "occurs_elsewhere": self.occurs_elsewhere.data == "yes",
            "elsewhere_note": self.elsewhere_note.data,
            "elsewhere_agency_ids": self.elsewhere_agency_ids.data or [],
            "risk_register_updated": self.risk_register_updated.data,
        }


class ActionForm(VersionedForm):
    kind = SelectField(
        _l("Type"),
        choices=options((k.value, v) for k, v in ACTION_KIND_LABELS.items()),
        default=ActionKind.CORRECTIVE.value,
    )
    description = TextAreaField(_l("Action"), validators=[DataRequired(REQUIRED)])
    owner = StringField(
        _l("Person in charge"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    due_date = DateField(
        _l("Due date"), validators=[InputRequired(BAD_DATE)], render_kw={"type": "date"}
    )


class PlanForm(VersionedForm):
    effectiveness_check_on = DateField(
        _l("Effectiveness check from"),
        validators=[InputRequired(BAD_DATE)],
        render_kw={"type": "date"},
    )
    documents_changed = TextAreaField(
        _l("Documents to change (SOP, forms)"), validators=[Optional()]
    )


class NoteForm(VersionedForm):
    note = TextAreaField(_l("Note"), validators=[DataRequired(REQUIRED)])


class VersionOnlyForm(VersionedForm):
    pass


class CompleteActionForm(VersionedForm):
    file = FileField(_l("Evidence file"))
    note = TextAreaField(_l("What was done"), validators=[Optional()])


class ImportForm(FlaskForm):
    city_id = SelectField(_l("City"), coerce=int, validate_choice=False)
    file = FileField(_l("Export file (CSV or JSON)"))


#: the form of each workflow step
TRANSITION_FORMS: dict[str, type[VersionedForm]] = {
    "record_correction": CorrectionForm,
    "analyse_cause": CauseForm,
    "submit_plan": PlanForm,
    "accept_plan": VersionOnlyForm,
    "return_plan": NoteForm,
    "mark_implemented": VersionOnlyForm,
    "verify_effective": NoteForm,
    "verify_not_effective": NoteForm,
    "close": VersionOnlyForm,
}


def form_values(form: FlaskForm) -> dict[str, Any]:
    if hasattr(form, "values"):
        return form.values()
    return {n: f.data for n, f in form._fields.items() if n not in ("csrf_token", "version")}
