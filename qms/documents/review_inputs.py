"""What document control contributes to the management review and to certification readiness
(registered from the documents' init_app into qms.core; the review never imports documents):

- "document control" (9.3.2 c: process performance and conformity): the documents in force,
  their periodic reviews done in the review's year, those due and overdue at the cut-off, and
  the revisions that took effect in the year;
- the outlet "start a revision of a document" for an action of a review (its change summary
  names the review);
- readiness: an effective controlled document mapped to a clause maintains it; an effective
  record-type document mapped to a clause retains it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from qms.core import access, readiness, review_inputs
from qms.core.errors import DomainError
from qms.documents import operations
from qms.documents.figures import document_counts
from qms.documents.models import (
    Document,
    DocumentClause,
    DocumentReview,
    DocumentRevision,
    DocumentStatus,
    DocumentType,
)
from qms.extensions import db
from qms.standards.models import Clause

LABELS = {
    "effective": _l("Documents in force"),
    "reviews_done": _l("Periodic reviews done in the review period"),
    "reviews_due": _l("Reviews due at the cut-off"),
    "reviews_overdue": _l("Reviews overdue at the cut-off"),
    "revisions_effective": _l("Revisions that took effect in the review period"),
}


def document_control(agency: Any, cut_off: date) -> dict[str, Any]:
    first, last = review_inputs.review_period(cut_off)
    counted = document_counts([agency.id], cut_off)[agency.id]
    live = select(Document.id).where(
        Document.agency_id == agency.id, Document.archived_at.is_(None)
    )
    reviews = db.session.scalar(
        select(func.count(DocumentReview.id)).where(
            DocumentReview.document_id.in_(live), DocumentReview.reviewed_on.between(first, last)
        )
    )
    revisions = db.session.scalar(
        select(func.count(DocumentRevision.id)).where(
            DocumentRevision.document_id.in_(live),
            DocumentRevision.effective_on.between(first, last),
        )
    )
    return {
        "counts": {
            "effective": counted.by_status[DocumentStatus.EFFECTIVE],
            "reviews_done": reviews,
            "reviews_due": counted.due,
            "reviews_overdue": counted.overdue,
            "revisions_effective": revisions,
        }
    }


# --- the outlet of a review's action --------------------------------------------------------

#: the outlet's key: a review action that started a revision keeps it with the id
OUTLET = "document_revision"


def start_revision(
    actor: Any, agency: Any, action: Mapping[str, Any], document_id: int | None
) -> int:
    document = db.session.get(Document, document_id) if document_id else None
    if (
        document is None
        or document.agency_id != agency.id
        or not access.can(actor, access.VIEW, document)
    ):
        raise DomainError(_("Choose a document of the agency."), field="target_id")
    summary = _(
        "%(action)s (decided by the management review “%(review)s”)",
        action=action["description"],
        review=action["reference"],
    )
    return operations.create_revision(actor, document, summary).id


def review_origin(revision: DocumentRevision, viewer: Any) -> review_inputs.ActionOrigin | None:
    """The management review action that started the revision, if the viewer may see the
    review (the revision's page links to it)."""
    return review_inputs.action_origin(OUTLET, revision.id, viewer)


def document_targets(user: Any, agency: Any) -> list[tuple[int, str]]:
    rows = db.session.execute(
        access.scoped(Document, user)
        .where(Document.agency_id == agency.id, Document.withdrawn_at.is_(None))
        .with_only_columns(Document.id, Document.code, Document.title)
        .order_by(Document.doc_type, Document.seq)
    )
    return [(i, f"{code} {title}") for i, code, title in rows]


# --- readiness ------------------------------------------------------------------------------


def _mapped(
    agency_ids: Sequence[int], types: tuple[DocumentType, ...] | None
) -> readiness.FoundEvidence:
    query = (
        select(Document.agency_id, Clause.number, Document.id, Document.code, Document.title)
        .join(DocumentClause, DocumentClause.clause_id == Clause.id)
        .join(Document, Document.id == DocumentClause.document_id)
        .where(
            Document.agency_id.in_(agency_ids),
            Document.archived_at.is_(None),
            Document.status == DocumentStatus.EFFECTIVE.value,
        )
        .order_by(Clause.number, Document.code)
    )
    if types:
        query = query.where(Document.doc_type.in_(types))
    found: readiness.FoundEvidence = {}
    for agency_id, number, document_id, code, title in db.session.execute(query):
        found.setdefault(agency_id, {}).setdefault(number, []).append(
            readiness.Evidence(
                f"{code} {title}", readiness.address("documents.show", document_id=document_id)
            )
        )
    return found


def controlled_documents(agency_ids: Sequence[int], today: date) -> readiness.FoundEvidence:
    return _mapped(agency_ids, None)


def record_documents(agency_ids: Sequence[int], today: date) -> readiness.FoundEvidence:
    return _mapped(agency_ids, (DocumentType.RECORD,))


def register() -> None:
    review_inputs.add_input_provider(
        review_inputs.InputProvider(
            "c", "documents", _l("Document control"), document_control, LABELS, 80
        )
    )
    review_inputs.add_action_outlet(
        review_inputs.ActionOutlet(
            OUTLET,
            _l("Start a revision of a document"),
            start_revision,
            review_inputs.describing(
                DocumentRevision,
                "documents.show_revision",
                "revision_id",
                lambda revision: revision.record_label,
                lambda revision: revision.state_label,
            ),
            needs_target=True,
            targets=document_targets,
        )
    )
    readiness.add_evidence_source(
        readiness.EvidenceSource(
            "documents",
            _l("Controlled documents mapped to the clause"),
            readiness.MAINTAIN,
            controlled_documents,
            10,
        )
    )
    readiness.add_evidence_source(
        readiness.EvidenceSource(
            "document-records",
            _l("Records kept as controlled documents"),
            readiness.RETAIN,
            record_documents,
            11,
        )
    )
