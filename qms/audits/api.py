"""/api/v1 for audit programmes, audits, checklist rows and findings: the same services and
permissions as the pages."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from wtforms.fields.core import UnboundField

from qms.accounts.queries import auditors_of_city
from qms.api.core import api_route, iso, json_body, ok, paginate, schemas, validate_form
from qms.audits import grades, services
from qms.audits.forms import (
    AddRowForm,
    AuditDetailsForm,
    AuditForm,
    FindingForm,
    MemberForm,
    ProgrammeForm,
    ProgrammeItemForm,
    RowForm,
)
from qms.audits.models import Audit, AuditProgramme, ChecklistRow, Finding, ProgrammeItem
from qms.core import access
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.organisations.queries import visible_agencies

_obj = {"type": "object"}
_str = {"type": "string"}
_int = {"type": "integer"}
schemas.update(
    {
        "AuditProgramme": {
            "type": "object",
            "properties": {
                "id": _int,
                "city_id": _int,
                "year": _int,
                "title": _str,
                "objectives": _str,
                "archived": {"type": "boolean"},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ProgrammeItem"}},
            },
        },
        "ProgrammeItem": {
            "type": "object",
            "properties": {
                "id": _int,
                "agency_id": _int,
                "kind": _str,
                "planned_month": _int,
                "clause_numbers": {"type": "array", "items": _str},
                "reason": _str,
                "audit_ids": {"type": "array", "items": _int},
                "done": {"type": "boolean"},
            },
        },
        "Audit": {
            "type": "object",
            "properties": {
                "id": _int,
                "reference": _str,
                "agency_id": _int,
                "kind": _str,
                "status": _str,
                "scope_clauses": {"type": "array", "items": _str},
                "lead_auditor_id": {"type": "integer", "nullable": True},
                "team": {"type": "array", "items": _obj},
                "compliance": {"type": "number", "nullable": True},
            },
        },
        "AuditInput": {
            "type": "object",
            "required": ["agency_id", "planned_start", "scope_clauses", "objectives"],
            "properties": {
                "agency_id": _int,
                "kind": _str,
                "planned_start": {"type": "string", "format": "date"},
                "planned_end": {"type": "string", "format": "date"},
                "scope_clauses": {"type": "array", "items": _str},
                "objectives": _str,
                "criteria": _str,
                "lead_auditor_id": _int,
                "programme_item_id": _int,
            },
        },
        "ChecklistRow": {
            "type": "object",
            "properties": {
                "id": _int,
                "version": {"type": "integer", "description": "send it back when saving"},
                "clause": _str,
                "question": _str,
                "result": {"type": "string", "nullable": True},
                "notes": _str,
                "finding": {"type": "string", "nullable": True},
            },
        },
        "RowInput": {
            "type": "object",
            "required": ["version"],
            "description": "the row's version as read: a save based on an older read is "
            "refused with 409 and changes nothing",
            "properties": {
                "version": _int,
                "result": _str,
                "notes": _str,
                "grade": _str,
                "evidence": _str,
                "statement": _str,
                "requirement": _str,
            },
        },
        "Finding": {
            "type": "object",
            "properties": {
                "id": _int,
                "number": _str,
                "audit_id": _int,
                "row_id": _int,
                "version": {
                    "type": "integer",
                    "description": "the version of the finding's checklist row: send it back "
                    "when changing the finding",
                },
                "clause": _str,
                "grade": _str,
                "requirement": _str,
                "evidence": _str,
                "statement": _str,
                "follow_up_required": {"type": "boolean"},
                "due_date": {"type": "string", "format": "date", "nullable": True},
                "nonconformity": {
                    "type": "object",
                    "nullable": True,
                    "properties": {"id": _int, "number": _str},
                },
            },
        },
    }
)


def programme_json(programme: AuditProgramme) -> dict:
    return {
        "id": programme.id,
        "city_id": programme.city_id,
        "year": programme.year,
        "title": programme.title,
        "objectives": programme.objectives,
        "archived": programme.is_archived,
        "items": [
            {
                "id": line.item.id,
                "agency_id": line.item.agency_id,
                "kind": line.item.kind.value,
                "planned_month": line.item.planned_month,
                "clause_numbers": line.item.clause_numbers,
                "reason": line.item.reason,
                "audit_ids": [a.id for a in line.audits],
                "done": line.done,
            }
            for line in services.programme_lines(programme)
        ],
    }


def audit_json(audit: Audit) -> dict:
    return {
        "id": audit.id,
        "reference": audit.reference,
        "agency_id": audit.agency_id,
        "programme_item_id": audit.programme_item_id,
        "standard": audit.standard.code,
        "kind": audit.kind.value,
        "status": audit.status.value,
        "objectives": audit.objectives,
        "scope_clauses": audit.scope_clauses,
        "scope_unit_ids": audit.scope_unit_ids,
        "scope_processes": audit.scope_processes,
        "criteria": audit.criteria,
        "planned_start": iso(audit.planned_start),
        "planned_end": iso(audit.planned_end),
        "actual_start": iso(audit.actual_start),
        "actual_end": iso(audit.actual_end),
        "lead_auditor_id": audit.lead_auditor_id,
        "team": [{"id": u.id, "name": u.name} for u in audit.team],
        "auditee_representatives": audit.auditee_representatives,
        "conclusion": audit.conclusion,
        "degree_of_conformity": audit.degree_of_conformity,
        "disagreements": audit.disagreements,
        "areas_not_covered": audit.areas_not_covered,
        "reported_at": iso(audit.reported_at),
        "closed_at": iso(audit.closed_at),
        "compliance": services.tally(audit.rows).compliance,
    }


def row_json(row: ChecklistRow) -> dict:
    return {
        "id": row.id,
        "version": row.version,
        "audit_id": row.audit_id,
        "clause": row.clause.number,
        "question_key": row.question.key if row.question else None,
        "question": row.question_text,
        "result": row.result.value if row.result else None,
        "notes": row.notes,
        "finding": row.finding.number if row.finding else None,
    }


def finding_json(finding: Finding) -> dict:
    return {
        "id": finding.id,
        "number": finding.number,
        "audit_id": finding.audit_id,
        "row_id": finding.row_id,
        "version": finding.row.version,
        "clause": finding.clause.number,
        "grade": finding.grade,
        "requirement": finding.requirement,
        "evidence": finding.evidence,
        "statement": finding.statement,
        "follow_up_required": finding.follow_up_required,
        "due_date": iso(finding.due_date),
        # the corrective action raised when the report was issued (see Finding's docstring);
        # GET /nonconformities/<id> answers only those who may see it
        "nonconformity": (
            {"id": finding.nonconformity.id, "number": finding.nonconformity.number}
            if finding.nonconformity
            else None
        ),
    }


# --- programmes -------------------------------------------------------------------------------


@api_route(
    "/audit-programmes",
    summary="Audit programmes the caller may see",
    tag="audits",
    response_schema="AuditProgramme",
    many=True,
)
def list_programmes():
    query = access.scoped(AuditProgramme, current_user, include_archived=True).order_by(
        AuditProgramme.year.desc()
    )
    return paginate(query, programme_json)


@api_route(
    "/audit-programmes",
    ("POST",),
    summary="Create a city's programme for a year",
    tag="audits",
    response_schema="AuditProgramme",
)
def create_programme():
    data = json_body()
    form = validate_form(ProgrammeForm, data)
    city_id = data.get("city_id") or next(iter(sorted(services.planning_cities(current_user))), 0)
    programme = services.create_programme(current_user, int(city_id), form.data)
    db.session.commit()
    return ok(programme_json(programme), 201)


@api_route(
    "/audit-programmes/<int:programme_id>",
    summary="One programme with its planned audits (planned against done)",
    tag="audits",
    response_schema="AuditProgramme",
)
def get_programme(programme_id: int):
    return ok(programme_json(access.get_visible(AuditProgramme, programme_id, current_user)))


@api_route(
    "/audit-programmes/<int:programme_id>/items",
    ("POST",),
    summary="Add a planned audit to a programme",
    tag="audits",
    response_schema="AuditProgramme",
)
def add_programme_item(programme_id: int):
    programme = access.get_visible(AuditProgramme, programme_id, current_user)
    agencies = [a for a in visible_agencies(current_user) if a.city_id == programme.city_id]
    form = validate_form(ProgrammeItemForm, json_body(), agencies=agencies)
    services.save_programme_item(current_user, programme, form.data, None)
    db.session.commit()
    return ok(programme_json(programme), 201)


@api_route(
    "/audit-programmes/<int:programme_id>",
    ("PATCH",),
    summary="Change a programme's year, title or objectives (send only what changes)",
    tag="audits",
    response_schema="AuditProgramme",
)
def update_programme(programme_id: int):
    programme = access.get_visible(AuditProgramme, programme_id, current_user)
    current = {
        "year": programme.year,
        "title": programme.title,
        "objectives": programme.objectives,
    }
    form = validate_form(ProgrammeForm, {**current, **json_body()})
    services.update_programme(current_user, programme, form.data)
    db.session.commit()
    return ok(programme_json(programme))


@api_route(
    "/audit-programmes/<int:programme_id>/archive",
    ("POST",),
    summary="Archive a programme (never deleted; it stays readable and no longer changes)",
    tag="audits",
    response_schema="AuditProgramme",
)
def archive_programme(programme_id: int):
    programme = access.get_visible(AuditProgramme, programme_id, current_user)
    services.archive_programme(current_user, programme)
    db.session.commit()
    return ok(programme_json(programme))


@api_route(
    "/audit-programme-items/<int:item_id>",
    ("PATCH",),
    summary="Change a planned audit of a programme: month, kind, agency, clauses, reason",
    tag="audits",
    response_schema="AuditProgramme",
)
def update_programme_item(item_id: int):
    item = access.get_visible(ProgrammeItem, item_id, current_user)
    programme = item.programme
    current = {
        "agency_id": item.agency_id,
        "kind": item.kind.value,
        "planned_month": item.planned_month,
        "clause_numbers": item.clause_numbers,
        "reason": item.reason,
    }
    agencies = [a for a in visible_agencies(current_user) if a.city_id == programme.city_id]
    form = validate_form(ProgrammeItemForm, {**current, **json_body()}, agencies=agencies)
    services.save_programme_item(current_user, programme, form.data, item)
    db.session.commit()
    return ok(programme_json(programme))


@api_route(
    "/audit-programme-items/<int:item_id>/archive",
    ("POST",),
    summary="Take a planned audit out of its programme (archived; refused once it has an audit)",
    tag="audits",
    response_schema="AuditProgramme",
)
def archive_programme_item(item_id: int):
    item = access.get_visible(ProgrammeItem, item_id, current_user)
    services.archive_programme_item(current_user, item)
    db.session.commit()
    db.session.expire(item.programme, ["items"])
    return ok(programme_json(item.programme))


# --- audits -----------------------------------------------------------------------------------


@api_route(
    "/audits", summary="Audits the caller may see", tag="audits", response_schema="Audit", many=True
)
def list_audits():
    query = services.visible_audits(
        current_user,
        status=request.args.get("status") or None,
        agency_id=request.args.get("agency_id", type=int),
    )
    return paginate(query, audit_json)


def _audit_form_kwargs(city_ids: set[int]) -> dict[str, Any]:
    agencies = [a for a in visible_agencies(current_user) if a.city_id in city_ids]
    units = db.session.scalars(
        access.scoped(Unit, current_user).where(Unit.agency_id.in_([a.id for a in agencies]))
    ).all()
    auditors = [u for c in sorted(city_ids) for u in auditors_of_city(c)]
    return {"agencies": agencies, "units": units, "auditors": auditors}


@api_route(
    "/audits",
    ("POST",),
    summary="Plan an audit",
    tag="audits",
    request_schema="AuditInput",
    response_schema="Audit",
)
def create_audit():
    data = json_body()
    kwargs = _audit_form_kwargs(services.planning_cities(current_user))
    form = validate_form(AuditForm, data, **kwargs)
    audit = services.create_audit(current_user, form.data)
    db.session.commit()
    return ok(audit_json(audit), 201)


@api_route("/audits/<int:audit_id>", summary="One audit", tag="audits", response_schema="Audit")
def get_audit(audit_id: int):
    return ok(audit_json(access.get_visible(Audit, audit_id, current_user)))


def _details_data(audit: Audit) -> dict[str, Any]:
    """The audit's current values, so a PATCH need only send what changes."""
    names = [n for n, v in vars(AuditDetailsForm).items() if isinstance(v, UnboundField)]
    data: dict[str, Any] = {"lead_auditor_id": audit.lead_auditor_id or 0}
    for name in names:
        value = getattr(audit, name, None)
        if isinstance(value, list):
            data[name] = value
        elif hasattr(value, "isoformat"):
            data[name] = (
                value.strftime("%Y-%m-%dT%H:%M") if hasattr(value, "hour") else (value.isoformat())
            )
        elif value is not None:
            data[name] = value
    return data


