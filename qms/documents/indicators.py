"""The figure of document control that a quality objective can be measured by (registered in
`qms.core.registry` from `init_app`): documents reviewed on time, a percentage for one agency
over one period, counted in SQL; None when no review fell due in the period."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from qms.core.registry import IndicatorSource, add_indicator_source
from qms.core.timeutil import today as local_today
from qms.documents.models import Document, DocumentReview, DocumentStatus
from qms.extensions import db


def reviewed_on_time(agency_id: int, first: date, last: date) -> float | None:
    """Of the periodic reviews that fell due in the period — those held (their due date is
    kept with them) and those of effective documents still waiting past their date — the share
    held by the date they were due."""
    held, held_on_time = db.session.execute(
        select(
            func.count(DocumentReview.id),
            func.sum(case((DocumentReview.reviewed_on <= DocumentReview.due_on, 1), else_=0)),
        )
        .join(Document, Document.id == DocumentReview.document_id)
        .where(
            Document.agency_id == agency_id,
            Document.archived_at.is_(None),
            DocumentReview.due_on.between(first, last),
        )
    ).one()
    waiting = db.session.scalar(
        select(func.count(Document.id)).where(
            Document.agency_id == agency_id,
            Document.archived_at.is_(None),
            Document.status == DocumentStatus.EFFECTIVE,
            Document.next_review_on.between(first, last),
            Document.next_review_on < local_today(),
        )
    )
    total = held + (waiting or 0)
    return round(100 * (held_on_time or 0) / total, 2) if total else None


def register() -> None:
    add_indicator_source(
        IndicatorSource(
            "documents_reviewed_on_time",
            _l("Documents reviewed by their review date (%)"),
            "percent",
            reviewed_on_time,
            order=30,
        )
    )
