"""A nonconformity log from a spreadsheet: an agency's existing register (KTS), kept as it stood
(qms.imports does the upload, the mapping and the report; this module declares the columns and
raises each nonconformity through the register's own operation, so its history is written).

A row is a nonconformity: its number (kept when it is the agency's own of the year raised,
KTS-<year>-<agency code>-<nnn>, and free, the year's counter moving past it; else it gets the
agency's next number and the report says so), source, grade, statement, date raised, and what
the log says of it. A closed one is imported closed on its closing date (or the date raised);
one between open and closed is imported open, its correction and root cause kept as text, and
its steps are then taken in qms. The number is the row's key: a number already in the agency's
register, or imported before, is not imported again."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from qms.accounts.models import User
from qms.capa.models import (
    NcGrade,
    NcSource,
    NcStatus,
    Nonconformity,
)
from qms.capa.numbering import sequence_of_number
from qms.capa.operations import create_nonconformity
from qms.core import access
from qms.core import spreadsheets as cells
from qms.core.labels import label_of
from qms.core.spreadsheets import CellError, ImportField
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.imports.registry import Created, Importer, register_importer
from qms.organisations.models import Agency

LONG = 10_000
#: a clause as the register's export writes it: "SNI ISO 9001:2015 7.5.3", or a bare "7.5.3"
REFERENCE = re.compile(r"^(?P<standard>.*?)\s*(?P<number>\d+(?:\.\d+)*)$")


def parse_clauses(value: Any) -> list[tuple[str, str]]:
    """The clauses of a cell, "; "-separated, each as (standard's code or "", number)."""
    refs = []
    for part in (p.strip() for p in cells.text(LONG)(value).split(";")):
        if not part:
            continue
        match = REFERENCE.match(part)
        if match is None or len(match["number"]) > 32:
            raise CellError(
                _("“%(value)s” is not a clause (8.7, or SNI ISO 9001:2015 8.7)", value=part[:40])
            )
        standard = match["standard"].strip()
        refs.append(
            (standard.replace(":", "-").replace(" ", "-") if standard else "", match["number"])
        )
    return refs


FIELDS = (
    ImportField(
        "number",
        _l("Number"),
        cells.text(64),
        required=True,
        aliases=("nomor kts", "no kts", "nc number", "nomor", "no"),
    ),
    ImportField(
        "source",
        _l("Source"),
        cells.choice(
            NcSource.labels(),
            {
                "audit internal": NcSource.INTERNAL_AUDIT,
                "ami": NcSource.INTERNAL_AUDIT,
                "audit eksternal": NcSource.EXTERNAL_AUDIT,
                "pengaduan": NcSource.COMPLAINT,
                "keluhan": NcSource.COMPLAINT,
                "tinjauan manajemen": NcSource.MANAGEMENT_REVIEW,
                "rtm": NcSource.MANAGEMENT_REVIEW,
            },
        ),
        required=True,
        aliases=("sumber", "asal temuan"),
    ),
    ImportField("source_reference", label_of(Nonconformity, "source_reference"), cells.text(255)),
    ImportField("process", _l("Process or service"), cells.text(255), aliases=("proses",)),
    ImportField(
        "clause",
        label_of(Nonconformity, "clause"),
        lambda value: parse_clauses(value),
        aliases=("klausul", "clause", "iso 9001 clause", "klausul iso 9001"),
    ),
    ImportField("criterion", _l("Internal criterion (SOP number)"), cells.text(255)),
    ImportField("requirement", _l("Requirement"), cells.text(LONG), aliases=("persyaratan",)),
    ImportField("evidence", _l("Objective evidence"), cells.text(LONG), aliases=("bukti",)),
    ImportField(
        "statement",
        _l("Nonconformity statement"),
        cells.text(LONG),
        required=True,
        aliases=("uraian ketidaksesuaian", "uraian", "ketidaksesuaian", "description"),
    ),
    ImportField(
        "grade",
        _l("Grade"),
        cells.choice(NcGrade.labels(), {"mayor": NcGrade.MAJOR, "kecil": NcGrade.MINOR}),
        required=True,
        aliases=("kategori", "tingkat"),
    ),
    ImportField(
        "raised_on",
        _l("Date raised"),
        cells.parse_date,
        required=True,
        aliases=("tanggal", "tanggal temuan", "tgl temuan", "date"),
    ),
    ImportField("due_date", _l("Due date"), cells.parse_date, aliases=("batas waktu", "tenggat")),
    ImportField(
        "status",
        _l("Status"),
        cells.choice(
            NcStatus.labels(),
            {"terbuka": NcStatus.OPEN, "tutup": NcStatus.CLOSED, "selesai": NcStatus.CLOSED},
        ),
    ),
    ImportField("correction", _l("Correction (the immediate fix)"), cells.text(LONG)),
    ImportField("root_cause", _l("Root cause"), cells.text(LONG), aliases=("akar masalah",)),
    ImportField("closed_on", _l("Closed"), cells.parse_date, aliases=("tanggal tutup",)),
)


def check_row(agency: Agency, values: dict[str, Any]) -> Any | None:
    raised_on = values["raised_on"]
    if raised_on > local_today():
        return _l("The date raised cannot be in the future.")
    if values.get("due_date") is not None and values["due_date"] < raised_on:
        return _l("The due date cannot be before the date raised.")
    closed_on = values.get("closed_on")
    if closed_on is not None and closed_on < raised_on:
        return _l("The closing date cannot be before the date raised.")
    if closed_on is not None and values.get("status") not in (None, NcStatus.CLOSED):
        return _l("A closing date is given, but the status is not closed.")
    return None


def numbering_refusal(agency: Agency, values: dict[str, Any]) -> Any | None:
    year = values["raised_on"].year
    if sequence_of_number(agency, year, values["number"]) is None:
        return _l(
            "The number is not the agency's own for %(year)s (KTS-%(year)s-%(code)s-001).",
            year=year,
            code=agency.code,
        )
    return None


def may_import(user: User, agency: Agency) -> bool:
    """The register's keepers: the agency's quality officers and its city admin."""
    return access.manages_agency(user, agency)


def create(actor: User, agency: Agency, values: dict[str, Any], keep: bool) -> Created:
    details: dict[str, Any] = {
        name: values.get(name) or ""
        for name in ("source_reference", "process", "criterion", "requirement")
    }
    refs = values.get("clause") or []
    if refs:
        first = refs[0][0]
        details["clause"] = refs[0][1]
        details["clause_standard"] = first
        details["other_clauses"] = [
            {"standard": code or first, "number": number} for code, number in refs[1:]
        ] or None
    details["evidence"] = values.get("evidence") or ""
    arguments: dict[str, Any] = {
        "source": values["source"],
        "grade": values["grade"],
        "statement": values["statement"],
        "raised_by": actor,
        "raised_on": values["raised_on"],
        "due_date": values.get("due_date"),
        **details,
    }
    sequence = sequence_of_number(agency, values["raised_on"].year, values["number"])
    nc = None
    if keep and sequence is not None:
        try:
            with db.session.begin_nested():
                nc = create_nonconformity(agency, sequence=sequence, **arguments)
        except IntegrityError:  # the number is taken after all: it gets the next one
            nc = None
    if nc is None:
        nc = create_nonconformity(agency, **arguments)
    nc.correction = values.get("correction") or ""
    nc.root_cause = values.get("root_cause") or ""
    closed_on = values.get("closed_on")
    if values.get("status") == NcStatus.CLOSED or closed_on is not None:
        nc.status = NcStatus.CLOSED
        nc.closed_at = datetime.combine(closed_on or values["raised_on"], time(12))
    db.session.flush()
    return Created(nc.id, nc.number)


IMPORTER = Importer(
    kind="nonconformities",
    title=_l("Import a nonconformity log"),
    model=Nonconformity,
    owner_model=Agency,
    fields=FIELDS,
    key_field="number",
    owner_field="agency_id",
    create=create,
    numbering_refusal=numbering_refusal,
    check_row=check_row,
    may_import=may_import,
    list_endpoint="capa.register",
    description=_l(
        "One row per nonconformity: number, source, grade, statement and date raised, and what "
        "the log says of it. Closed ones are imported closed; the others open, to be followed "
        "up here."
    ),
)


def register() -> None:
    register_importer(IMPORTER)
