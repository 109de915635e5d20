"""The master list from a spreadsheet (Daftar Induk Dokumen): an agency's existing documents,
registered as they stand (qms.imports does the upload, the mapping and the report; this module
declares the columns and creates each document).

A row is a document: its code (kept when it fits the agency's numbering pattern and is free,
else the document gets the agency's next code and the report says so), title, type, and as it
stands — the revision in force and its effective date (an effective document: its revision is
recorded as in force since that date, approved before the system), the next review, or
withdrawn. The code is the row's key: a code already in the agency's register, or imported
before, is not imported again."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import spreadsheets as cells
from qms.core.spreadsheets import ImportField
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.documents import numbering
from qms.documents.models import (
    DOCUMENT_TYPE_PREFIXES,
    Document,
    DocumentRevision,
    DocumentStatus,
    DocumentType,
    RevisionState,
)
from qms.documents.operations import DocumentValues, create_document
from qms.documents.settings import MAX_RETENTION_YEARS, MAX_REVIEW_PERIOD_MONTHS, setting
from qms.extensions import db
from qms.imports.registry import Created, Importer, register_importer
from qms.organisations.models import Agency

FIELDS = (
    ImportField(
        "code",
        _l("Code"),
        cells.text(64),
        required=True,
        aliases=("kode dokumen", "nomor dokumen", "no dokumen", "document code", "document number"),
    ),
    ImportField(
        "title",
        _l("Title"),
        cells.text(255),
        required=True,
        aliases=("judul dokumen", "nama dokumen", "document title", "document name"),
    ),
    ImportField(
        "doc_type",
        _l("Type"),
        cells.choice(
            DocumentType.labels(),
            {
                **{prefix: t for t, prefix in DOCUMENT_TYPE_PREFIXES.items()},
                "prosedur": DocumentType.PROCEDURE,
                "formulir": DocumentType.FORM,
                "instruksi kerja": DocumentType.WORK_INSTRUCTION,
                "kebijakan mutu": DocumentType.QUALITY_POLICY,
                "manual mutu": DocumentType.QUALITY_MANUAL,
                "standar pelayanan": DocumentType.SERVICE_STANDARD,
                "rekaman": DocumentType.RECORD,
                "catatan mutu": DocumentType.RECORD,
            },
        ),
        required=True,
        aliases=("jenis dokumen", "document type", "tipe"),
    ),
    ImportField(
        "revision",
        _l("Current revision"),
        cells.integer(0, 999),
        aliases=("revisi", "rev", "no revisi", "revision", "revisi ke"),
    ),
    ImportField(
        "effective_on",
        _l("Effective date"),
        cells.parse_date,
        aliases=("tanggal berlaku", "tgl berlaku", "berlaku sejak", "effective from"),
    ),
    ImportField(
        "next_review_on",
        _l("Next review"),
        cells.parse_date,
        aliases=("tinjauan berikutnya", "next review date"),
    ),
    ImportField(
        "status",
        _l("Status"),
        cells.choice(
            DocumentStatus.labels(),
            {"berlaku": DocumentStatus.EFFECTIVE, "dicabut": DocumentStatus.WITHDRAWN},
        ),
    ),
    ImportField(
        "review_period_months",
        _l("Review period (months)"),
        cells.integer(1, MAX_REVIEW_PERIOD_MONTHS),
    ),
    ImportField(
        "retention_years",
        _l("Retention period of records (years)"),
        cells.integer(1, MAX_RETENTION_YEARS),
        aliases=("masa simpan", "retention"),
    ),
)


def _status(values: dict[str, Any]) -> DocumentStatus:
    if values.get("status") is not None:
        return values["status"]
    if values.get("effective_on") is not None:
        return DocumentStatus.EFFECTIVE
    return DocumentStatus.NOT_YET_EFFECTIVE


def check_row(agency: Agency, values: dict[str, Any]) -> Any | None:
    """The rules of a document as it stands, beyond each cell."""
    status = _status(values)
    if status == DocumentStatus.EFFECTIVE and values.get("effective_on") is None:
        return _l("An effective document needs its effective date.")
    effective_on = values.get("effective_on")
    if effective_on is not None and effective_on > local_today():
        return _l("The effective date cannot be in the future.")
    if values["doc_type"] == DocumentType.RECORD and values.get("retention_years") is None:
        return _l("A record needs a retention period (clause 7.5.3).")
    return None


def numbering_refusal(agency: Agency, values: dict[str, Any]) -> Any | None:
    pattern = setting("DOCUMENT_CODE_PATTERN")
    if numbering.seq_of_code(pattern, values["doc_type"], agency.code, values["code"]) is None:
        example = numbering.format_code(pattern, values["doc_type"], agency.code, 1)
        return _l(
            "The code does not follow the agency's pattern (e.g. %(example)s).", example=example
        )
    return None


def create(actor: User, agency: Agency, values: dict[str, Any], keep: bool) -> Created:
    """Register the document; an effective one gets its revision in force (recorded as approved
    before the system: no approver, its effective date as given)."""
    document = create_document(
        actor,
        agency,
        values["doc_type"],
        DocumentValues(
            title=values["title"],
            review_period_months=values.get("review_period_months"),
            retention_years=values.get("retention_years"),
        ),
        keep_code=values["code"] if keep else None,
    )
    status = _status(values)
    if status != DocumentStatus.NOT_YET_EFFECTIVE and values.get("effective_on"):
        _record_revision(actor, document, values, status)
    if status == DocumentStatus.WITHDRAWN:
        document.withdrawn_at = utcnow()
        document.withdrawal_reason = str(_l("Withdrawn before it was imported (master list)."))
    db.session.flush()
    return Created(document.id, document.code)


def _record_revision(
    actor: User, document: Document, values: dict[str, Any], status: DocumentStatus
) -> None:
    effective_on: date = values["effective_on"]
    revision = DocumentRevision(
        document=document,
        number=values.get("revision") or 0,
        author_id=actor.id,
        change_summary=str(_l("Imported from the master list: in force before the system.")),
        effective_on=effective_on,
    )
    if status == DocumentStatus.WITHDRAWN:
        revision.state = RevisionState.OBSOLETE
        revision.ended_on = local_today()
        db.session.add(revision)
        return
    revision.state = RevisionState.EFFECTIVE
    db.session.add(revision)
    db.session.flush()
    document.current_revision = revision
    document.next_review_on = values.get("next_review_on") or document.review_due_from(effective_on)


IMPORTER = Importer(
    kind="documents",
    title=_l("Import a master list of documents"),
    model=Document,
    owner_model=Agency,
    fields=FIELDS,
    key_field="code",
    owner_field="agency_id",
    create=create,
    numbering_refusal=numbering_refusal,
    check_row=check_row,
    list_endpoint="documents.index",
    description=_l(
        "One row per document: code, title and type, and as it stands (revision in force and "
        "effective date, next review, status). The codes are kept where they follow the "
        "agency's pattern."
    ),
)


def register() -> None:
    register_importer(IMPORTER)
