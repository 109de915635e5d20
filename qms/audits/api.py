"""/api/v1 for audit programmes, audits, checklist rows, findings and the compliance figures:
the same forms, operations and policies as the pages."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import Optional

from qms.api.core import json_body
from qms.api.records import Records
from qms.api.schema import unbound_fields
from qms.audits import checklist, figures, grades, operations, queries, workflow
from qms.audits.forms import (
    AN_ID,
    AddRowForm,
    AuditDetailsForm,
    AuditFilterForm,
    AuditForm,
    FindingForm,
    MemberForm,
    ProgrammeForm,
    ProgrammeItemForm,
    RowForm,
)
from qms.audits.models import Audit, AuditProgramme, ChecklistRow, Finding, ProgrammeItem
from qms.audits.policies import city_of
from qms.audits.resources import (
    AuditOut,
    AuditProgrammeOut,
    ChecklistRowOut,
    ClauseComplianceOut,
    FindingOut,
)
from qms.core.forms import WholeNumberField
from qms.core.labels import label_of
from qms.core.timeutil import to_local
from qms.extensions import db
from qms.organisations.models import Agency
from qms.standards.queries import standards

# --- input ---------------------------------------------------------------------------------


class ProgrammeInput(ProgrammeForm):
    """The programme form, plus its city (the page asks for it; through the API it may be left
    out by someone who plans audits in one city only)."""

    city_id = WholeNumberField(label_of(AuditProgramme, "city_id"), validators=[Optional(), AN_ID])


class ReportInput(FlaskForm):
    """Issuing the report: unanswered rows are recorded as "not audited" only when confirmed
    (without it, the report with unanswered rows is refused with 409)."""

    confirm_unanswered = BooleanField(_l("Record the unanswered rows as “not audited”"))


TAG = "audits"


# --- current values for PATCH -------------------------------------------------------------


def _current(form_class: type, *records: Any) -> dict[str, Any]:
    """The records' values of the form's fields as the form reads them, so that a PATCH sends
    only what changes (the version read is never taken from the record: the client sends it)."""
    values: dict[str, Any] = {}
    for name, _unbound in unbound_fields(form_class):
        record = next((r for r in records if r is not None and hasattr(r, name)), None)
        if name == "version" or record is None:
            continue
        value = getattr(record, name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime):
            # as typed in the offices' time zone (MomentField)
            value = to_local(value).strftime("%Y-%m-%dT%H:%M")
        if value is not None:
            values[name] = value
    return values


def _patched(form_class: type, *parts: str) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    """What a PATCH validates: the form's values of the record (and of its `parts`, e.g. a
    row's finding) with the body's changes."""

    def current(record: Any, body: dict[str, Any]) -> dict[str, Any]:
        return {**_current(form_class, record, *(getattr(record, p) for p in parts)), **body}

    return current


# --- programmes ---------------------------------------------------------------------------

programmes = Records("/audit-programmes", AuditProgramme, AuditProgrammeOut, TAG, "programme_id")


@programmes.list()
def list_programmes(user: Any, _filters: None) -> Any:
    """Audit programmes the caller may see"""
    return queries.visible_programmes(user)


@programmes.create(ProgrammeInput)
def create_programme(user: Any, _owner: None, form: ProgrammeInput) -> AuditProgramme:
    """Create a city's programme for a year (city_id may be left out by someone who plans audits
    in one city only)"""
    return operations.create_programme(user, form.city_id.data, form.data)


programmes.get("get_programme", "One programme with its planned audits (planned against done)")


def _item_choices(programme: AuditProgramme) -> dict[str, Any]:
    return {
        "agencies": queries.programme_agencies(current_user, programme),
        "standards": standards(),
    }


@programmes.add("items", ProgrammeItemForm, AuditProgrammeOut, choices=_item_choices)
def add_programme_item(user: Any, programme: AuditProgramme, form: Any) -> AuditProgramme:
    """Add a planned audit to a programme"""
    operations.save_programme_item(user, programme, form.data, None)
    return programme


@programmes.update(ProgrammeForm, current=_patched(ProgrammeForm), permission=None)
def update_programme(user: Any, programme: AuditProgramme, form: ProgrammeForm) -> None:
    """Change a programme's year, title or objectives (send only what changes)"""
    operations.update_programme(user, programme, form.data)


@programmes.act("archive")
def archive_programme(user: Any, programme: AuditProgramme, _form: None) -> None:
    """Archive a programme (never deleted; it stays readable and no longer changes)"""
    workflow.archive_programme(user, programme)


def _programme_of(item: ProgrammeItem) -> AuditProgramme:
    """An item's programme, its items read again (one may have left it)."""
    db.session.expire(item.programme, ["items"])
    return item.programme


items = Records(
    "/audit-programme-items", ProgrammeItem, AuditProgrammeOut, TAG, "item_id", _programme_of
)


@items.update(
    ProgrammeItemForm,
    current=_patched(ProgrammeItemForm),
    choices=lambda item: _item_choices(item.programme),
    permission=None,
)
def update_programme_item(user: Any, item: ProgrammeItem, form: ProgrammeItemForm) -> None:
    """Change a planned audit of a programme: month, kind, agency, clauses, reason"""
    operations.save_programme_item(user, item.programme, form.data, item)


