"""/api/v1 of nonconformities, the actions of their plans, complaints and complaint imports:
the same forms, operations and policies as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from pydantic import Field, PlainSerializer, WithJsonSchema
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from qms.api.core import api_route, json_body, ok, validate_form, validate_upload
from qms.api.records import Owner, Records
from qms.api.schema import Resource, Timestamp
from qms.capa import forms, operations, queries, workflow
from qms.capa.complaints import imports
from qms.capa.complaints import queries as complaint_queries
from qms.capa.complaints.parsing import row_error_text
from qms.capa.models import (
    ActionKind,
    CauseCategory,
    Channel,
    Complaint,
    ComplaintImport,
    ComplaintStatus,
    CorrectiveAction,
    EffectivenessCheck,
    NcGrade,
    NcSource,
    NcStatus,
    Nonconformity,
    VerificationResult,
)
from qms.capa.policies import DESCRIBE
from qms.core.forms import REQUIRED, RecordField, column_field
from qms.core.timeutil import today
from qms.extensions import db
from qms.files.queries import files_of
from qms.organisations.models import Agency

#: a complaint's time as its channel exported it: the offices' wall-clock time, no time zone
ChannelTime = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
            "description": "As the channel exported it: the offices' local time (WITA), "
            "without a time zone",
        },
        mode="serialization",
    ),
]


class CorrectiveActionOut(Resource):
    labels_from = CorrectiveAction

    id: int
    nonconformity_id: int
    plan_round: int
    kind: ActionKind
    description: str
    owner: str
    due_date: date
    done: Annotated[bool, Field(description="Done, with its evidence")]
    evidence_files: Annotated[int, Field(description="How many evidence files are attached")]

    @classmethod
    def of(cls, action: CorrectiveAction) -> CorrectiveActionOut:
        return cls.from_record(action, done=action.is_done, evidence_files=len(files_of(action)))


class EffectivenessCheckOut(Resource):
    labels_from = EffectivenessCheck

    plan_round: int
    result: VerificationResult
    verified_on: date
    verified_by_id: int
    note: str


class NonconformityOut(Resource):
    """A nonconformity as the register lists it."""

    labels_from = Nonconformity

    id: int
    number: str
    version: int
    agency_id: int
    unit_id: int | None
    status: NcStatus
    source: NcSource
    source_reference: str
    finding_id: int | None
    grade: NcGrade
    clause: str
    clause_standard: Annotated[
        str, Field(description="The code of the clause's standard (empty: no clause named)")
    ]
    clauses: Annotated[
        list[str],
        Field(
            description="Every clause breached with its standard, e.g. 'SNI ISO 37001:2016 "
            "7.5.3' (an audit finding may breach clauses of several standards)"
        ),
    ]
    statement: str
    raised_on: date
    due_date: date
    overdue: Annotated[bool, Field(description="Still to be implemented after its due date")]
    plan_accepted: Annotated[
        bool, Field(description="The plan in force is accepted (also once implemented)")
    ]
    reopened_count: int
    archived: Annotated[bool, Field(description="Taken out of the register (raised by mistake)")]

    @classmethod
    def of(cls, nc: Nonconformity) -> NonconformityOut:
        return cls.from_record(nc, **_register_values(nc))


def _register_values(nc: Nonconformity) -> dict[str, Any]:
    """What the register computes for a nonconformity."""
    return {
        "overdue": nc.is_overdue(today()),
        "plan_accepted": workflow.plan_is_accepted(nc),
        "archived": nc.is_archived,
        "clauses": nc.clause_references,
    }


class NonconformityDetailOut(NonconformityOut):
    """One nonconformity with its analysis, its plans' actions, its checks, and the steps the
    caller may take now."""

    process: str
    criterion: str
    requirement: str
    evidence: str
    auditee_representative: str
    auditor_id: int | None
    locked_fields: Annotated[
        list[str], Field(description="The fields its audit finding gave it: they cannot change")
    ]
    archived_at: Timestamp | None
    archive_reason: str
    correction: str
    why_steps: list[str]
    cause_category: CauseCategory | None
    root_cause: str
    occurs_elsewhere: bool | None
    effectiveness_check_on: date | None
    actions: list[CorrectiveActionOut]
    checks: list[EffectivenessCheckOut]
    transitions: Annotated[
        list[str], Field(description="The workflow steps the caller may take now")
    ]

    @classmethod
    def of(cls, nc: Nonconformity) -> NonconformityDetailOut:
        return cls.from_record(
            nc,
            **_register_values(nc),
            locked_fields=sorted(operations.locked_fields(nc)),
            actions=[CorrectiveActionOut.of(a) for a in nc.actions],
            checks=[EffectivenessCheckOut.of(c) for c in nc.checks],
            transitions=[t.name for t in workflow.available_transitions(nc, current_user)],
        )


class ComplaintOut(Resource):
    labels_from = Complaint

    id: int
    channel: Channel
    external_id: str
    agency_id: int
    received_at: ChannelTime
    service: str
    category: str
    text: str
    location: str
    status: ComplaintStatus
    responded_at: ChannelTime | None
    rating: int | None
    nonconformity_id: int | None


class ImportRowErrorOut(Resource):
    """A row of the file that is not imported, and why."""

    row: Annotated[
        int, Field(description="As a spreadsheet numbers it (CSV: the header is row 1; JSON: 1)")
    ]
    id: Annotated[str, Field(description="The complaint's id in its channel, if it has one")]
    code: Annotated[str, Field(description="The reason, as a code")]
    value: Annotated[str, Field(description="The value refused (empty: the whole row is)")]
    column: Annotated[str | None, Field(description="The column of a date that is not one")]
    message: Annotated[str, Field(description="The reason, in the caller's language")]


class ComplaintImportReportOut(Resource):
    """What the file holds and what a confirmation imports (or imported)."""

    total: int
    valid: int
    new: int
    updated: int
    unchanged: int
    errors: list[ImportRowErrorOut]
    escalated: Annotated[
        list[str] | None,
        Field(description="The nonconformities the confirmation raised; null until confirmed"),
    ]


class ComplaintImportOut(Resource):
    labels_from = ComplaintImport

    id: int
    city_id: int
    filename: str
    confirmed: Annotated[bool, Field(description="Imported by its uploader")]
    report: ComplaintImportReportOut

    @classmethod
    def of(cls, record: ComplaintImport) -> ComplaintImportOut:
        report = record.report
        errors = [
            ImportRowErrorOut(
                row=e["row"],
                id=e["id"],
                code=e["code"],
                value=e.get("value", ""),
                column=e.get("column"),
                message=row_error_text(e),
            )
            for e in report.get("errors", [])
        ]
        return cls.from_record(
            record,
            confirmed=record.confirmed_at is not None,
            report=ComplaintImportReportOut.model_validate(
                {**report, "errors": errors, "escalated": report.get("escalated")}
            ),
        )


class ComplaintImportJson(FlaskForm):
    """An export sent as JSON text instead of a file."""

    city_id = column_field(RecordField, ComplaintImport, "city_id")
    filename = column_field(StringField, ComplaintImport, "filename")
    content = TextAreaField(
        _l("Content of the export (CSV or JSON)"), validators=[DataRequired(REQUIRED)]
    )


TAG = "capa"

# --- nonconformities ----------------------------------------------------------------------


def _described(nc: Nonconformity, body: dict[str, Any]) -> dict[str, Any]:
    """A nonconformity's description by its form's names, with what the body changes."""
    current = {forms.FORM_NAMES.get(n, n): getattr(nc, n) for n in operations.DETAIL_FIELDS}
    return {**current, **{forms.FORM_NAMES.get(k, k): v for k, v in body.items()}}


nonconformities = Records("/nonconformities", Nonconformity, NonconformityDetailOut, TAG, "nc_id")


@nonconformities.list(filters=forms.RegisterFilterForm, keyset=True, response=NonconformityOut)
def list_nonconformities(user: Any, form: forms.RegisterFilterForm) -> Any:
    """The nonconformity register the caller may see"""
    return queries.register_query(user, queries.RegisterFilter(**form.values()))


@nonconformities.create(forms.NonconformityForm, owner=Owner(Agency, "agency_id"))
def create_nonconformity(user: Any, agency: Agency, form: forms.NonconformityForm) -> Nonconformity:
    """Raise a nonconformity in an agency the caller may raise in"""
    return operations.raise_nonconformity(user, agency, form.values())


nonconformities.get(
    "get_nonconformity", "One nonconformity with its actions, checks and next steps"
)


@nonconformities.update(forms.DetailsForm, current=_described, permission=DESCRIBE)
def update_nonconformity(user: Any, nc: Nonconformity, form: forms.DetailsForm) -> None:
    """Correct a nonconformity's description (until its root cause is analysed): the version
    read and the fields to change; on one raised from an audit finding, source_reference,
    clause, requirement, evidence, statement and auditor_id are the finding's and cannot change
    (process_or_service may also be sent as process)"""
    operations.update_details(user, nc, form.values(), version=form.version.data)


@nonconformities.act("archive", body=forms.ArchiveForm)
def archive_nonconformity(user: Any, nc: Nonconformity, form: forms.ArchiveForm) -> None:
    """Archive a nonconformity raised by mistake, with the reason (records are never deleted;
    not one raised from an audit finding, nor once its root cause is analysed)"""
    operations.archive(user, nc, form.reason.data, version=form.version.data)


# one operation per step, each with its own form (the steps the caller may take now are the
# nonconformity's `transitions`)
@nonconformities.steps(
    "take_{step}",
    forms.TRANSITION_FORMS,
    {
        step: f"Take the workflow step {step} (the version read and the step's fields)"
        for step in forms.TRANSITION_FORMS
    },
)
def take_step(user: Any, nc: Nonconformity, step: str, form: Any) -> None:
    workflow.transition(user, nc, step, forms.form_values(form), version=form.version.data)


# --- the actions of a plan ----------------------------------------------------------------


@nonconformities.children("actions", CorrectiveActionOut)
def list_actions(_user: Any, nc: Nonconformity) -> list[CorrectiveAction]:
    """The actions of a nonconformity's plans"""
    return nc.actions


