"""Forms of the CAPA pages; the JSON API validates with the same forms, and its request schemas
are generated from them. Labels come from the models' columns (`label_of`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from qms.capa.models import (
    MAX_WHY_STEPS,
    ActionKind,
    CauseCategory,
    Channel,
    Complaint,
    ComplaintImport,
    CorrectiveAction,
    NcGrade,
    NcSource,
    NcStatus,
    Nonconformity,
)
from qms.core.forms import (
    BAD_DATE,
    REQUIRED,
    ChoiceField,
    DayField,
    MultipleChoiceField,
    RecordField,
    VersionedForm,
    column_field,
    enum_choices,
    field_values,
    max_length,
    optional_choice,
    required_choice,
    text_field,
)
from qms.core.labels import label_of
from qms.organisations.forms import AgencyFilterForm, owner_agency_field


class _DescriptionFields(FlaskForm):
    """What a nonconformity says, as raised and as corrected later (operations.DETAIL_FIELDS)."""

    unit_id = column_field(RecordField, Nonconformity, "unit_id")
    source_reference = text_field(Nonconformity, "source_reference")
    #: not called "process": that name is the form's own method
    process_or_service = text_field(Nonconformity, "process")
    clause = text_field(Nonconformity, "clause", length=32)
    criterion = text_field(Nonconformity, "criterion")
    requirement = column_field(TextAreaField, Nonconformity, "requirement")
    evidence = column_field(TextAreaField, Nonconformity, "evidence", DataRequired(REQUIRED))
    statement = column_field(TextAreaField, Nonconformity, "statement", DataRequired(REQUIRED))
    auditee_representative = column_field(StringField, Nonconformity, "auditee_representative")
    auditor_id = column_field(RecordField, Nonconformity, "auditor_id")

    def values(self) -> dict[str, Any]:
        values = field_values(self, "version")
        if "process_or_service" in values:
            values["process"] = values.pop("process_or_service")
        return values


class NonconformityForm(_DescriptionFields):
    agency_id = owner_agency_field(Nonconformity)
    source = required_choice(Nonconformity, "source", NcSource.labels())
    grade = required_choice(Nonconformity, "grade", NcGrade.labels())
    raised_on = column_field(DayField, Nonconformity, "raised_on")
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
    reason = column_field(TextAreaField, Nonconformity, "archive_reason", DataRequired(REQUIRED))


class CorrectionForm(VersionedForm):
    correction = column_field(TextAreaField, Nonconformity, "correction", DataRequired(REQUIRED))
    correction_on = column_field(DayField, Nonconformity, "correction_on")


def _analysis_answer(column: str, options: list) -> ChoiceField:
    """A choice the cause analysis must make, offered with none chosen ("–") at first."""
    return column_field(
        ChoiceField, Nonconformity, column, DataRequired(REQUIRED), choices=[("", "–"), *options]
    )


class CauseForm(VersionedForm):
    why_1 = StringField(_l("Why? (1)"), validators=[DataRequired(REQUIRED), max_length(500)])
    why_2 = StringField(_l("Why? (2)"), validators=[Optional(), max_length(500)])
    why_3 = StringField(_l("Why? (3)"), validators=[Optional(), max_length(500)])
    why_4 = StringField(_l("Why? (4)"), validators=[Optional(), max_length(500)])
    why_5 = StringField(_l("Why? (5)"), validators=[Optional(), max_length(500)])
    cause_category = _analysis_answer("cause_category", enum_choices(CauseCategory.labels()))
    root_cause = column_field(TextAreaField, Nonconformity, "root_cause", DataRequired(REQUIRED))
    occurs_elsewhere = _analysis_answer("occurs_elsewhere", [("yes", _l("Yes")), ("no", _l("No"))])
    elsewhere_note = column_field(TextAreaField, Nonconformity, "elsewhere_note")
    elsewhere_agency_ids = MultipleChoiceField(
        _l("Raise linked nonconformities in these agencies"), coerce=int, validate_choice=False
    )
    #: the fields other features add to the analysis (qms/capa/contributions.py): the risks the
    #: analysis updated, in place of the yes/no "risk register updated" of older records
    contributed: ClassVar[tuple[str, ...]] = ()

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

    def values(self) -> dict[str, Any]:
        return {
            "why_steps": [getattr(self, f"why_{i}").data for i in range(1, MAX_WHY_STEPS + 1)],
            "cause_category": self.cause_category.data,
            "root_cause": self.root_cause.data,
            "occurs_elsewhere": self.occurs_elsewhere.data == "yes",
            "elsewhere_note": self.elsewhere_note.data,
            "elsewhere_agency_ids": self.elsewhere_agency_ids.data or [],
            **{name: self[name].data for name in self.contributed},
        }


class ActionForm(VersionedForm):
    kind = ChoiceField(
        label_of(CorrectiveAction, "kind"),
        choices=enum_choices(ActionKind.labels()),
        default=ActionKind.CORRECTIVE.value,
    )
    description = column_field(
        TextAreaField, CorrectiveAction, "description", DataRequired(REQUIRED)
    )
    owner = text_field(CorrectiveAction, "owner", required=True, length=200)
    due_date = column_field(DayField, CorrectiveAction, "due_date", InputRequired(BAD_DATE))


class PlanForm(VersionedForm):
    effectiveness_check_on = column_field(
        DayField, Nonconformity, "effectiveness_check_on", InputRequired(BAD_DATE)
    )
    documents_changed = column_field(TextAreaField, Nonconformity, "documents_changed")


class NoteForm(VersionedForm):
    """The note of a returned plan or of a verification."""

    note = TextAreaField(_l("Note"), validators=[DataRequired(REQUIRED)])


class VersionOnlyForm(VersionedForm):
    pass


class CompleteActionForm(VersionedForm):
    file = FileField(_l("Evidence file"), validators=[FileRequired(REQUIRED)])
    note = column_field(TextAreaField, CorrectiveAction, "done_note")


class ImportForm(FlaskForm):
    """An export uploaded for a city (the only one the user may import for, if not chosen)."""

    city_id = column_field(RecordField, ComplaintImport, "city_id")
    file = FileField(_l("Export file (CSV or JSON)"), validators=[FileRequired(REQUIRED)])


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
    return field_values(form, "version")


# --- filters ------------------------------------------------------------------------------

#: a filter box left unticked is sent as nothing, or by API clients as false or 0
UNTICKED = (False, "false", "", "0")


class RegisterFilterForm(AgencyFilterForm):
    """The register's filters, as query parameters of the page and the API."""

    status = optional_choice(Nonconformity, "status", NcStatus.labels())
    source = optional_choice(Nonconformity, "source", NcSource.labels())
    grade = optional_choice(Nonconformity, "grade", NcGrade.labels())
    overdue = BooleanField(_l("Overdue only"), false_values=UNTICKED)
    waiting = BooleanField(_l("Waiting for me"), false_values=UNTICKED)
    q = StringField(_l("Search"), validators=[Optional()])
    archived = BooleanField(_l("Include archived"), false_values=UNTICKED)

    def values(self) -> dict[str, Any]:
        """The filter (see queries.RegisterFilter): the choices as every list reads them, the
        boxes ticked or not, the search text."""
        values = super().values()
        del values["q"]
        return values | {
            "overdue": bool(self.overdue.data),
            "waiting": bool(self.waiting.data),
            "text": self.q.data or "",
            "archived": bool(self.archived.data),
        }


class ComplaintFilterForm(AgencyFilterForm):
    """The filters of the complaint list, as query parameters of the page and the API."""

    channel = optional_choice(Complaint, "channel", Channel.labels())
    escalated = BooleanField(_l("Escalated to a nonconformity"), false_values=UNTICKED)

    def values(self) -> dict[str, Any]:
        """The filter (see complaints.queries.ComplaintFilter)."""
        return super().values() | {"escalated": bool(self.escalated.data)}
