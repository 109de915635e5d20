"""Changes to controlled documents (ISO 9001 clause 7.5): register and correct a document, start
and edit a revision, attach its files, record a periodic review. The revision's steps are in
workflow.py. Operations check the actor's permission and the version they read, and flush;
the caller commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError, StaleRecordError
from qms.core.models import check_version
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.documents import numbering
from qms.documents.models import (
    SECTIONS,
    Document,
    DocumentClause,
    DocumentReview,
    DocumentRevision,
    DocumentType,
    ReviewOutcome,
)
from qms.documents.settings import MAX_REVIEW_PERIOD_MONTHS, default_review_period
from qms.extensions import db
from qms.files import operations
from qms.organisations.models import Agency, Unit
from qms.standards.models import Clause

#: a file as the forms and the API receive it: its stream and its name
Upload = tuple[IO[bytes], str]


# --- concurrency --------------------------------------------------------------------------


@contextmanager
def refuse_concurrent_change() -> Iterator[None]:
    """Turn a lost race (stale version, the one-effective index) into a readable refusal."""
    try:
        yield
    except (StaleDataError, IntegrityError) as exc:
        raise StaleRecordError(
            _l(
                "Someone else changed this document at the same moment. "
                "Reload the page to see the current state, then try again."
            )
        ) from exc


def authorize_change(actor: User, record: Any, expected_version: int | None) -> None:
    """The actor may change the record, and the version they read is still the current one."""
    access.authorize(actor, access.EDIT, record)
    refuse_stale(record, expected_version)


def refuse_stale(record: Any, expected_version: int | None) -> None:
    """The version the actor read is still the current one."""
    check_version(
        record,
        expected_version,
        _l(
            "Someone else changed this record after you opened it. "
            "Reload the page to see the current state, then try again."
        ),
    )


# --- the register -------------------------------------------------------------------------


@dataclass
class DocumentValues:
    title: str
    owner_unit_id: int | None = None
    clause_ids: list[int] = field(default_factory=list)
    #: None: the configured period (settings.py: DOCUMENT_REVIEW_PERIOD_MONTHS)
    review_period_months: int | None = None
    retention_years: int | None = None


def _apply_values(document: Document, doc_type: DocumentType, values: DocumentValues) -> None:
    title = values.title.strip()
    if not title:
        raise DomainError(_l("The title is required."), field="title")
    months = values.review_period_months or default_review_period()
    if not 1 <= months <= MAX_REVIEW_PERIOD_MONTHS:
        raise DomainError(
            _l("The review period must be 1 to %(max)s months.", max=MAX_REVIEW_PERIOD_MONTHS),
            field="review_period_months",
        )
    if values.retention_years is not None and values.retention_years < 1:
        raise DomainError(
            _l("The retention period must be at least one year."), field="retention_years"
        )
    if doc_type == DocumentType.RECORD and values.retention_years is None:
        raise DomainError(
            _l("A record needs a retention period (clause 7.5.3)."), field="retention_years"
        )
    if values.owner_unit_id:
        unit = db.session.get(Unit, values.owner_unit_id)
        if unit is None or unit.agency_id != document.agency_id:
            raise DomainError(
                _l("The owner unit must belong to the document's agency."), field="owner_unit_id"
            )
    document.title = title
    document.owner_unit_id = values.owner_unit_id or None
    document.retention_years = values.retention_years
    if document.review_period_months != months:
        document.review_period_months = months
        basis = _review_basis(document)
        if basis is not None:
            document.next_review_on = document.review_due_from(basis)


def _set_clauses(document: Document, clause_ids: list[int]) -> None:
    wanted = set(clause_ids)
    found = set(
        db.session.scalars(
            select(Clause.id).where(Clause.id.in_(wanted), Clause.retired_at.is_(None))
        )
    )
    if found != wanted:
        raise DomainError(_l("Choose clauses of a loaded standard."), field="clause_ids")
    for link in list(document.clause_links):
        if link.clause_id not in wanted:
            document.clause_links.remove(link)
    present = {link.clause_id for link in document.clause_links}
    for clause_id in sorted(wanted - present):
        document.clause_links.append(DocumentClause(clause_id=clause_id))


def create_document(
    actor: User,
    agency: Agency,
    doc_type: DocumentType,
    values: DocumentValues,
    *,
    keep_code: str | None = None,
) -> Document:
    """Register a document and give it the agency's next code for its type (or `keep_code`, an
    imported document's own code, when it fits the agency's pattern and is free)."""
    document = Document(agency_id=agency.id, agency=agency, doc_type=doc_type)
    access.authorize(actor, access.CREATE, document)
    _apply_values(document, doc_type, values)
    if keep_code is None or not numbering.insert_with_code(document, agency.code, keep_code):
        numbering.insert_numbered(document, agency.code)
    _set_clauses(document, values.clause_ids)
    db.session.flush()
    return document


def update_document(
    actor: User, document: Document, values: DocumentValues, expected_version: int | None = None
) -> Document:
    authorize_change(actor, document, expected_version)
    with refuse_concurrent_change():
        _apply_values(document, document.doc_type, values)
        _set_clauses(document, values.clause_ids)
        db.session.flush()
    return document


# --- revisions ----------------------------------------------------------------------------


def revision_refusal(document: Document) -> Any | None:
    """Why no new revision of the document can start now (None when one can)."""
    if document.is_withdrawn:
        return _l("The document was withdrawn; it cannot be revised.")
    if document.open_revision is not None:
        return _l(
            "Revision %(number)s is still being worked on; finish it first.",
            number=document.open_revision.number,
        )
    return None


def _sections(revision: DocumentRevision | None) -> dict[str, str]:
    return {name: (getattr(revision, name) if revision else "") for name in SECTIONS}


def _clean_sections(sections: dict[str, str]) -> dict[str, str]:
    return {name: (sections.get(name) or "").strip() for name in SECTIONS}


def _required_summary(change_summary: str) -> str:
    if not change_summary.strip():
        raise DomainError(_l("Describe what changes in this revision."), field="change_summary")
    return change_summary.strip()


def create_revision(
    actor: User,
    document: Document,
    change_summary: str,
    sections: dict[str, str] | None = None,
    upload: Upload | None = None,
) -> DocumentRevision:
    """Start the next revision as a draft; without text it starts from the effective one's."""
    access.authorize(actor, access.EDIT, document)
    refusal = revision_refusal(document)
    if refusal is not None:
        raise DomainError(refusal)
    summary = _required_summary(change_summary)
    text = _sections(document.current_revision) if sections is None else _clean_sections(sections)
    number = max((r.number for r in document.revisions), default=0) + 1
    revision = DocumentRevision(
        document=document, number=number, author_id=actor.id, change_summary=summary, **text
    )
    with refuse_concurrent_change():
        db.session.add(revision)
        db.session.flush()
    if upload is not None:
        operations.store(upload[0], upload[1], revision, actor)
    return revision


