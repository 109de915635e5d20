"""The two-step import of a register from a spreadsheet: the file is uploaded and held with the
proposed mapping of its columns (`upload`); the uploader confirms or changes the mapping and
every row is checked (`set_mapping`: the report, row by row); only the uploader, having seen the
report, imports the good rows (`confirm`), which are checked again. A row whose key (document
code, nonconformity number, NIB) is already in the register, or was imported before, is not
stored again. Rows are read one at a time from the stored file and looked up in batches, so
memory and queries do not grow with each row."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, StaleRecordError
from qms.core.models import claim_confirmation
from qms.core.spreadsheets import (
    Heading,
    Row,
    Spreadsheet,
    SpreadsheetError,
    column_letter,
    find_heading,
    is_empty,
    parse_row,
    propose_mapping,
)
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.imports.models import ImportBatch, ImportedRecord
from qms.imports.registry import Importer, importer_for
from qms.imports.settings import setting
from qms.organisations.models import Agency, City

#: rows checked (and looked up in the register) together
BATCH_ROWS = 500
#: bad rows and renumbered records listed in a report (the counts are always whole)
MAX_LISTED = 1000


def importer_of(batch: ImportBatch) -> Importer:
    importer = importer_for(batch.kind)
    if importer is None:  # a kind no feature registers any more
        raise DomainError(_l("This kind of import is no longer offered."))
    return importer


def owners_for(user: User, importer: Importer) -> list[Any]:
    """The agencies (or cities) the user may import this register into."""
    if not user.is_authenticated or user.is_read_only:
        return []
    owners = db.session.scalars(access.scoped(importer.owner_model, user)).all()
    return [owner for owner in owners if importer.allows(user, owner)]


def _batch_for(actor: User, importer: Importer, owner: Agency | City) -> ImportBatch:
    if isinstance(owner, Agency):
        batch = ImportBatch(kind=importer.kind, city_id=owner.city_id, agency_id=owner.id)
        batch.agency = owner
    else:
        batch = ImportBatch(kind=importer.kind, city_id=owner.id, agency_id=None)
    batch.city = owner if isinstance(owner, City) else owner.city
    batch.uploaded_by_id = actor.id
    access.authorize(actor, access.CREATE, batch)
    return batch


def _open(data: bytes, filename: str) -> Spreadsheet:
    limit = setting("IMPORT_MAX_MB") * 1_048_576
    if len(data) > limit:
        raise SpreadsheetError(
            _("The file is larger than %(mb)s MB: split it.", mb=setting("IMPORT_MAX_MB"))
        )
    return Spreadsheet(data, filename, max_unpacked=setting("IMPORT_MAX_UNPACKED_MB") * 1_048_576)


def _locate(book: Spreadsheet, importer: Importer, sheet: str | None) -> tuple[str | None, Heading]:
    """The sheet to read and its heading row: the one asked for, else the first sheet whose
    heading names the register's fields (else the first with any heading)."""
    fields = list(importer.fields)
    names: list[str | None] = [sheet] if sheet else (book.sheet_names or [None])
    fallback: tuple[str | None, Heading] | None = None
    for name in names:
        heading = find_heading(book.rows(name), fields)
        if heading is None:
            continue
        if propose_mapping(heading.names, fields):
            return name, heading
        fallback = fallback or (name, heading)
    if fallback is None:
        raise SpreadsheetError(_l("The file has no heading row (the first rows are empty)."))
    return fallback


def upload(
    actor: User, importer: Importer, owner: Agency | City, filename: str, data: bytes
) -> ImportBatch:
    """Step 1: hold the file and propose which column holds which field. Nothing is checked
    against the register yet and nothing is imported."""
    batch = _batch_for(actor, importer, owner)
    with _open(data, filename) as book:
        batch.file_format = book.format
        sheet, heading = _locate(book, importer, None)
        batch.report = {"sheets": book.sheet_names}
    name = Path((filename or "").replace("\x00", "") or "import").name
    batch.filename = name[: ImportBatch.filename.type.length]
    batch.sha256 = hashlib.sha256(data).hexdigest()
    batch.content = data
    _take_heading(batch, importer, sheet, heading)
    db.session.add(batch)
    db.session.flush()
    return batch


def _take_heading(
    batch: ImportBatch, importer: Importer, sheet: str | None, heading: Heading
) -> None:
    batch.sheet = sheet
    batch.heading_row = heading.row
    batch.headings = [h[:200] for h in heading.names]
    batch.mapping = propose_mapping(heading.names, list(importer.fields))