@nonconformities.add("actions", forms.ActionForm, CorrectiveActionOut)
def create_action(user: Any, nc: Nonconformity, form: forms.ActionForm) -> CorrectiveAction:
    """Add an action to the plan being written (with the nonconformity's version read)"""
    return operations.add_action(user, nc, forms.form_values(form), version=form.version.data)


actions = Records("/actions", CorrectiveAction, CorrectiveActionOut, TAG, "action_id")


@actions.act("remove", body=forms.VersionOnlyForm, response=NonconformityDetailOut)
def remove_action(
    user: Any, action: CorrectiveAction, form: forms.VersionOnlyForm
) -> Nonconformity:
    """Drop an action from the plan still being written (the history keeps it)"""
    nc = action.nonconformity
    operations.remove_action(user, action, version=form.version.data)
    return nc


@actions.act("done", body=forms.CompleteActionForm, upload=True)
def done_action(user: Any, action: CorrectiveAction, form: forms.CompleteActionForm) -> None:
    """Mark an action of the accepted plan done, with its evidence file"""
    evidence = form.file.data
    operations.complete_action(
        user,
        action,
        evidence=evidence.stream,
        filename=evidence.filename or "",
        note=form.note.data or "",
        version=form.version.data,
    )


# --- complaints ---------------------------------------------------------------------------


