"""The read side of document control: the master list with its filters and CSV, the review
state, the home and agency panels, what the pages offer a user, the forms' choices and the
names history tables give revisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from qms.accounts.models import User
from qms.core import access
from qms.core.exports import Column, field
from qms.core.timeutil import today as local_today
from qms.documents import operations, workflow
from qms.documents.figures import document_counts
from qms.documents.models import (
    Document,
    DocumentRevision,
    DocumentStatus,
    DocumentType,
    ReviewState,
    RevisionState,
)
from qms.documents.policies import reads_documents
from qms.documents.settings import review_notice_days
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.standards.models import Clause

# --- review state and badges --------------------------------------------------------------


def review_state(document: Document, today: date | None = None) -> ReviewState | None:
    """Overdue, due (within the notice period) or None (see Document.review_state)."""
    return document.review_state(today or local_today())


class Badge(NamedTuple):
    label: Any
    #: the badge's colour: "ok", "warn", "bad" or "" (plain)
    tone: str


_STATUS_TONES = {DocumentStatus.EFFECTIVE: "ok", DocumentStatus.WITHDRAWN: "bad"}
_REVIEW_BADGES = {
    ReviewState.OVERDUE: Badge(_l("Review overdue"), "bad"),
    ReviewState.DUE: Badge(_l("Review due"), "warn"),
}


def status_badge(document: Document) -> Badge:
    return Badge(document.status_label, _STATUS_TONES.get(document.status, ""))


def revision_badge(revision: DocumentRevision) -> Badge:
    return Badge(revision.state_label, "ok" if revision.is_effective else "")


def review_badge(state: ReviewState | str | None) -> Badge | None:
    """The badge of a review state; None shows nothing."""
    return _REVIEW_BADGES.get(ReviewState(state)) if state else None


# --- what the pages offer -----------------------------------------------------------------


@dataclass(frozen=True)
class DocumentActions:
    """What a document's page offers the user, as the operations decide it."""

    may_edit: bool
    may_start_revision: bool
    may_review: bool
    may_withdraw: bool


def document_actions(document: Document, user: User) -> DocumentActions:
    manages = access.can(user, access.EDIT, document)
    return DocumentActions(
        may_edit=manages and not document.is_withdrawn,
        may_start_revision=manages and operations.revision_refusal(document) is None,
        may_review=manages and operations.review_refusal(document) is None,
        may_withdraw=manages and workflow.withdraw_refusal(document) is None,
    )


def may_edit_draft(revision: DocumentRevision, user: User) -> bool:
    """Whether the user may change the revision's text and attach files."""
    return revision.is_editable and access.can(user, access.EDIT, revision)


# --- the forms' choices -------------------------------------------------------------------


def units_of(agencies: list[Agency]) -> list[Unit]:
    if not agencies:
        return []
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.agency_id.in_([a.id for a in agencies]), Unit.archived_at.is_(None))
            .order_by(Unit.agency_id, Unit.name)
        )
    )


def clause_choices() -> list[Clause]:
    """The current clauses of every loaded standard, in the standard's order."""
    return list(
        db.session.scalars(
            select(Clause)
            .where(Clause.retired_at.is_(None))
            .order_by(Clause.standard_id, Clause.position)
        )
    )


# --- the master list ----------------------------------------------------------------------


@dataclass
class MasterListFilter:
    agency_id: int | None = None
    city_id: int | None = None
    doc_type: str | None = None
    status: str | None = None
    review: str | None = None  # a ReviewState
    #: "in_review": only documents with a revision awaiting approval
    revision: str | None = None
    q: str = ""


