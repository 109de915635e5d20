"""/api/v1 of the spreadsheet imports: upload (the file held, its columns mapped as proposed),
check every row, read the report, confirm. The mapping is the one proposed from the headings;
it is changed on the mapping page (`/imports/<id>/mapping`)."""

from __future__ import annotations

from typing import Annotated, Any

from flask import abort
from flask_login import current_user
from pydantic import Field

from qms.api.core import api_route, ok, validate_upload
from qms.api.records import Records
from qms.api.schema import Resource
from qms.core import access
from qms.core.errors import ValidationFailed
from qms.extensions import db
from qms.imports import operations
from qms.imports.forms import UploadForm
from qms.imports.models import ImportBatch
from qms.imports.registry import importer_for


class ImportRowOut(Resource):
    """A row that is not imported, and why."""

    row: Annotated[int, Field(description="As the spreadsheet numbers it (the heading row too)")]
    key: Annotated[str, Field(description="The row's key (code, number, NIB) as the file has it")]
    column: Annotated[str, Field(description="Its column's letter and heading (empty: the row)")]
    message: Annotated[str, Field(description="The reason, in the uploader's language")]


class RenumberedOut(Resource):
    """A row whose number does not fit the agency's numbering."""

    row: int
    given: Annotated[str, Field(description="The number in the file")]
    number: Annotated[str, Field(description="The number given on import (empty until then)")]
    reason: str


class ImportReportOut(Resource):
    """Counts over all rows; the first 1,000 bad and renumbered rows listed."""

    sheet: str | None
    sheets: Annotated[list[str], Field(description="The workbook's sheets (empty: a CSV file)")]
    heading_row: int
    total: int
    empty: int
    valid: int
    new: int
    present: Annotated[int, Field(description="Rows already in the register (not imported)")]
    renumbered: int
    imported: int
    error_count: int
    errors: list[ImportRowOut]
    renumbering: list[RenumberedOut]


class ImportOut(Resource):
    labels_from = ImportBatch

    id: int
    kind: Annotated[str, Field(description="documents, nonconformities or businesses")]
    city_id: int
    agency_id: int | None
    filename: str
    sheet: Annotated[str | None, Field(description="The sheet read (null: a CSV file)")]
    heading_row: int
    headings: list[str]
    mapping: Annotated[dict[str, int], Field(description="Field → column index (from 0)")]
    checked: Annotated[bool, Field(description="Every row checked with the mapping")]
    confirmed: Annotated[bool, Field(description="Imported by its uploader")]
    report: ImportReportOut | None

    @classmethod
    def of(cls, batch: ImportBatch) -> ImportOut:
        report = None
        if batch.mapped_at is not None:
            report = ImportReportOut.model_validate(batch.report)
        return cls.from_record(
            batch,
            headings=list(batch.headings),
            mapping=dict(batch.mapping),
            checked=batch.mapped_at is not None,
            confirmed=batch.confirmed_at is not None,
            report=report,
        )


@api_route(
    "/imports/<any(documents, nonconformities, businesses):kind>",
    ("POST",),
    summary="Step 1 of a register's import: upload an XLSX or CSV file for an agency (documents, "
    "nonconformities) or a city (businesses), `owner_id`; answers the proposed mapping",
    tag="imports",
    multipart=UploadForm,
    response=ImportOut,
    status=201,
)
def upload_register_import(kind: str):
    importer = importer_for(kind)
    if importer is None:
        abort(404)
    form = validate_upload(UploadForm)
    owners = operations.owners_for(current_user, importer)
    chosen = form.owner_id.data or (owners[0].id if len(owners) == 1 else None)
    owner = next((o for o in owners if o.id == chosen), None)
    if owner is None:
        raise ValidationFailed({"owner_id": [str(access.NOT_HERE)]})
    upload = form.file.data
    with upload.stream:
        data = upload.read()
    batch = operations.upload(current_user, importer, owner, upload.filename or "", data)
    db.session.commit()
    return ok(ImportOut.of(batch))


batches = Records("/imports", ImportBatch, ImportOut, "imports", "batch_id")
batches.get("get_register_import", "An import")


@batches.act("check")
def check_register_import(user: Any, batch: ImportBatch, _form: None) -> None:
    """Step 2: every row checked with the mapping held (as proposed, or as set on the mapping
    page); answers the report"""
    operations.set_mapping(user, batch, dict(batch.mapping))


@batches.act("confirm")
def confirm_register_import(user: Any, batch: ImportBatch, _form: None) -> None:
    """Step 3: the uploader, having seen the report, imports the good rows"""
    operations.confirm(user, batch)