@Records("/complaints", Complaint, ComplaintOut, TAG, "complaint_id").list(
    filters=forms.ComplaintFilterForm, keyset=True
)
def list_complaints(user: Any, form: forms.ComplaintFilterForm) -> Any:
    """Complaints the caller may see"""
    return complaint_queries.complaints_query(
        user, complaint_queries.ComplaintFilter(**form.values())
    )


@api_route(
    "/complaint-imports",
    ("POST",),
    summary="Step 1 of an import: upload a CSV or JSON export and get the report (or send "
    'the export as JSON: {"city_id", "filename", "content"}); without city_id, the only city '
    "the caller may import for",
    tag=TAG,
    multipart=forms.ImportForm,
    response=ComplaintImportOut,
    status=201,
)
def create_import():
    if request.is_json:
        form = validate_form(ComplaintImportJson, json_body())
        filename = form.filename.data or "complaints.json"
        data = form.content.data.encode("utf-8")
    else:
        form = validate_upload(forms.ImportForm)
        filename, data = form.file.data.filename or "", form.file.data.read()
    city = complaint_queries.import_city(current_user, form.city_id.data)
    record = imports.preview_import(current_user, city, filename, data)
    db.session.commit()
    return ok(ComplaintImportOut.of(record))


complaint_imports = Records(
    "/complaint-imports", ComplaintImport, ComplaintImportOut, TAG, "import_id"
)
complaint_imports.get("get_import", "An import's report")


@complaint_imports.act("confirm")
def confirm_import(user: Any, record: ComplaintImport, _form: None) -> None:
    """Step 2: the uploader confirms, having seen the report; the good rows import"""
    imports.confirm_import(user, record)