def _refuse_confirmed(batch: ImportBatch) -> None:
    if batch.confirmed_at is not None:
        raise StaleRecordError(_l("This import was already confirmed."))


def choose_sheet(actor: User, batch: ImportBatch, sheet: str) -> ImportBatch:
    """Read another sheet of the workbook: its heading and a new proposed mapping."""
    access.authorize(actor, access.EDIT, batch)
    _refuse_confirmed(batch)
    importer = importer_of(batch)
    if sheet not in batch.report.get("sheets", []):
        raise DomainError(_("The workbook has no sheet “%(name)s”.", name=sheet), field="sheet")
    with _open(batch.content, batch.filename) as book:
        found, heading = _locate(book, importer, sheet)
    _take_heading(batch, importer, found, heading)
    batch.mapped_at = None
    batch.report = {"sheets": batch.report.get("sheets", [])}
    db.session.flush()
    return batch


def set_mapping(actor: User, batch: ImportBatch, mapping: dict[str, int | None]) -> dict:
    """Step 2: the user's mapping (field → column index; None: not imported) is checked and
    every row with it: the report says what a confirmation would import."""
    access.authorize(actor, access.EDIT, batch)
    _refuse_confirmed(batch)
    importer = importer_of(batch)
    clean: dict[str, int] = {}
    used: dict[int, str] = {}
    for f in importer.fields:
        index = mapping.get(f.name)
        if index is None:
            if f.required:
                raise DomainError(
                    _("Choose the column that holds “%(field)s”.", field=f.label), field=f.name
                )
            continue
        if not 0 <= index < len(batch.headings):
            raise DomainError(_l("Choose a column of the file."), field=f.name)
        if index in used:
            raise DomainError(
                _(
                    "Column %(column)s is chosen for both “%(a)s” and “%(b)s”.",
                    column=column_letter(index),
                    a=importer.field(used[index]).label,
                    b=f.label,
                ),
                field=f.name,
            )
        used[index] = f.name
        clean[f.name] = index
    batch.mapping = clean
    batch.mapped_at = utcnow()
    batch.report = _run(actor, batch, importer, create=False)
    db.session.flush()
    return batch.report


def may_confirm(user: User, batch: ImportBatch) -> bool:
    return (
        batch.confirmed_at is None
        and batch.mapped_at is not None
        and access.can(user, access.EDIT, batch)
    )


def confirm(actor: User, batch: ImportBatch) -> dict:
    """Step 3: the uploader imports the good rows (checked again: the register may have changed
    since the report). Each record is created by the feature's own operation (history written as
    for any create); a row the operation refuses is reported and skipped, nothing of it kept."""
    access.authorize(actor, access.EDIT, batch)
    if batch.mapped_at is None:
        raise DomainError(_l("Confirm the columns first."))
    importer = importer_of(batch)
    if not importer.allows(actor, batch.owner):  # the uploader's role ended since the upload
        raise PermissionDenied(_l("You may not import here."))
    claim_confirmation(batch, actor, _l("This import was already confirmed."))
    report = _run(actor, batch, importer, create=True)
    batch.report = report
    db.session.flush()
    return report


# --- checking (and importing) the rows ----------------------------------------------------


def _data_rows(book: Spreadsheet, batch: ImportBatch) -> Iterator[Row]:
    for number, row in book.rows(batch.sheet):
        if number > batch.heading_row:
            yield number, row


def imported_keys(kind: str, owner_id: int, keys: Sequence[str]) -> dict[str, int]:
    """Keys of this owner's register imported before (the record may carry a new number)."""
    query = select(ImportedRecord.key, ImportedRecord.record_id).where(
        ImportedRecord.kind == kind,
        ImportedRecord.owner_id == owner_id,
        ImportedRecord.key.in_(list(keys)),
    )
    return {key: record_id for key, record_id in db.session.execute(query)}


