"""/api/v1 resources of nonconformities, their actions, complaints and complaint imports."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import NotFound

from qms.api.core import api_route, iso, json_body, ok, paginate, schemas, validate_form
from qms.capa import complaints, services
from qms.capa.forms import (
    FORM_NAMES,
    TRANSITION_FORMS,
    ActionForm,
    ArchiveForm,
    DetailsForm,
    NonconformityForm,
    VersionOnlyForm,
    form_values,
)
from qms.capa.models import Complaint, ComplaintImport, CorrectiveAction, Nonconformity
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied
from qms.extensions import db
from qms.files.queries import files_of

schemas.update(
    {
        "Nonconformity": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "string"},
                "version": {"type": "integer"},
                "agency_id": {"type": "integer"},
                "status": {"type": "string"},
                "source": {"type": "string"},
                "grade": {"type": "string"},
                "due_date": {"type": "string", "format": "date"},
                "overdue": {"type": "boolean"},
                "plan_accepted": {"type": "boolean"},
                "actions": {"type": "array", "items": {"$ref": "#/components/schemas/Action"}},
                "transitions": {"type": "array", "items": {"type": "string"}},
            },
        },
        "NonconformityInput": {
            "type": "object",
            "required": ["agency_id", "source", "grade", "evidence", "statement"],
            "properties": {
                "agency_id": {"type": "integer"},
                "source": {"type": "string"},
                "grade": {"type": "string", "enum": ["major", "minor"]},
                "evidence": {"type": "string"},
                "statement": {"type": "string"},
                "clause": {"type": "string"},
                "due_date": {"type": "string", "format": "date"},
            },
        },
        "NonconformityPatch": {
            "type": "object",
            "required": ["version"],
            "description": "version as read, plus the fields to change; on a nonconformity "
            "raised from an audit finding, source_reference, clause, requirement, evidence, "
            "statement and auditor_id are the finding's and cannot change. Possible until the "
            "root cause is analysed.",
            "properties": {
                "version": {"type": "integer"},
                "unit_id": {"type": "integer", "nullable": True},
                "source_reference": {"type": "string"},
                "process": {"type": "string"},
                "clause": {"type": "string"},
                "criterion": {"type": "string"},
                "requirement": {"type": "string"},
                "evidence": {"type": "string"},
                "statement": {"type": "string"},
                "auditee_representative": {"type": "string"},
                "auditor_id": {"type": "integer", "nullable": True},
            },
        },
        "VersionInput": {
            "type": "object",
            "required": ["version"],
            "properties": {"version": {"type": "integer", "description": "as read"}},
        },
        "ArchiveInput": {
            "type": "object",
            "required": ["version", "reason"],
            "properties": {"version": {"type": "integer"}, "reason": {"type": "string"}},
        },
        "TransitionInput": {
            "type": "object",
            "required": ["version"],
            "description": "version as read, plus the step's fields (e.g. correction; why_1…"
            "why_5, cause_category, root_cause, occurs_elsewhere yes/no; "
            "effectiveness_check_on; note).",
            "properties": {"version": {"type": "integer"}},
        },
        "Action": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "plan_round": {"type": "integer"},
                "kind": {"type": "string"},
                "description": {"type": "string"},
                "owner": {"type": "string"},
                "due_date": {"type": "string", "format": "date"},
                "done": {"type": "boolean"},
                "evidence_files": {"type": "integer"},
            },
        },
        "ActionInput": {
            "type": "object",
            "required": ["version", "description", "owner", "due_date"],
            "properties": {
                "version": {"type": "integer"},
                "kind": {"type": "string"},
                "description": {"type": "string"},
                "owner": {"type": "string"},
                "due_date": {"type": "string", "format": "date"},
            },
        },
        "Complaint": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "channel": {"type": "string"},
                "external_id": {"type": "string"},
                "agency_id": {"type": "integer"},
                "received_at": {"type": "string"},
                "category": {"type": "string"},
                "status": {"type": "string"},
                "responded_at": {"type": "string", "nullable": True},
                "rating": {"type": "integer", "nullable": True},
                "nonconformity_id": {"type": "integer", "nullable": True},
            },
        },
        "ComplaintImport": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "filename": {"type": "string"},
                "confirmed": {"type": "boolean"},
                "report": {"type": "object"},
            },
        },
        "ComplaintImportInput": {
            "type": "object",
            "required": ["content"],
            "description": "Or multipart/form-data with `file` (and `city_id`).",
            "properties": {
                "city_id": {"type": "integer"},
                "filename": {"type": "string"},
                "content": {"type": "string"},
            },
        },
    }
)


def action_json(action: CorrectiveAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "nonconformity_id": action.nonconformity_id,
        "plan_round": action.plan_round,
        "kind": action.kind.value,
        "description": action.description,
        "owner": action.owner,
        "due_date": action.due_date.isoformat(),
        "done": action.is_done,
        "evidence_files": len(files_of(action)),
    }


def nonconformity_json(nc: Nonconformity, *, full: bool = False) -> dict[str, Any]:
    from qms.core.timeutil import today

    data: dict[str, Any] = {
        "id": nc.id,
        "number": nc.number,
        "version": nc.version,
        "agency_id": nc.agency_id,
        "unit_id": nc.unit_id,
        "status": nc.status.value,
        "source": nc.source.value,
        "source_reference": nc.source_reference,
        "finding_id": nc.finding_id,
        "grade": nc.grade.value,
        "clause": nc.clause,
        "statement": nc.statement,
        "raised_on": nc.raised_on.isoformat(),
        "due_date": nc.due_date.isoformat(),
        "overdue": nc.is_overdue(today()),
        "plan_accepted": services.plan_is_accepted(nc),
        "reopened_count": nc.reopened_count,
        "archived": nc.is_archived,
    }
    if full:
        data.update(
            {
                "process": nc.process,
                "criterion": nc.criterion,
                "requirement": nc.requirement,
                "evidence": nc.evidence,
                "auditee_representative": nc.auditee_representative,
                "auditor_id": nc.auditor_id,
                "locked_fields": sorted(services.locked_fields(nc)),
                "archived_at": iso(nc.archived_at),
                "archive_reason": nc.archive_reason,
                "correction": nc.correction,
                "why_steps": nc.why_steps,
                "cause_category": nc.cause_category.value if nc.cause_category else None,
                "root_cause": nc.root_cause,
                "occurs_elsewhere": nc.occurs_elsewhere,
                "effectiveness_check_on": iso(nc.effectiveness_check_on),
                "actions": [action_json(a) for a in nc.actions],
                "checks": [
                    {
                        "plan_round": c.plan_round,
                        "result": c.result.value,
                        "verified_on": c.verified_on.isoformat(),
                        "verified_by_id": c.verified_by_id,
                        "note": c.note,
                    }
                    for c in nc.checks
                ],
                "transitions": [t.name for t in services.available_transitions(nc, current_user)],
            }
        )
    return data


def complaint_json(c: Complaint) -> dict[str, Any]:
    return {
        "id": c.id,
        "channel": c.channel.value,
        "external_id": c.external_id,
        "agency_id": c.agency_id,
        "received_at": c.received_at.isoformat(),
        "service": c.service,
        "category": c.category,
        "text": c.text,
        "location": c.location,
        "status": c.status.value,
        "responded_at": iso(c.responded_at),
        "rating": c.rating,
        "nonconformity_id": c.nonconformity_id,
    }


def import_json(record: ComplaintImport) -> dict[str, Any]:
    report = dict(record.report)
    report["errors"] = [
        {**e, "message": complaints.row_error_text(e)} for e in report.get("errors", [])
    ]
    return {
        "id": record.id,
        "city_id": record.city_id,
        "filename": record.filename,
        "confirmed": record.confirmed_at is not None,
        "report": report,
    }


@api_route(
    "/nonconformities",
    summary="The nonconformity register the caller may see",
    tag="capa",
    response_schema="Nonconformity",
    many=True,
)
def list_nonconformities():
    filters = services.RegisterFilter(
        agency_id=request.args.get("agency_id", type=int),
        status=request.args.get("status") or None,
        source=request.args.get("source") or None,
        grade=request.args.get("grade") or None,
        overdue=request.args.get("overdue") in ("1", "true"),
        archived=request.args.get("archived") in ("1", "true"),
    )
    return paginate(services.register_query(current_user, filters), nonconformity_json)


@api_route(
    "/nonconformities",
    ("POST",),
    summary="Raise a nonconformity",
    tag="capa",
    request_schema="NonconformityInput",
    response_schema="Nonconformity",
)
def create_nonconformity():
    form = validate_form(NonconformityForm, json_body())
    nc = services.raise_nonconformity(current_user, form.values())
    db.session.commit()
    return ok(nonconformity_json(nc, full=True), 201)


@api_route(
    "/nonconformities/<int:nc_id>",
    summary="One nonconformity with its actions, checks and next steps",
    tag="capa",
    response_schema="Nonconformity",
)
def get_nonconformity(nc_id: int):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    return ok(nonconformity_json(nc, full=True))


@api_route(
    "/nonconformities/<int:nc_id>",
    ("PATCH",),
    summary="Correct a nonconformity's description (until its root cause is analysed)",
    tag="capa",
    request_schema="NonconformityPatch",
    response_schema="Nonconformity",
)
def update_nonconformity(nc_id: int):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    access.authorize(current_user, services.DESCRIBE, nc)
    current = {FORM_NAMES.get(n, n): getattr(nc, n) for n in services.DETAIL_FIELDS}
    body = {FORM_NAMES.get(k, k): v for k, v in json_body().items()}
    form = validate_form(DetailsForm, {**current, **body})
    services.update_details(current_user, nc, form.values(), version=form.version.data)
    db.session.commit()
    return ok(nonconformity_json(nc, full=True))


@api_route(
    "/nonconformities/<int:nc_id>/archive",
    ("POST",),
    summary="Archive a nonconformity raised by mistake, with the reason (records are never "
    "deleted; not one raised from an audit finding, nor once its root cause is analysed)",
    tag="capa",
    request_schema="ArchiveInput",
    response_schema="Nonconformity",
)
def archive_nonconformity(nc_id: int):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    form = validate_form(ArchiveForm, json_body())
    services.archive(current_user, nc, form.reason.data, version=form.version.data)
    db.session.commit()
    return ok(nonconformity_json(nc, full=True))


@api_route(
    "/nonconformities/<int:nc_id>/transitions/<name>",
    ("POST",),
    summary="Take a workflow step (record_correction, analyse_cause, submit_plan, accept_plan, "
    "return_plan, mark_implemented, verify_effective, verify_not_effective, close)",
    tag="capa",
    request_schema="TransitionInput",
    response_schema="Nonconformity",
)
def take_transition(nc_id: int, name: str):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    if name not in TRANSITION_FORMS:
        raise NotFound("Unknown step.")
    form = validate_form(TRANSITION_FORMS[name], json_body())
    services.transition(current_user, nc, name, form_values(form), version=form.version.data)
    db.session.commit()
    return ok(nonconformity_json(nc, full=True))


@api_route(
    "/nonconformities/<int:nc_id>/actions",
    summary="The actions of a nonconformity's plans",
    tag="capa",
    response_schema="Action",
    many=True,
)
def list_actions(nc_id: int):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    return ok([action_json(a) for a in nc.actions])


@api_route(
    "/nonconformities/<int:nc_id>/actions",
    ("POST",),
    summary="Add an action to the plan being written",
    tag="capa",
    request_schema="ActionInput",
    response_schema="Action",
)
def create_action(nc_id: int):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    form = validate_form(ActionForm, json_body())
    action = services.add_action(current_user, nc, form_values(form), version=form.version.data)
    db.session.commit()
    return ok(action_json(action), 201)


@api_route(
    "/actions/<int:action_id>/remove",
    ("POST",),
    summary="Drop an action from the plan still being written (the history keeps it)",
    tag="capa",
    request_schema="VersionInput",
    response_schema="Nonconformity",
)
def remove_action(action_id: int):
    action = access.get_visible(CorrectiveAction, action_id, current_user)
    nc = action.nonconformity
    form = validate_form(VersionOnlyForm, json_body())
    services.remove_action(current_user, action, version=form.version.data)
    db.session.commit()
    return ok(nonconformity_json(nc, full=True))


@api_route(
    "/actions/<int:action_id>/done",
    ("POST",),
    summary="Mark an action done: multipart/form-data with `file` (evidence), `note`, `version`",
    tag="capa",
    response_schema="Action",
)
def done_action(action_id: int):
    action = access.get_visible(CorrectiveAction, action_id, current_user)
    upload = request.files.get("file")
    version = request.form.get("version", type=int)
    if version is None:
        raise DomainError(_l("The version read is required."), field="version")
    services.complete_action(
        current_user,
        action,
        evidence=upload.stream if upload else None,
        filename=upload.filename if upload else "",
        note=request.form.get("note", ""),
        version=version,
    )
    db.session.commit()
    return ok(action_json(action))


@api_route(
    "/complaints",
    summary="Complaints the caller may see",
    tag="capa",
    response_schema="Complaint",
    many=True,
)
def list_complaints():
    query = access.scoped(Complaint, current_user)
    if request.args.get("agency_id", type=int):
        query = query.where(Complaint.agency_id == request.args.get("agency_id", type=int))
    if request.args.get("channel"):
        query = query.where(Complaint.channel == request.args["channel"])
    if request.args.get("escalated") in ("1", "true"):
        query = query.where(Complaint.nonconformity_id.is_not(None))
    return paginate(query.order_by(Complaint.received_at, Complaint.id), complaint_json)


@api_route(
    "/complaint-imports",
    ("POST",),
    summary="Step 1 of an import: upload a CSV or JSON export and get the report",
    tag="capa",
    request_schema="ComplaintImportInput",
    response_schema="ComplaintImport",
)
def create_import():
    cities = complaints.import_cities(current_user)
    if request.files.get("file"):
        upload = request.files["file"]
        filename, data = upload.filename or "", upload.read()
        city_id = request.form.get("city_id", type=int)
    else:
        body = json_body()
        filename = str(body.get("filename") or "complaints.json")
        data = str(body.get("content") or "").encode("utf-8")
        city_id = body.get("city_id")
    city = next((c for c in cities if c.id == city_id), cities[0] if cities else None)
    if city is None:
        raise PermissionDenied(_l("You may not import complaints."))
    record = complaints.preview_import(current_user, city, filename, data)
    db.session.commit()
    return ok(import_json(record), 201)


@api_route(
    "/complaint-imports/<int:import_id>",
    summary="An import's report",
    tag="capa",
    response_schema="ComplaintImport",
)
def get_import(import_id: int):
    return ok(import_json(access.get_visible(ComplaintImport, import_id, current_user)))


@api_route(
    "/complaint-imports/<int:import_id>/confirm",
    ("POST",),
    summary="Step 2: the uploader confirms, having seen the report; the good rows import",
    tag="capa",
    response_schema="ComplaintImport",
)
def confirm_import(import_id: int):
    record = access.get_visible(ComplaintImport, import_id, current_user)
    complaints.confirm_import(current_user, record)
    db.session.commit()
    return ok(import_json(record))