def _require_draft(revision: DocumentRevision) -> None:
    if not revision.is_editable:
        raise DomainError(
            _l(
                "Only a draft can be changed; this revision is “%(state)s”.",
                state=revision.state_label,
            )
        )


def update_revision(
    actor: User,
    revision: DocumentRevision,
    change_summary: str,
    sections: dict[str, str],
    expected_version: int | None = None,
) -> DocumentRevision:
    authorize_change(actor, revision, expected_version)
    _require_draft(revision)
    revision.change_summary = _required_summary(change_summary)
    for name, value in _clean_sections(sections).items():
        setattr(revision, name, value)
    with refuse_concurrent_change():
        db.session.flush()
    return revision


def attach_file(
    actor: User, revision: DocumentRevision, upload: Upload, description: str = ""
) -> Any:
    """Add a file to a draft; a refused file leaves nothing behind."""
    access.authorize(actor, access.EDIT, revision)
    _require_draft(revision)
    return operations.store(upload[0], upload[1], revision, actor, description)


# --- periodic review ----------------------------------------------------------------------


def review_refusal(document: Document) -> Any | None:
    """Why the document cannot be reviewed (None when it can)."""
    if document.current_revision is None:
        return _l("Only a document with an effective revision is reviewed.")
    return None


def _review_basis(document: Document) -> date | None:
    """The day the review period counts from: the effective date or the last no-change review."""
    if document.current_revision is None or document.current_revision.effective_on is None:
        return None
    last = db.session.scalar(
        select(func.max(DocumentReview.reviewed_on)).where(
            DocumentReview.document_id == document.id,
            DocumentReview.outcome == ReviewOutcome.NO_CHANGE,
            DocumentReview.reviewed_on >= document.current_revision.effective_on,
        )
    )
    return last or document.current_revision.effective_on


def review_document(
    actor: User,
    document: Document,
    outcome: ReviewOutcome,
    notes: str = "",
    reviewed_on: date | None = None,
    expected_version: int | None = None,
) -> DocumentReview:
    """Record a periodic review: no change moves the next review on; otherwise a draft starts."""
    authorize_change(actor, document, expected_version)
    reviewed_on = reviewed_on or local_today()
    if reviewed_on > local_today():
        raise DomainError(_l("The review date cannot be in the future."), field="reviewed_on")
    refusal = review_refusal(document)
    if refusal is not None:
        raise DomainError(refusal)
    due_on = document.next_review_on
    with refuse_concurrent_change():
        # every review moves the document's version, even one that changes none of its fields
        # (a second "no change" on the same day): the same review posted twice is refused
        document.updated_at = utcnow()
        revision = None
        if outcome == ReviewOutcome.NO_CHANGE:
            document.next_review_on = document.review_due_from(reviewed_on)
        else:
            revision = create_revision(
                actor, document, notes.strip() or _("Changes found in the periodic review")
            )
        review = DocumentReview(
            document=document,
            reviewed_on=reviewed_on,
            reviewer_id=actor.id,
            outcome=outcome,
            notes=notes.strip(),
            due_on=due_on,
            next_review_on=document.next_review_on,
            revision=revision,
        )
        db.session.add(review)
        db.session.flush()
    return review