@items.act("archive")
def archive_programme_item(user: Any, item: ProgrammeItem, _form: None) -> None:
    """Take a planned audit out of its programme (archived; refused once it has an audit)"""
    workflow.archive_programme_item(user, item)


# --- audits -------------------------------------------------------------------------------

audits = Records("/audits", Audit, AuditOut, TAG, "audit_id")


@audits.list(filters=AuditFilterForm, build=AuditOut.page_of, keyset=True)
def list_audits(user: Any, filters: AuditFilterForm) -> Any:
    """Audits the caller may see"""
    return queries.audit_list(
        user, status=filters.status.data or None, agency_id=filters.agency_id.data
    )


def _new_audit_choices(_data: dict[str, Any]) -> dict[str, Any]:
    agencies = queries.planning_agencies(current_user)
    return {
        "agencies": agencies,
        "units": queries.units_of(current_user, agencies),
        "auditors": queries.auditors_of({a.city_id for a in agencies}),
        "standards": standards(),
    }


@audits.create(AuditForm, choices=_new_audit_choices)
def create_audit(user: Any, _owner: None, form: AuditForm) -> Audit:
    """Plan an audit"""
    return operations.create_audit(user, form.data)


audits.get("get_audit", "One audit")


def _team_choices(audit: Audit) -> dict[str, Any]:
    return {"auditors": queries.auditors_of({city_of(audit)})}


@audits.update(
    AuditDetailsForm,
    current=_patched(AuditDetailsForm),
    choices=lambda audit: {"units": audit.agency.units, **_team_choices(audit)},
    permission=None,
)
def update_audit(user: Any, audit: Audit, form: AuditDetailsForm) -> None:
    """Change an audit's plan, team lead, meetings or report texts"""
    operations.update_audit(user, audit, form.data)


@audits.add("team", MemberForm, AuditOut, choices=_team_choices)
def add_member(user: Any, audit: Audit, form: MemberForm) -> Audit:
    """Add an auditor to the team (refused for an auditor of the audited agency)"""
    operations.add_member(user, audit, form.user_id.data)
    return audit


# the report's body may be left out: nothing is confirmed then
@audits.steps(
    "{step}_audit",
    {"start": None, "report": ReportInput, "close": None},
    {
        "start": "Start the audit (its checklist is generated from the standard's questions)",
        "report": "Issue the report (unanswered rows need confirm_unanswered, else 409)",
        "close": "Close the audit (once the action plan of every nonconformity is accepted)",
    },
    optional=True,
)
def take_audit_step(user: Any, audit: Audit, step: str, form: ReportInput | None) -> None:
    confirmed = bool(form and form.confirm_unanswered.data)
    workflow.transition(user, audit, step, confirm_unanswered=confirmed)


# --- checklist rows and findings ----------------------------------------------------------


@audits.children("checklist", ChecklistRowOut)
def list_rows(_user: Any, audit: Audit) -> list[ChecklistRow]:
    """An audit's checklist rows"""
    return audit.rows


@audits.add(
    "checklist",
    AddRowForm,
    ChecklistRowOut,
    choices=lambda audit: {"clauses": queries.audit_clauses(audit)},
)
def add_row(user: Any, audit: Audit, form: AddRowForm) -> ChecklistRow:
    """Add the auditor's own question to the checklist"""
    return checklist.add_row(user, audit, form.clause_id.data, form.text.data)


def _with_clauses(form: RowForm | FindingForm) -> dict[str, Any]:
    """The form's values; `other_clause_ids: []` sent clears a finding's further clauses (an
    empty list reaches the form as nothing sent, which leaves them as they are)."""
    values = dict(form.data)
    if json_body().get("other_clause_ids") == []:
        values["other_clause_ids"] = []
    return values


def _grades(_record: Any) -> dict[str, Any]:
    return {"grades": grades.grades()}


@Records("/checklist-rows", ChecklistRow, ChecklistRowOut, TAG, "row_id").update(
    RowForm, current=_patched(RowForm, "finding"), choices=_grades, permission=None
)
def save_row(user: Any, row: ChecklistRow, form: RowForm) -> None:
    """Record a row's result (a nonconform, observation or OFI row becomes a finding); send the
    row's version as read"""
    checklist.record_row(user, row, _with_clauses(form), version=form.version.data)


@audits.children("findings", FindingOut)
def list_findings(_user: Any, audit: Audit) -> list[Finding]:
    """An audit's findings"""
    return audit.active_findings


findings = Records("/findings", Finding, FindingOut, TAG, "finding_id")
findings.get("get_finding", "One finding")


@findings.update(FindingForm, current=_patched(FindingForm), choices=_grades, permission=None)
def update_finding(user: Any, finding: Finding, form: FindingForm) -> None:
    """Change a finding's grade or texts (its row's result follows the grade); send the version
    of its row as read"""
    checklist.update_finding(user, finding, _with_clauses(form), version=form.version.data)


@Records("/agencies", Agency, ClauseComplianceOut, TAG, "agency_id").children(
    "compliance", ClauseComplianceOut
)
def agency_compliance(user: Any, agency: Agency) -> list[figures.ClauseCompliance]:
    """Compliance per clause, each from the agency's latest issued audit that assessed it"""
    return figures.compliance_by_clause(agency, user)
