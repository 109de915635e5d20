"""/api/v1 for audit programmes, audits, checklist rows, findings and the compliance figures:
the same forms, operations and policies as the pages."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import Optional

from qms.api.core import (
    api_children,
    api_record,
    api_route,
    json_body,
    ok,
    optional_json_body,
    paginate,
    validate_form,
)
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
from qms.core import access
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


# --- programmes ---------------------------------------------------------------------------


@api_route(
    "/audit-programmes",
    summary="Audit programmes the caller may see",
    tag="audits",
    response=AuditProgrammeOut,
    paged=True,
)
def list_programmes():
    return paginate(queries.visible_programmes(current_user), AuditProgrammeOut)


@api_route(
    "/audit-programmes",
    ("POST",),
    summary="Create a city's programme for a year (city_id may be left out by someone who "
    "plans audits in one city only)",
    tag="audits",
    body=ProgrammeInput,
    response=AuditProgrammeOut,
    status=201,
)
def create_programme():
    form = validate_form(ProgrammeInput, json_body())
    programme = operations.create_programme(current_user, form.city_id.data, form.data)
    db.session.commit()
    return ok(AuditProgrammeOut.of(programme))


api_record(
    "get_programme",
    "/audit-programmes/<int:programme_id>",
    AuditProgramme,
    AuditProgrammeOut,
    "One programme with its planned audits (planned against done)",
    "audits",
)


@api_route(
    "/audit-programmes/<int:programme_id>/items",
    ("POST",),
    summary="Add a planned audit to a programme",
    tag="audits",
    body=ProgrammeItemForm,
    response=AuditProgrammeOut,
    status=201,
)
def add_programme_item(programme_id: int):
    programme = access.get_visible(AuditProgramme, programme_id, current_user)
    agencies = queries.programme_agencies(current_user, programme)
    form = validate_form(ProgrammeItemForm, json_body(), agencies=agencies, standards=standards())
    operations.save_programme_item(current_user, programme, form.data, None)
    db.session.commit()
    return ok(AuditProgrammeOut.of(programme))


@api_route(
    "/audit-programmes/<int:programme_id>",
    ("PATCH",),
    summary="Change a programme's year, title or objectives (send only what changes)",
    tag="audits",
    body=ProgrammeForm,
    response=AuditProgrammeOut,
)
def update_programme(programme_id: int):
    programme = access.get_visible(AuditProgramme, programme_id, current_user)
    data = {**_current(ProgrammeForm, programme), **json_body()}
    form = validate_form(ProgrammeForm, data)
    operations.update_programme(current_user, programme, form.data)
    db.session.commit()
    return ok(AuditProgrammeOut.of(programme))


@api_route(
    "/audit-programmes/<int:programme_id>/archive",
    ("POST",),
    summary="Archive a programme (never deleted; it stays readable and no longer changes)",
    tag="audits",
    response=AuditProgrammeOut,
)
def archive_programme(programme_id: int):
    programme = access.get_visible(AuditProgramme, programme_id, current_user)
    workflow.archive_programme(current_user, programme)
    db.session.commit()
    return ok(AuditProgrammeOut.of(programme))


@api_route(
    "/audit-programme-items/<int:item_id>",
    ("PATCH",),
    summary="Change a planned audit of a programme: month, kind, agency, clauses, reason",
    tag="audits",
    body=ProgrammeItemForm,
    response=AuditProgrammeOut,
)
def update_programme_item(item_id: int):
    item = access.get_visible(ProgrammeItem, item_id, current_user)
    programme = item.programme
    agencies = queries.programme_agencies(current_user, programme)
    data = {**_current(ProgrammeItemForm, item), **json_body()}
    form = validate_form(ProgrammeItemForm, data, agencies=agencies, standards=standards())
    operations.save_programme_item(current_user, programme, form.data, item)
    db.session.commit()
    return ok(AuditProgrammeOut.of(programme))


@api_route(
    "/audit-programme-items/<int:item_id>/archive",
    ("POST",),
    summary="Take a planned audit out of its programme (archived; refused once it has an audit)",
    tag="audits",
    response=AuditProgrammeOut,
)
def archive_programme_item(item_id: int):
    item = access.get_visible(ProgrammeItem, item_id, current_user)
    workflow.archive_programme_item(current_user, item)
    db.session.commit()
    db.session.expire(item.programme, ["items"])
    return ok(AuditProgrammeOut.of(item.programme))


# --- audits -------------------------------------------------------------------------------


@api_route(
    "/audits",
    summary="Audits the caller may see",
    tag="audits",
    query=AuditFilterForm,
    response=AuditOut,
    paged=True,
)
def list_audits():
    filters = validate_form(AuditFilterForm, request.args.to_dict())
    query = queries.audit_list(
        current_user, status=filters.status.data or None, agency_id=filters.agency_id.data
    )
    return paginate(query, AuditOut, AuditOut.page_of, keyset=True)


@api_route(
    "/audits",
    ("POST",),
    summary="Plan an audit",
    tag="audits",
    body=AuditForm,
    response=AuditOut,
    status=201,
)
def create_audit():
    agencies = queries.planning_agencies(current_user)
    form = validate_form(
        AuditForm,
        json_body(),
        agencies=agencies,
        units=queries.units_of(current_user, agencies),
        auditors=queries.auditors_of({a.city_id for a in agencies}),
        standards=standards(),
    )
    audit = operations.create_audit(current_user, form.data)
    db.session.commit()
    return ok(AuditOut.of(audit))


api_record("get_audit", "/audits/<int:audit_id>", Audit, AuditOut, "One audit", "audits")


@api_route(
    "/audits/<int:audit_id>",
    ("PATCH",),
    summary="Change an audit's plan, team lead, meetings or report texts",
    tag="audits",
    body=AuditDetailsForm,
    response=AuditOut,
)
def update_audit(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    data = {**_current(AuditDetailsForm, audit), **json_body()}
    form = validate_form(
        AuditDetailsForm,
        data,
        units=audit.agency.units,
        auditors=queries.auditors_of({city_of(audit)}),
    )
    operations.update_audit(current_user, audit, form.data)
    db.session.commit()
    return ok(AuditOut.of(audit))


@api_route(
    "/audits/<int:audit_id>/team",
    ("POST",),
    summary="Add an auditor to the team (refused for an auditor of the audited agency)",
    tag="audits",
    body=MemberForm,
    response=AuditOut,
    status=201,
)
def add_member(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    auditors = queries.auditors_of({city_of(audit)})
    form = validate_form(MemberForm, json_body(), auditors=auditors)
    operations.add_member(current_user, audit, form.user_id.data)
    db.session.commit()
    return ok(AuditOut.of(audit))


def _take_step(audit_id: int, name: str, *, confirm_unanswered: bool = False):
    audit = access.get_visible(Audit, audit_id, current_user)
    workflow.transition(current_user, audit, name, confirm_unanswered=confirm_unanswered)
    db.session.commit()
    return ok(AuditOut.of(audit))


@api_route(
    "/audits/<int:audit_id>/transitions/start",
    ("POST",),
    summary="Start the audit (its checklist is generated from the standard's questions)",
    tag="audits",
    response=AuditOut,
)
def start_audit(audit_id: int):
    return _take_step(audit_id, "start")


@api_route(
    "/audits/<int:audit_id>/transitions/report",
    ("POST",),
    summary="Issue the report (unanswered rows need confirm_unanswered, else 409)",
    tag="audits",
    body=ReportInput,
    response=AuditOut,
)
def report_audit(audit_id: int):
    # the body may be left out: nothing is confirmed then
    form = validate_form(ReportInput, optional_json_body())
    return _take_step(audit_id, "report", confirm_unanswered=bool(form.confirm_unanswered.data))


@api_route(
    "/audits/<int:audit_id>/transitions/close",
    ("POST",),
    summary="Close the audit (once the action plan of every nonconformity is accepted)",
    tag="audits",
    response=AuditOut,
)
def close_audit(audit_id: int):
    return _take_step(audit_id, "close")


# --- checklist rows and findings ----------------------------------------------------------


api_children(
    "list_rows",
    "/audits/<int:audit_id>/checklist",
    Audit,
    lambda _user, audit: audit.rows,
    ChecklistRowOut,
    "An audit's checklist rows",
    "audits",
)


@api_route(
    "/audits/<int:audit_id>/checklist",
    ("POST",),
    summary="Add the auditor's own question to the checklist",
    tag="audits",
    body=AddRowForm,
    response=ChecklistRowOut,
    status=201,
)
def add_row(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    form = validate_form(AddRowForm, json_body(), clauses=queries.audit_clauses(audit))
    row = checklist.add_row(current_user, audit, form.clause_id.data, form.text.data)
    db.session.commit()
    return ok(ChecklistRowOut.of(row))


@api_route(
    "/checklist-rows/<int:row_id>",
    ("PATCH",),
    summary="Record a row's result (a nonconform, observation or OFI row becomes a finding); "
    "send the row's version as read",
    tag="audits",
    body=RowForm,
    response=ChecklistRowOut,
)
def save_row(row_id: int):
    row = access.get_visible(ChecklistRow, row_id, current_user)
    data = {**_current(RowForm, row, row.finding), **json_body()}
    form = validate_form(RowForm, data, grades=grades.grades())
    checklist.record_row(current_user, row, _with_clauses(form), version=form.version.data)
    db.session.commit()
    return ok(ChecklistRowOut.of(row))


def _with_clauses(form: RowForm | FindingForm) -> dict[str, Any]:
    """The form's values; `other_clause_ids: []` sent clears a finding's further clauses (an
    empty list reaches the form as nothing sent, which leaves them as they are)."""
    values = dict(form.data)
    if json_body().get("other_clause_ids") == []:
        values["other_clause_ids"] = []
    return values


api_children(
    "list_findings",
    "/audits/<int:audit_id>/findings",
    Audit,
    lambda _user, audit: audit.active_findings,
    FindingOut,
    "An audit's findings",
    "audits",
)


api_record(
    "get_finding", "/findings/<int:finding_id>", Finding, FindingOut, "One finding", "audits"
)


@api_route(
    "/findings/<int:finding_id>",
    ("PATCH",),
    summary="Change a finding's grade or texts (its row's result follows the grade); send the "
    "version of its row as read",
    tag="audits",
    body=FindingForm,
    response=FindingOut,
)
def update_finding(finding_id: int):
    finding = access.get_visible(Finding, finding_id, current_user)
    data = {**_current(FindingForm, finding), **json_body()}
    form = validate_form(FindingForm, data, grades=grades.grades())
    checklist.update_finding(current_user, finding, _with_clauses(form), version=form.version.data)
    db.session.commit()
    return ok(FindingOut.of(finding))


api_children(
    "agency_compliance",
    "/agencies/<int:agency_id>/compliance",
    Agency,
    lambda user, agency: figures.compliance_by_clause(agency, user),
    ClauseComplianceOut,
    "Compliance per clause, each from the agency's latest issued audit that assessed it",
    "audits",
)
