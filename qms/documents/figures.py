"""The figures of document control, counted in SQL with the documents' own rules
(`Document.status`, `Document.review_state`): the agency page's panel and the report sections
(documents/reports.py) read the same numbers from here. Archived documents count nowhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select

from qms.core import access
from qms.documents.models import Document, DocumentStatus, ReviewState
from qms.extensions import db


@dataclass(frozen=True)
class DocumentCounts:
    """An agency's documents by status, and the effective ones whose periodic review is due
    (within the notice period) or overdue."""

    by_status: dict[DocumentStatus, int]
    due: int
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


NO_DOCUMENTS = DocumentCounts({status: 0 for status in DocumentStatus}, 0, 0)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _selection(agency_ids: Iterable[int], visible_to: Any | None) -> Select:
    """The agencies' documents; with `visible_to`, only those that user may see."""
    documents = (
        access.scoped(Document, visible_to)
        if visible_to is not None
        else select(Document).where(Document.archived_at.is_(None))
    )
    return documents.where(Document.agency_id.in_(list(agency_ids)))


def document_counts(
    agency_ids: Iterable[int], today: date, *, visible_to: Any | None = None
) -> dict[int, DocumentCounts]:
    """Per agency (each of `agency_ids`, none left out): its documents by status and its
    reviews due and overdue as of `today`."""
    ids = list(agency_ids)
    review = Document.review_state(today)
    statuses = list(DocumentStatus)
    rows = db.session.execute(
        _selection(ids, visible_to)
        .with_only_columns(
            Document.agency_id,
            *(_count_if(Document.status == status.value) for status in statuses),
            _count_if(review == ReviewState.DUE.value),
            _count_if(review == ReviewState.OVERDUE.value),
        )
        .group_by(Document.agency_id)
    )
    counts = dict.fromkeys(ids, NO_DOCUMENTS)
    for agency_id, *by_status, due, overdue in rows:
        by_status_counted = dict(zip(statuses, by_status, strict=True))
        counts[agency_id] = DocumentCounts(by_status_counted, due, overdue)
    return counts


def documents_to_review(
    agency_ids: Iterable[int], today: date, *, visible_to: Any | None = None
) -> dict[ReviewState, list[Document]]:
    """The agencies' documents whose periodic review is due or overdue as of `today`, in the
    order of the master list within each agency; with `visible_to`, those that user may see."""
    review = Document.review_state(today)
    found = db.session.execute(
        _selection(agency_ids, visible_to)
        .add_columns(review)
        .where(review.is_not(None))
        .order_by(Document.agency_id, Document.doc_type, Document.seq)
    )
    listed: dict[ReviewState, list[Document]] = {state: [] for state in ReviewState}
    for document, state in found:
        listed[ReviewState(state)].append(document)
    return listed