@api_route(
    "/audits/<int:audit_id>",
    ("PATCH",),
    summary="Change an audit's plan, team lead, meetings or report texts",
    tag="audits",
    response_schema="Audit",
)
def update_audit(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    data = {**_details_data(audit), **json_body()}
    kwargs = _audit_form_kwargs({services.city_of(audit)})
    form = validate_form(
        AuditDetailsForm, data, units=audit.agency.units, auditors=kwargs["auditors"]
    )
    services.update_audit(current_user, audit, form.data)
    db.session.commit()
    return ok(audit_json(audit))


@api_route(
    "/audits/<int:audit_id>/team",
    ("POST",),
    summary="Add an auditor to the team (refused for an auditor of the audited agency)",
    tag="audits",
    response_schema="Audit",
)
def add_member(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    form = validate_form(
        MemberForm, json_body(), auditors=auditors_of_city(services.city_of(audit))
    )
    services.add_member(current_user, audit, form.user_id.data)
    db.session.commit()
    return ok(audit_json(audit), 201)


@api_route(
    "/audits/<int:audit_id>/transitions/<name>",
    ("POST",),
    summary="start, report (with confirm_unanswered) or close",
    tag="audits",
    response_schema="Audit",
)
def transition(audit_id: int, name: str):
    audit = access.get_visible(Audit, audit_id, current_user)
    data = request.get_json(silent=True) or {}
    services.transition(
        current_user, audit, name, confirm_unanswered=data.get("confirm_unanswered") is True
    )
    db.session.commit()
    return ok(audit_json(audit))


# --- checklist rows and findings --------------------------------------------------------------


@api_route(
    "/audits/<int:audit_id>/checklist",
    summary="An audit's checklist rows",
    tag="audits",
    response_schema="ChecklistRow",
    many=True,
)
def list_rows(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    return ok([row_json(r) for r in audit.rows])


@api_route(
    "/audits/<int:audit_id>/checklist",
    ("POST",),
    summary="Add the auditor's own question to the checklist",
    tag="audits",
    response_schema="ChecklistRow",
)
def add_row(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    form = validate_form(AddRowForm, json_body(), clauses=audit.standard.clauses)
    row = services.add_row(current_user, audit, form.clause_id.data, form.text.data)
    db.session.commit()
    return ok(row_json(row), 201)


@api_route(
    "/checklist-rows/<int:row_id>",
    ("PATCH",),
    summary="Record a row's result (a nonconform, observation or OFI row becomes a finding)",
    tag="audits",
    request_schema="RowInput",
    response_schema="ChecklistRow",
)
def save_row(row_id: int):
    row = access.get_visible(ChecklistRow, row_id, current_user)
    current = {
        "result": row.result.value if row.result else "",
        "notes": row.notes,
        **(
            {
                "grade": row.finding.grade,
                "evidence": row.finding.evidence,
                "statement": row.finding.statement,
                "requirement": row.finding.requirement,
            }
            if row.finding
            else {}
        ),
    }
    form = validate_form(RowForm, {**current, **json_body()}, grades=grades.grades())
    services.record_row(current_user, row, form.data, version=form.version.data)
    db.session.commit()
    return ok(row_json(row))


@api_route(
    "/audits/<int:audit_id>/findings",
    summary="An audit's findings",
    tag="audits",
    response_schema="Finding",
    many=True,
)
def list_findings(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    return ok([finding_json(f) for f in audit.active_findings])


@api_route(
    "/findings/<int:finding_id>", summary="One finding", tag="audits", response_schema="Finding"
)
def get_finding(finding_id: int):
    return ok(finding_json(access.get_visible(Finding, finding_id, current_user)))


@api_route(
    "/findings/<int:finding_id>",
    ("PATCH",),
    summary="Change a finding's grade or texts (its row's result follows the grade)",
    tag="audits",
    response_schema="Finding",
)
def update_finding(finding_id: int):
    finding = access.get_visible(Finding, finding_id, current_user)
    current = {
        "grade": finding.grade,
        "requirement": finding.requirement,
        "evidence": finding.evidence,
        "statement": finding.statement,
    }
    form = validate_form(FindingForm, {**current, **json_body()}, grades=grades.grades())
    services.update_finding(current_user, finding, form.data, version=form.version.data)
    db.session.commit()
    return ok(finding_json(finding))


@api_route(
    "/agencies/<int:agency_id>/compliance",
    summary="Compliance per clause from the agency's latest audits",
    tag="audits",
)
def agency_compliance(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    return ok(
        [
            {
                "clause": f.clause.number,
                "audit": f.audit.reference,
                "conform": f.tally.conform,
                "observation": f.tally.observation,
                "nonconform": f.tally.nonconform,
                "assessed": f.tally.assessed,
                "compliance": f.tally.compliance,
            }
            for f in services.compliance_by_clause(agency, current_user)
        ]
    )
