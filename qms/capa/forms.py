"""Forms of the CAPA pages; the JSON API validates with the same forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from qms.capa.models import (
    ACTION_KIND_LABELS,
    CAUSE_LABELS,
    GRADE_LABELS,
    MAX_WHY_STEPS,
    SOURCE_LABELS,
    ActionKind,
    Nonconformity,
)
from qms.core.forms import (
    BAD_DATE,
    REQUIRED,
    ChoiceField,
    DayField,
    MultipleChoiceField,
    VersionedForm,
    enum_choices,
    max_length,
)


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "", "0", 0) else None


class _DescriptionFields(FlaskForm):
    """What a nonconformity says, as raised and as corrected later (services.DETAIL_FIELDS)."""

    unit_id = ChoiceField(_l("Unit"), coerce=_int_or_none, validate_choice=False)
    source_reference = StringField(
        _l("Source reference (audit, report, complaint number)"),
        validators=[Optional(), max_length(255)],
    )
    #: not called "process": that name is the form's own method
    process_or_service = StringField(
        _l("Process or service"), validators=[Optional(), max_length(255)]
    )
    clause = StringField(_l("ISO 9001 clause"), validators=[Optional(), max_length(32)])
    criterion = StringField(
        _l("Internal criterion (SOP number)"), validators=[Optional(), max_length(255)]
    )
    requirement = TextAreaField(_l("Requirement"), validators=[Optional()])
    evidence = TextAreaField(_l("Objective evidence"), validators=[DataRequired(REQUIRED)])
    statement = TextAreaField(_l("Nonconformity statement"), validators=[DataRequired(REQUIRED)])
    auditee_representative = StringField(_l("Auditee representative"), validators=[Optional()])
    auditor_id = ChoiceField(_l("Follow-up auditor"), coerce=_int_or_none, validate_choice=False)

    def values(self) -> dict[str, Any]:
        values = {n: f.data for n, f in self._fields.items() if n not in ("csrf_token", "version")}
        if "process_or_service" in values:
            values["process"] = values.pop("process_or_service")
        return values


class NonconformityForm(_DescriptionFields):
    agency_id = ChoiceField(
        _l("Agency"), coerce=int, validators=[DataRequired(REQUIRED)], validate_choice=False
    )
    source = ChoiceField(
        _l("Source"),
        choices=enum_choices(SOURCE_LABELS),
        validators=[DataRequired(REQUIRED)],
    )
    grade = ChoiceField(
        _l("Grade"),
        choices=enum_choices(GRADE_LABELS),
        validators=[DataRequired(REQUIRED)],
    )
    raised_on = DayField(_l("Date raised"), validators=[Optional()])
    due_date = DayField(_l("Due date (empty: the configured deadline)"), validators=[Optional()])


#: the form's name of a model field where they differ
FORM_NAMES = {"process": "process_or_service"}


class DetailsForm(_DescriptionFields, VersionedForm):
    """Correct the description; the fields in `locked` (the audit finding's) are left out."""

    def __init__(self, *args: Any, locked: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in locked:
            delattr(self, FORM_NAMES.get(name, name))


class ArchiveForm(VersionedForm):
    reason = TextAreaField(
        _l("Why is it archived (raised by mistake, a duplicate)?"),
        validators=[DataRequired(REQUIRED)],
    )


class CorrectionForm(VersionedForm):
    correction = TextAreaField(
        _l("Correction (the immediate fix)"), validators=[DataRequired(REQUIRED)]
    )
    correction_on = DayField(_l("Date of the correction"), validators=[Optional()])


class CauseForm(VersionedForm):
    why_1 = StringField(_l("Why? (1)"), validators=[DataRequired(REQUIRED), max_length(500)])
    why_2 = StringField(_l("Why? (2)"), validators=[Optional(), max_length(500)])
    why_3 = StringField(_l("Why? (3)"), validators=[Optional(), max_length(500)])
    why_4 = StringField(_l("Why? (4)"), validators=[Optional(), max_length(500)])
    why_5 = StringField(_l("Why? (5)"), validators=[Optional(), max_length(500)])
    cause_category = ChoiceField(
        _l("Cause category"),
        choices=[("", "–"), *enum_choices(CAUSE_LABELS)],
        validators=[DataRequired(REQUIRED)],
    )
    root_cause = TextAreaField(_l("Root cause"), validators=[DataRequired(REQUIRED)])
    occurs_elsewhere = ChoiceField(
        _l("Could this occur elsewhere (in other agencies)?"),
        choices=[("", "–"), ("yes", _l("Yes")), ("no", _l("No"))],
        validators=[DataRequired(REQUIRED)],
    )
    elsewhere_note = TextAreaField(_l("Where, and what was checked"), validators=[Optional()])
    elsewhere_agency_ids = MultipleChoiceField(
        _l("Raise linked nonconformities in these agencies"), coerce=int, validate_choice=False
    )
    risk_register_updated = BooleanField(_l("Risk register updated"))

    def show_analysis(self, nc: Nonconformity) -> None:
        """Fill the form with the stored analysis, to be revised (also after a failed
        verification re-opened the plan). The agencies to raise linked nonconformities in stay
        unchosen: those already raised are linked, choosing them again would raise them twice."""
        whys = list(nc.why_steps or [])
        for i in range(1, MAX_WHY_STEPS + 1):
            getattr(self, f"why_{i}").data = whys[i - 1] if i <= len(whys) else ""
        self.cause_category.data = nc.cause_category.value if nc.cause_category else ""
        self.root_cause.data = nc.root_cause
        if nc.occurs_elsewhere is not None:
            self.occurs_elsewhere.data = "yes" if nc.occurs_elsewhere else "no"
        self.elsewhere_note.data = nc.elsewhere_note
        self.risk_register_updated.data = bool(nc.risk_register_updated)

    def values(self) -> dict[str, Any]:
        return {
            "why_steps": [getattr(self, f"why_{i}").data for i in range(1, MAX_WHY_STEPS + 1)],
            "cause_category": self.cause_category.data,
            "root_cause": self.root_cause.data,
            "occurs_elsewhere": self.occurs_elsewhere.data == "yes",
            "elsewhere_note": self.elsewhere_note.data,
            "elsewhere_agency_ids": self.elsewhere_agency_ids.data or [],
            "risk_register_updated": self.risk_register_updated.data,
        }


class ActionForm(VersionedForm):
    kind = ChoiceField(
        _l("Type"),
        choices=enum_choices(ACTION_KIND_LABELS),
        default=ActionKind.CORRECTIVE.value,
    )
    description = TextAreaField(_l("Action"), validators=[DataRequired(REQUIRED)])
    owner = StringField(
        _l("Person in charge"), validators=[DataRequired(REQUIRED), max_length(200)]
    )
    due_date = DayField(_l("Due date"), validators=[InputRequired(BAD_DATE)])


class PlanForm(VersionedForm):
    effectiveness_check_on = DayField(
        _l("Effectiveness check from"), validators=[InputRequired(BAD_DATE)]
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
    city_id = ChoiceField(_l("City"), coerce=int, validate_choice=False)
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
