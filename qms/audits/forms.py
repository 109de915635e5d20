"""Forms of the audit pages; the JSON API validates with the same forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from qms.audits.models import AUDIT_KIND_LABELS, ROW_RESULT_LABELS, AuditKind
from qms.core.forms import (
    REQUIRED,
    ChoiceField,
    DayField,
    MomentField,
    MultipleChoiceField,
    VersionedForm,
    WholeNumberField,
    enum_choices,
    max_length,
)


class ClauseListField(StringField):
    """Clause numbers typed as "6, 7.5, 9.3" (or given as a JSON list through the API)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = ",".join(valuelist)
        self.data = [n.strip() for n in text.replace(";", ",").split(",") if n.strip()]

    def _value(self) -> str:
        return ", ".join(self.data or [])


class ProgrammeForm(FlaskForm):
    year = WholeNumberField(
        _l("Year"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(2000, 2100, _l("Enter a year between 2000 and 2100.")),
        ],
    )
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), max_length(255)])
    objectives = TextAreaField(_l("Objectives of the programme"))


class ProgrammeItemForm(FlaskForm):
    agency_id = ChoiceField(
        label=_l("Agency"),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )
    kind = ChoiceField(
        label=_l("Kind of audit"),
        choices=enum_choices(AUDIT_KIND_LABELS),
        default=AuditKind.INTERNAL.value,
    )
    planned_month = WholeNumberField(
        _l("Month"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 12, _l("The month must be between 1 and 12.")),
        ],
    )
    clause_numbers = ClauseListField(_l("Clauses to audit"))
    reason = TextAreaField(_l("Reason (risk, previous results)"))

    def __init__(self, *args: Any, agencies: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = [(a.id, a.name) for a in agencies or []]


class AuditScopeForm(FlaskForm):
    """What an audit covers and who leads it: asked when it is planned and when it is edited."""

    scope_clauses = ClauseListField(_l("Clauses in scope"), validators=[DataRequired(REQUIRED)])
    scope_unit_ids = MultipleChoiceField(
        label=_l("Units in scope"),
        coerce=int,
        validators=[Optional()],
    )
    scope_processes = TextAreaField(_l("Processes and services in scope"))
    objectives = TextAreaField(_l("Objectives"), validators=[DataRequired(REQUIRED)])
    criteria = TextAreaField(_l("Criteria (the standard and the agency's own procedures)"))
    lead_auditor_id = ChoiceField(label=_l("Lead auditor"), coerce=int, default=0)
    auditee_representatives = TextAreaField(_l("Auditee representatives"))

    def __init__(self, *args: Any, auditors: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lead_auditor_id.choices = [(0, "–")] + [(u.id, u.name) for u in auditors or []]


class AuditForm(AuditScopeForm):
    """Planning an audit."""

    agency_id = ChoiceField(
        label=_l("Audited agency"),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )
    kind = ChoiceField(
        label=_l("Kind of audit"),
        choices=enum_choices(AUDIT_KIND_LABELS),
        default=AuditKind.INTERNAL.value,
    )
    planned_start = DayField(_l("Planned start"), validators=[InputRequired(REQUIRED)])
    planned_end = DayField(_l("Planned end"), validators=[Optional()])
    programme_item_id = WholeNumberField(widget=HiddenInput(), validators=[Optional()])

    def __init__(
        self,
        *args: Any,
        agencies: list | None = None,
        units: list | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = [(a.id, a.name) for a in agencies or []]
        self.scope_unit_ids.choices = [(u.id, f"{u.agency.code}: {u.path}") for u in units or []]


class AuditDetailsForm(AuditScopeForm):
    """The plan, the meetings and the report texts of an existing audit."""

    planned_start = DayField(_l("Planned start"), validators=[InputRequired(REQUIRED)])
    planned_end = DayField(_l("Planned end"), validators=[InputRequired(REQUIRED)])
    actual_start = DayField(_l("Actual start"), validators=[Optional()])
    actual_end = DayField(_l("Actual end"), validators=[Optional()])
    opening_meeting_at = MomentField(_l("Opening meeting"), validators=[Optional()])
    opening_attendance = TextAreaField(_l("Opening meeting attendance"))
    opening_notes = TextAreaField(_l("Opening meeting notes"))
    closing_meeting_at = MomentField(_l("Closing meeting"), validators=[Optional()])
    closing_attendance = TextAreaField(_l("Closing meeting attendance"))
    closing_notes = TextAreaField(_l("Closing meeting notes"))
    conclusion = TextAreaField(_l("Audit conclusion"))
    degree_of_conformity = TextAreaField(_l("Degree of conformity"))
    disagreements = TextAreaField(_l("Unresolved disagreements"))
    areas_not_covered = TextAreaField(_l("Areas not covered"))

    def __init__(self, *args: Any, units: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope_unit_ids.choices = [(u.id, u.path) for u in units or []]


class MemberForm(FlaskForm):
    user_id = ChoiceField(
        label=_l("Auditor"),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )

    def __init__(self, *args: Any, auditors: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = [(u.id, u.name) for u in auditors or []]


class AgendaForm(FlaskForm):
    starts_at = MomentField(_l("From"), validators=[InputRequired(REQUIRED)])
    ends_at = MomentField(_l("Until"), validators=[Optional()])
    subject = StringField(
        _l("Clause or process"), validators=[DataRequired(REQUIRED), max_length(500)]
    )
    auditor_id = ChoiceField(label=_l("Auditor"), coerce=int, default=0)
    auditee = StringField(_l("Auditee"), validators=[max_length(255)])

    def __init__(self, *args: Any, auditors: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auditor_id.choices = [(0, "–")] + [(u.id, u.name) for u in auditors or []]


def result_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Not answered yet")), *enum_choices(ROW_RESULT_LABELS)]


class RowForm(VersionedForm):
    """One checklist answer; the finding fields matter for nonconform, observation and OFI.
    The version is the row's, as the auditor read it."""

    result = ChoiceField(label=_l("Result"), choices=result_choices, default="")
    notes = TextAreaField(_l("Notes"))
    grade = ChoiceField(label=_l("Grade"), default="")
    evidence = TextAreaField(_l("Objective evidence"))
    statement = TextAreaField(_l("Finding"))
    requirement = TextAreaField(_l("Requirement"))

    def __init__(self, *args: Any, grades: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grade.choices = [("", "–")] + [(g.key, g.label) for g in grades or []]


class AddRowForm(FlaskForm):
    clause_id = ChoiceField(
        label=_l("Clause"),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )
    text = TextAreaField(_l("Question"), validators=[DataRequired(REQUIRED)])

    def __init__(self, *args: Any, clauses: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clause_id.choices = [(c.id, c.label) for c in clauses or []]


class CopyChecklistForm(FlaskForm):
    source_id = ChoiceField(
        label=_l("Copy from"),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )

    def __init__(self, *args: Any, audits: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source_id.choices = [(a.id, a.reference) for a in audits or []]


class EvidenceForm(FlaskForm):
    file = FileField(_l("Evidence file"), validators=[FileRequired(REQUIRED)])
    description = StringField(_l("Description"), validators=[max_length(255)])


class FindingForm(VersionedForm):
    """A finding's grade and texts; the version is that of the finding's checklist row."""

    grade = ChoiceField(label=_l("Grade"), validators=[InputRequired(REQUIRED)])
    requirement = TextAreaField(_l("Requirement"))
    evidence = TextAreaField(_l("Objective evidence"))
    statement = TextAreaField(_l("Finding"), validators=[DataRequired(REQUIRED)])

    def __init__(self, *args: Any, grades: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grade.choices = [(g.key, g.label) for g in grades or []]