def master_list_query(
    user: User, filters: MasterListFilter | None = None, today: date | None = None
) -> Select:
    """The documents the user may see, filtered, in the order of the printed master list."""
    filters = filters or MasterListFilter()
    today = today or local_today()
    query = (
        access.scoped(Document, user)
        .join(Agency, Agency.id == Document.agency_id)
        .options(joinedload(Document.agency), joinedload(Document.current_revision))
        .order_by(Agency.name, Agency.id, Document.doc_type, Document.seq)
    )
    if filters.city_id:
        query = query.where(Agency.city_id == filters.city_id)
    if filters.agency_id:
        query = query.where(Document.agency_id == filters.agency_id)
    if filters.doc_type:
        query = query.where(Document.doc_type == DocumentType(filters.doc_type))
    if filters.status:
        query = query.where(Document.status == DocumentStatus(filters.status).value)
    if filters.review:
        query = query.where(Document.review_state(today) == ReviewState(filters.review).value)
    if filters.revision == RevisionState.IN_REVIEW:
        in_review = select(DocumentRevision.document_id).where(
            DocumentRevision.state == RevisionState.IN_REVIEW
        )
        query = query.where(Document.id.in_(in_review))
    if filters.q.strip():
        needle = f"%{filters.q.strip().lower()}%"
        query = query.where(
            or_(func.lower(Document.title).like(needle), func.lower(Document.code).like(needle))
        )
    return query


def master_list(
    user: User, filters: MasterListFilter | None = None, today: date | None = None
) -> list[Document]:
    return list(db.session.scalars(master_list_query(user, filters, today)).unique())


#: the master list as a spreadsheet reads it (CSV today; the same columns for any format)
MASTER_LIST_COLUMNS = [
    Column(_l("Agency"), lambda d: d.agency.name),
    Column(_l("Code"), lambda d: d.code),
    Column(_l("Title"), lambda d: d.title),
    Column(_l("Type"), lambda d: d.type_label),
    Column(
        _l("Current revision"), lambda d: d.current_revision.number if d.current_revision else None
    ),
    Column(
        _l("Effective date"),
        lambda d: d.current_revision.effective_on if d.current_revision else None,
    ),
    Column(_l("Next review"), lambda d: d.next_review_on),
    Column(_l("Status"), lambda d: d.status_label),
    # what an import of the master list needs besides (qms/documents/imports.py)
    field(Document, "review_period_months"),
    field(Document, "retention_years"),
]


# --- the panels ---------------------------------------------------------------------------


#: the documents the home panel names per review state (the master list filters them all)
HOME_PANEL_REVIEWS = 10


def reviews_needing_attention(user: User, today: date | None = None) -> dict[str, Any]:
    """For the home panel: the first of the user's documents whose review is overdue or due
    soon (a city administrator's city has hundreds)."""
    reviews = {
        state: list(
            db.session.scalars(
                master_list_query(user, MasterListFilter(review=state), today).limit(
                    HOME_PANEL_REVIEWS
                )
            ).unique()
        )
        for state in (ReviewState.OVERDUE, ReviewState.DUE)
    }
    return {
        "reviews": reviews,
        "nothing_due": not any(reviews.values()),
        "notice_days": review_notice_days(),
    }


def reads_documents_of(user: User, agency: Agency) -> bool:
    """Whether the user reads the agency's documents (its page then shows their panel)."""
    readable = select(Agency.id).where(Agency.id == agency.id, reads_documents(user, Agency.id))
    return db.session.scalar(readable) is not None


def agency_status(user: User, agency: Agency, today: date | None = None) -> dict[str, Any]:
    """For the agency's page: its documents the user may see, counted by status, and the
    reviews due within the notice period or overdue."""
    counts = document_counts([agency.id], today or local_today(), visible_to=user)[agency.id]
    return {
        "agency": agency,
        "status_labels": DocumentStatus.labels(),
        "by_status": counts.by_status,
        "reviews": {ReviewState.OVERDUE: counts.overdue, ReviewState.DUE: counts.due},
    }


# --- revisions ----------------------------------------------------------------------------


def revision_names(ids: set[int]) -> dict[int, str]:
    """Revisions as history tables name them: "Revision 2"."""
    rows = db.session.execute(
        select(DocumentRevision.id, DocumentRevision.number).where(DocumentRevision.id.in_(ids))
    )
    return {key: _("Revision %(number)s", number=number) for key, number in rows}


def revision_by_number(document: Document, number: int) -> DocumentRevision | None:
    return next((r for r in document.revisions if r.number == number), None)


def previous_revision(revision: DocumentRevision) -> DocumentRevision | None:
    """The revision this one is compared with: the one before it, skipping discarded drafts
    (their text never took effect)."""
    earlier = [
        r
        for r in revision.document.revisions
        if r.number < revision.number and r.state != RevisionState.DISCARDED
    ]
    return earlier[-1] if earlier else None
