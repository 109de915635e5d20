"""Forms of the audit pages; the JSON API validates with the same forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from qms.audits.models import (
    AgendaItem,
    Audit,
    AuditKind,
    AuditProgramme,
    AuditStatus,
    AuditTeamMember,
    ChecklistRow,
    Finding,
    ProgrammeItem,
    RowResult,
)
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
    text_field,
)
from qms.core.labels import label_of

#: ids are INTEGER columns, 32 bits on PostgreSQL: a larger one exists nowhere (and would be
#: refused by the database rather than not found)
MAX_RECORD_ID = 2**31 - 1
#: a record's id as a form takes it
AN_ID = NumberRange(1, MAX_RECORD_ID, _l("Enter a whole number from 1 to %(max)s."))


def _chosen_id(label: Any) -> ChoiceField:
    """A record that must be chosen, by its id, among those the form offers."""
    return ChoiceField(label=label, coerce=int, validators=[InputRequired(REQUIRED)])


class ClauseListField(StringField):
    """Clause numbers typed as "6, 7.5, 9.3" (or given as a JSON list through the API)."""

    json_schema = {"type": "array", "items": {"type": "string"}}

    def process_formdata(self, valuelist: list[str]) -> None:
        text = ",".join(valuelist)
        self.data = [n.strip() for n in text.replace(";", ",").split(",") if n.strip()]

    def _value(self) -> str:
        return ", ".join(self.data or [])


class ClauseIdsField(SelectMultipleField):
    """The further clauses a finding breaches, by id (checkboxes on the page, a list through
    the API). Not sent at all: unchanged (None); sent empty (the page's blank marker): none."""

    json_schema = {"type": "array", "items": {"type": "integer"}}

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            self.data = None
            return
        try:
            self.data = [int(v) for v in valuelist if str(v).strip()]
        except (TypeError, ValueError):
            self.data = None
            raise ValueError(_l("Choose clauses of the audit's standards.")) from None

    def process_data(self, value: Any) -> None:
        self.data = list(value) if value else None


class ProgrammeForm(FlaskForm):
    year = WholeNumberField(
        label_of(AuditProgramme, "year"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(2000, 2100, _l("Enter a year between 2000 and 2100.")),
        ],
    )
    title = text_field(AuditProgramme, "title", required=True)
    objectives = TextAreaField(label_of(AuditProgramme, "objectives"))


class NewProgrammeForm(ProgrammeForm):
    """A new programme names its city: one of those the user plans audits in."""

    city_id = _chosen_id(label_of(AuditProgramme, "city_id"))

    def __init__(self, *args: Any, cities: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city_id.choices = [(c.id, c.name) for c in cities or []]
        if cities and len(cities) == 1 and self.city_id.data is None:
            self.city_id.data = cities[0].id


def _kind_field(model: type) -> ChoiceField:
    """The kind of audit planned, an internal audit unless told."""
    return ChoiceField(
        label=label_of(model, "kind"),
        choices=enum_choices(AuditKind.labels()),
        default=AuditKind.INTERNAL.value,
    )


class PlannedStandards:
    """What a programme item or an audit is planned against: the (primary) standard, SNI ISO
    9001, SNI ISO 37001, … (left out: the programme item's, or the quality standard), and the
    further standards of an integrated audit (left out by an audit: the programme item's). The
    form declares the agency planned for (`agency_id`, labelled as its model's column); the
    agencies and standards are offered as the form is made."""

    standard_id = ChoiceField(
        label=label_of(Audit, "standard_id"), coerce=int, validators=[Optional()]
    )
    other_standard_ids = MultipleChoiceField(
        label=_l("Also against (integrated audit)"), coerce=int, validators=[Optional()]
    )

    def __init__(
        self,
        *args: Any,
        agencies: list | None = None,
        standards: list | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = [(a.id, a.name) for a in agencies or []]  # type: ignore[attr-defined]
        choices = [(s.id, s.title) for s in standards or []]
        self.standard_id.choices = choices  # type: ignore[attr-defined]
        self.other_standard_ids.choices = list(choices)  # type: ignore[attr-defined]


class ProgrammeItemForm(PlannedStandards, FlaskForm):
    agency_id = _chosen_id(label_of(ProgrammeItem, "agency_id"))
    kind = _kind_field(ProgrammeItem)
    planned_month = WholeNumberField(
        label_of(ProgrammeItem, "planned_month"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 12, _l("The month must be between 1 and 12.")),
        ],
    )
    clause_numbers = ClauseListField(label_of(ProgrammeItem, "clause_numbers"))
    reason = TextAreaField(label_of(ProgrammeItem, "reason"))


class AuditScopeForm(FlaskForm):
    """What an audit covers and who leads it: asked when it is planned and when it is edited."""

    scope_clauses = ClauseListField(
        label_of(Audit, "scope_clauses"), validators=[DataRequired(REQUIRED)]
    )
    scope_unit_ids = MultipleChoiceField(
        label=label_of(Audit, "scope_unit_ids"),
        coerce=int,
        validators=[Optional()],
    )
    scope_processes = TextAreaField(label_of(Audit, "scope_processes"))
    objectives = TextAreaField(label_of(Audit, "objectives"), validators=[DataRequired(REQUIRED)])
    criteria = TextAreaField(label_of(Audit, "criteria"))
    lead_auditor_id = ChoiceField(label=label_of(Audit, "lead_auditor_id"), coerce=int, default=0)
    auditee_representatives = TextAreaField(label_of(Audit, "auditee_representatives"))

    def __init__(self, *args: Any, auditors: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lead_auditor_id.choices = [(0, "–")] + [(u.id, u.name) for u in auditors or []]

    def offer_leads(self, offered: list) -> None:
        """Show only the auditors who may lead (after validation, which took every auditor of
        the city so that a refusal names its reason); the one chosen stays shown."""
        ids = {u.id for u in offered}
        self.lead_auditor_id.choices = [
            (value, label)
            for value, label, *_ in self.lead_auditor_id.iter_choices()
            if value == 0 or value in ids or value == self.lead_auditor_id.data
        ]


class AuditForm(PlannedStandards, AuditScopeForm):
    """Planning an audit."""

    agency_id = _chosen_id(label_of(Audit, "agency_id"))
    kind = _kind_field(Audit)
    planned_start = DayField(label_of(Audit, "planned_start"), validators=[InputRequired(REQUIRED)])
    planned_end = DayField(label_of(Audit, "planned_end"), validators=[Optional()])
    programme_item_id = WholeNumberField(
        label_of(Audit, "programme_item_id"), widget=HiddenInput(), validators=[Optional(), AN_ID]
    )

    def __init__(self, *args: Any, units: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope_unit_ids.choices = [(u.id, f"{u.agency.code}: {u.path}") for u in units or []]


class AuditDetailsForm(AuditScopeForm):
    """The plan, the meetings and the report texts of an existing audit."""

    planned_start = DayField(label_of(Audit, "planned_start"), validators=[InputRequired(REQUIRED)])
    planned_end = DayField(label_of(Audit, "planned_end"), validators=[InputRequired(REQUIRED)])
    actual_start = DayField(label_of(Audit, "actual_start"), validators=[Optional()])
    actual_end = DayField(label_of(Audit, "actual_end"), validators=[Optional()])
    opening_meeting_at = MomentField(label_of(Audit, "opening_meeting_at"), validators=[Optional()])
    opening_attendance = TextAreaField(label_of(Audit, "opening_attendance"))
    opening_notes = TextAreaField(label_of(Audit, "opening_notes"))
    closing_meeting_at = MomentField(label_of(Audit, "closing_meeting_at"), validators=[Optional()])
    closing_attendance = TextAreaField(label_of(Audit, "closing_attendance"))
    closing_notes = TextAreaField(label_of(Audit, "closing_notes"))
    conclusion = TextAreaField(label_of(Audit, "conclusion"))
    degree_of_conformity = TextAreaField(label_of(Audit, "degree_of_conformity"))
    disagreements = TextAreaField(label_of(Audit, "disagreements"))
    areas_not_covered = TextAreaField(label_of(Audit, "areas_not_covered"))

    def __init__(self, *args: Any, units: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope_unit_ids.choices = [(u.id, u.path) for u in units or []]


class MemberForm(FlaskForm):
    user_id = _chosen_id(label_of(AuditTeamMember, "user_id"))

    def __init__(self, *args: Any, auditors: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = [(u.id, u.name) for u in auditors or []]


class AgendaForm(FlaskForm):
    starts_at = MomentField(label_of(AgendaItem, "starts_at"), validators=[InputRequired(REQUIRED)])
    ends_at = MomentField(label_of(AgendaItem, "ends_at"), validators=[Optional()])
    subject = text_field(AgendaItem, "subject", required=True, length=500)
    auditor_id = ChoiceField(label=label_of(AgendaItem, "auditor_id"), coerce=int, default=0)
    auditee = StringField(label_of(AgendaItem, "auditee"), validators=[max_length(255)])

    def __init__(self, *args: Any, auditors: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auditor_id.choices = [(0, "–")] + [(u.id, u.name) for u in auditors or []]


def result_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Not answered yet")), *enum_choices(RowResult.labels())]


class RowForm(VersionedForm):
    """One checklist answer; the finding fields matter for nonconform, observation and OFI.
    The version is the row's, as the auditor read it."""

    result = ChoiceField(label=label_of(ChecklistRow, "result"), choices=result_choices, default="")
    notes = TextAreaField(label_of(ChecklistRow, "notes"))
    grade = ChoiceField(label=label_of(Finding, "grade"), default="")
    evidence = TextAreaField(label_of(Finding, "evidence"))
    statement = TextAreaField(label_of(Finding, "statement"))
    requirement = TextAreaField(label_of(Finding, "requirement"))
    other_clause_ids = ClauseIdsField(
        _l("Also breaches (clauses of the audit's standards)"), validate_choice=False
    )

    def __init__(self, *args: Any, grades: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grade.choices = [("", "–")] + [(g.key, g.label) for g in grades or []]


class AddRowForm(FlaskForm):
    clause_id = _chosen_id(label_of(ChecklistRow, "clause_id"))
    text = TextAreaField(label_of(ChecklistRow, "text"), validators=[DataRequired(REQUIRED)])

    def __init__(
        self, *args: Any, clauses: list | None = None, with_standard: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.clause_id.choices = [
            (c.id, f"{c.standard.short_name} {c.label}" if with_standard else c.label)
            for c in clauses or []
        ]


class CopyChecklistForm(FlaskForm):
    source_id = _chosen_id(_l("Copy from"))

    def __init__(self, *args: Any, audits: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source_id.choices = [(a.id, a.reference) for a in audits or []]


class EvidenceForm(FlaskForm):
    file = FileField(_l("Evidence file"), validators=[FileRequired(REQUIRED)])
    description = StringField(_l("Description"), validators=[max_length(255)])


class FindingForm(VersionedForm):
    """A finding's grade and texts; the version is that of the finding's checklist row."""

    grade = ChoiceField(label=label_of(Finding, "grade"), validators=[InputRequired(REQUIRED)])
    requirement = TextAreaField(label_of(Finding, "requirement"))
    evidence = TextAreaField(label_of(Finding, "evidence"))
    statement = TextAreaField(label_of(Finding, "statement"), validators=[DataRequired(REQUIRED)])
    other_clause_ids = ClauseIdsField(
        _l("Also breaches (clauses of the audit's standards)"), validate_choice=False
    )

    def __init__(self, *args: Any, grades: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grade.choices = [(g.key, g.label) for g in grades or []]


class AuditFilterForm(FlaskForm):
    """Which audits a list shows (the index page and GET /audits)."""

    class Meta:
        csrf = False

    status = ChoiceField(
        label_of(Audit, "status"),
        choices=[("", _l("All")), *enum_choices(AuditStatus.labels())],
        default="",
        validators=[Optional()],
    )
    agency_id = WholeNumberField(
        label_of(Audit, "agency_id"),
        validators=[Optional(), AN_ID],
    )
