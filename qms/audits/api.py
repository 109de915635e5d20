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


TAG = "audits"

# --- programmes ---------------------------------------------------------------------------


def _patched(form_class: type, *parts: str) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    """What a PATCH validates: the form's values of the record (and of its `parts`, e.g. a
    row's finding) with the body's changes."""

    def current(record: Any, body: dict[str, Any]) -> dict[str, Any]:
        return {**_current(form_class, record, *(getattr(record, p) for p in parts)), **body}

    return current


programmes = Records("/audit-programmes", AuditProgramme, AuditProgrammeOut, TAG, "programme_id")
programmes.list(
    "list_programmes",
    "Audit programmes the caller may see",
    lambda user, _filters: queries.visible_programmes(user),
)
programmes.create(
    "create_programme",
    "Create a city's programme for a year (city_id may be left out by someone who plans audits "
    "in one city only)",
    ProgrammeInput,
    lambda user, _owner, form: operations.create_programme(user, form.city_id.data, form.data),
)
programmes.get("get_programme", "One programme with its planned audits (planned against done)")


def _item_choices(programme: AuditProgramme) -> dict[str, Any]:
    return {
        "agencies": queries.programme_agencies(current_user, programme),
        "standards": standards(),
    }


def _add_item(user: Any, programme: AuditProgramme, form: ProgrammeItemForm) -> AuditProgramme:
    operations.save_programme_item(user, programme, form.data, None)
    return programme


programmes.add(
    "add_programme_item",
    "items",
    "Add a planned audit to a programme",
    ProgrammeItemForm,
    _add_item,
    AuditProgrammeOut,
    choices=_item_choices,
)
programmes.update(
    "update_programme",
    "Change a programme's year, title or objectives (send only what changes)",
    ProgrammeForm,
    lambda user, programme, form: operations.update_programme(user, programme, form.data),
    current=_patched(ProgrammeForm),
    permission=None,
)
programmes.act(
    "archive_programme",
    "archive",
    "Archive a programme (never deleted; it stays readable and no longer changes)",
    lambda user, programme, _form: workflow.archive_programme(user, programme),
)


def _programme_of(item: ProgrammeItem) -> AuditProgramme:
    """An item's programme, its items read again (one may have left it)."""
    db.session.expire(item.programme, ["items"])
    return item.programme


items = Records(
    "/audit-programme-items", ProgrammeItem, AuditProgrammeOut, TAG, "item_id", _programme_of
)
items.update(
    "update_programme_item",
    "Change a planned audit of a programme: month, kind, agency, clauses, reason",
    ProgrammeItemForm,
    lambda user, item, form: operations.save_programme_item(user, item.programme, form.data, item),
    current=_patched(ProgrammeItemForm),
    choices=lambda item: _item_choices(item.programme),
    permission=None,
)
items.act(
    "archive_programme_item",
    "archive",
    "Take a planned audit out of its programme (archived; refused once it has an audit)",
    lambda user, item, _form: workflow.archive_programme_item(user, item),
)


# --- audits -------------------------------------------------------------------------------


def _new_audit_choices(_data: dict[str, Any]) -> dict[str, Any]:
    agencies = queries.planning_agencies(current_user)
    return {
        "agencies": agencies,
        "units": queries.units_of(current_user, agencies),
        "auditors": queries.auditors_of({a.city_id for a in agencies}),
        "standards": standards(),
    }


audits = Records("/audits", Audit, AuditOut, TAG, "audit_id")
audits.list(
    "list_audits",
    "Audits the caller may see",
    lambda user, filters: queries.audit_list(
        user, status=filters.status.data or None, agency_id=filters.agency_id.data
    ),
    filters=AuditFilterForm,
    build=AuditOut.page_of,
    keyset=True,
)
audits.create(
    "create_audit",
    "Plan an audit",
    AuditForm,
    lambda user, _owner, form: operations.create_audit(user, form.data),
    choices=_new_audit_choices,
)
audits.get("get_audit", "One audit")
audits.update(
    "update_audit",
    "Change an audit's plan, team lead, meetings or report texts",
    AuditDetailsForm,
    lambda user, audit, form: operations.update_audit(user, audit, form.data),
    current=_patched(AuditDetailsForm),
    choices=lambda audit: {
        "units": audit.agency.units,
        "auditors": queries.auditors_of({city_of(audit)}),
    },
    permission=None,
)


def _add_member(user: Any, audit: Audit, form: MemberForm) -> Audit:
    operations.add_member(user, audit, form.user_id.data)
    return audit


audits.add(
    "add_member",
    "team",
    "Add an auditor to the team (refused for an auditor of the audited agency)",
    MemberForm,
    _add_member,
    AuditOut,
    choices=lambda audit: {"auditors": queries.auditors_of({city_of(audit)})},
)
# the report's body may be left out: nothing is confirmed then
audits.steps(
    "{step}_audit",
    {
        "start": "Start the audit (its checklist is generated from the standard's questions)",
        "report": "Issue the report (unanswered rows need confirm_unanswered, else 409)",
        "close": "Close the audit (once the action plan of every nonconformity is accepted)",
    },
    {"start": None, "report": ReportInput, "close": None},
    lambda user, audit, step, form: workflow.transition(
        user, audit, step, confirm_unanswered=bool(form and form.confirm_unanswered.data)
    ),
    optional=True,
)


# --- checklist rows and findings ----------------------------------------------------------


audits.children(
    "list_rows",
    "checklist",
    "An audit's checklist rows",
    lambda _user, audit: audit.rows,
    ChecklistRowOut,
)
audits.add(
    "add_row",
    "checklist",
    "Add the auditor's own question to the checklist",
    AddRowForm,
    lambda user, audit, form: checklist.add_row(user, audit, form.clause_id.data, form.text.data),
    ChecklistRowOut,
    choices=lambda audit: {"clauses": queries.audit_clauses(audit)},
)


def _with_clauses(form: RowForm | FindingForm) -> dict[str, Any]:
    """The form's values; `other_clause_ids: []` sent clears a finding's further clauses (an
    empty list reaches the form as nothing sent, which leaves them as they are)."""
    values = dict(form.data)
    if json_body().get("other_clause_ids") == []:
        values["other_clause_ids"] = []
    return values


Records("/checklist-rows", ChecklistRow, ChecklistRowOut, TAG, "row_id").update(
    "save_row",
    "Record a row's result (a nonconform, observation or OFI row becomes a finding); send the "
    "row's version as read",
    RowForm,
    lambda user, row, form: checklist.record_row(
        user, row, _with_clauses(form), version=form.version.data
    ),
    current=_patched(RowForm, "finding"),
    choices=lambda _row: {"grades": grades.grades()},
    permission=None,
)
audits.children(
    "list_findings",
    "findings",
    "An audit's findings",
    lambda _user, audit: audit.active_findings,
    FindingOut,
)
findings = Records("/findings", Finding, FindingOut, TAG, "finding_id")
findings.get("get_finding", "One finding")
findings.update(
    "update_finding",
    "Change a finding's grade or texts (its row's result follows the grade); send the version "
    "of its row as read",
    FindingForm,
    lambda user, finding, form: checklist.update_finding(
        user, finding, _with_clauses(form), version=form.version.data
    ),
    current=_patched(FindingForm),
    choices=lambda _finding: {"grades": grades.grades()},
    permission=None,
)
Records("/agencies", Agency, ClauseComplianceOut, TAG, "agency_id").children(
    "agency_compliance",
    "compliance",
    "Compliance per clause, each from the agency's latest issued audit that assessed it",
    lambda user, agency: figures.compliance_by_clause(agency, user),
    ClauseComplianceOut,
)