class _Run:
    def __init__(self, actor: User, batch: ImportBatch, importer: Importer, create: bool) -> None:
        self.actor, self.batch, self.importer, self.create = actor, batch, importer, create
        self.owner = batch.owner
        self.fields = list(importer.fields)
        self.seen: dict[str, int] = {}
        self.chunk: list[tuple[int, dict[str, Any]]] = []
        self.report: dict[str, Any] = {
            "sheets": batch.report.get("sheets", []),
            "sheet": batch.sheet,
            "heading_row": batch.heading_row,
            "total": 0,
            "empty": 0,
            "valid": 0,
            "new": 0,
            "present": 0,
            "renumbered": 0,
            "imported": 0,
            "error_count": 0,
            "errors": [],
            "renumbering": [],
        }

    def error(self, number: int, key: str, field: str | None, message: Any) -> None:
        self.report["error_count"] += 1
        if len(self.report["errors"]) >= MAX_LISTED:
            return
        column = ""
        if field:
            index = self.batch.mapping.get(field)
            heading = self.batch.headings[index] if index is not None else ""
            letter = column_letter(index) if index is not None else ""
            column = f"{letter} ({heading})" if heading else letter
            column = column or str(self.importer.field(field).label)
        self.report["errors"].append(
            {"row": number, "key": key, "column": column, "message": str(message)}
        )

    def row(self, number: int, row: list[Any]) -> None:
        if all(is_empty(v) for v in row):
            self.report["empty"] += 1
            return
        self.report["total"] += 1
        if self.report["total"] > setting("IMPORT_MAX_ROWS"):
            raise SpreadsheetError(
                _(
                    "Row %(row)s: the file has more than %(max)s rows: split it.",
                    row=number,
                    max=setting("IMPORT_MAX_ROWS"),
                )
            )
        values, problems = parse_row(row, self.batch.mapping, self.fields)
        key = str(values.get(self.importer.key_field) or "")
        if not problems and self.importer.check_row is not None:
            refusal = self.importer.check_row(self.owner, values)
            if refusal is not None:
                problems.append(("", refusal))
        for field, message in problems:
            self.error(number, key, field or None, message)
        if problems:
            return
        if key in self.seen:
            self.error(
                number,
                key,
                self.importer.key_field,
                _("the same as row %(row)s", row=self.seen[key]),
            )
            return
        self.seen[key] = number
        self.report["valid"] += 1
        self.chunk.append((number, values))
        if len(self.chunk) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.chunk:
            return
        keys = [str(values[self.importer.key_field]) for _number, values in self.chunk]
        present = set(self.importer.existing(self.owner, keys))
        present |= set(imported_keys(self.importer.kind, self.owner.id, keys))
        for number, values in self.chunk:
            key = str(values[self.importer.key_field])
            if key in present:
                self.report["present"] += 1
                continue
            self.report["new"] += 1
            refusal = None
            if self.importer.numbering_refusal is not None:
                refusal = self.importer.numbering_refusal(self.owner, values)
            if self.create:
                number_given = self.store(number, key, values, keep=refusal is None)
                if number_given is None:
                    continue
            else:
                number_given = ""
            if refusal is not None:
                self.report["renumbered"] += 1
                if len(self.report["renumbering"]) < MAX_LISTED:
                    self.report["renumbering"].append(
                        {
                            "row": number,
                            "given": key,
                            "number": number_given,
                            "reason": str(refusal),
                        }
                    )
        self.chunk = []

    def store(self, number: int, key: str, values: dict[str, Any], *, keep: bool) -> str | None:
        try:
            with db.session.begin_nested():
                created = self.importer.create(self.actor, self.owner, values, keep)
                db.session.add(
                    ImportedRecord(
                        kind=self.importer.kind,
                        owner_id=self.owner.id,
                        key=key[:255],
                        record_id=created.record_id,
                        batch_id=self.batch.id,
                    )
                )
                db.session.flush()
        except IntegrityError:  # imported meanwhile by another confirmation: not twice
            self.report["new"] -= 1
            self.report["present"] += 1
            return None
        except DomainError as error:
            self.report["new"] -= 1
            self.report["valid"] -= 1
            self.error(
                number,
                key,
                getattr(error, "field", None) if _known(self.importer, error) else None,
                error.message,
            )
            return None
        self.report["imported"] += 1
        return created.number


def _known(importer: Importer, error: DomainError) -> bool:
    return any(f.name == error.field for f in importer.fields)


def _run(actor: User, batch: ImportBatch, importer: Importer, *, create: bool) -> dict:
    run = _Run(actor, batch, importer, create)
    with _open(batch.content, batch.filename) as book:
        for number, row in _data_rows(book, batch):
            run.row(number, row)
    run.flush()
    return run.report
