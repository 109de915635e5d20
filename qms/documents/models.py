"""Documented information (ISO 9001 clause 7.5): each agency's controlled documents, their
numbered revisions and the periodic reviews that keep them current."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    null,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.core.labels import LabelledEnum, label_of, labelled
from qms.core.models import (
    AgencyRecordMixin,
    AuditedMixin,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    partial_index,
    reference_column,
    text_column,
)
from qms.core.roles import Role
from qms.core.timeutil import add_months
from qms.documents.settings import review_notice_days
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.standards.models import Clause


class DocumentType(LabelledEnum):
    QUALITY_POLICY = "quality_policy", _l("Quality policy")
    QUALITY_MANUAL = "quality_manual", _l("Quality manual")
    PROCEDURE = "procedure", _l("Quality procedure (SOP)")
    WORK_INSTRUCTION = "work_instruction", _l("Work instruction")
    FORM = "form", _l("Form")
    SERVICE_STANDARD = "service_standard", _l("Service standard")
    RECORD = "record", _l("Record")


#: the `{type}` part of a document code, as Indonesian offices abbreviate the types
DOCUMENT_TYPE_PREFIXES = {
    DocumentType.QUALITY_POLICY: "KM",
    DocumentType.QUALITY_MANUAL: "MM",
    DocumentType.PROCEDURE: "SOP",
    DocumentType.WORK_INSTRUCTION: "IK",
    DocumentType.FORM: "FRM",
    DocumentType.SERVICE_STANDARD: "SP",
    DocumentType.RECORD: "RKM",
}


class RevisionState(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    IN_REVIEW = "in_review", _l("In review")
    APPROVED = "approved", _l("Approved")
    EFFECTIVE = "effective", lazy_pgettext("in force", "Effective")
    SUPERSEDED = "superseded", _l("Superseded")
    OBSOLETE = "obsolete", _l("Obsolete")
    #: a draft that did not go ahead: kept with its history, never current
    DISCARDED = "discarded", _l("Discarded")


#: revisions still being worked on; a document has at most one
OPEN_STATES = frozenset({RevisionState.DRAFT, RevisionState.IN_REVIEW, RevisionState.APPROVED})


class DocumentStatus(LabelledEnum):
    """The document's place in the master list, derived from its revisions."""

    NOT_YET_EFFECTIVE = "not_yet_effective", _l("Not yet effective")
    EFFECTIVE = "effective", lazy_pgettext("in force", "Effective")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


class ReviewState(enum.StrEnum):
    """Where an effective document's periodic review stands (None: not due yet)."""

    #: within the notice period (settings.py: DOCUMENT_REVIEW_NOTICE_DAYS)
    DUE = "due"
    OVERDUE = "overdue"


class ReviewOutcome(LabelledEnum):
    NO_CHANGE = "no_change", _l("No change needed")
    REVISION = "revision", _l("New revision started")


def _section(label: object) -> Mapped[str]:
    """A section of the procedure template in a revision's text (SECTIONS lists them)."""
    return mapped_column(Text, default="", info={**labelled(label), "section": True})


class Document(AgencyRecordMixin, VersionedMixin, db.Model):
    """One entry of an agency's register of documented information."""

    __tablename__ = "documents"
    __record_label__ = "code"
    __table_args__ = (
        # the numbering is race-safe through this constraint (and a retry in the service)
        UniqueConstraint("agency_id", "doc_type", "seq"),
        UniqueConstraint("agency_id", "code"),
    )

    doc_type: Mapped[DocumentType] = enum_column(DocumentType, _l("Type"))
    #: the number behind the code (numbering.py)
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(String(64), info=labelled(_l("Code")))
    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title")))
    owner_unit_id: Mapped[int | None] = reference_column("units.id", _l("Owner unit"))
    review_period_months: Mapped[int] = mapped_column(info=labelled(_l("Review period (months)")))
    #: how long records of this kind are kept (clause 7.5.3.2), in years
    retention_years: Mapped[int | None] = mapped_column(
        default=None, info=labelled(_l("Retention period of records (years)"))
    )
    next_review_on: Mapped[date | None] = mapped_column(
        default=None, index=True, info=labelled(_l("Next review"))
    )
    #: the one effective revision; concurrent changes fail on the version (optimistic lock)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_revisions.id", use_alter=True), info=labelled(_l("Current revision"))
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Withdrawn"))
    )
    withdrawal_reason: Mapped[str] = text_column(Text, _l("Reason for withdrawal"))

    #: labels of what is not a column of its own (forms, the API's descriptions)
    __labels__ = {
        "status": _l("Status"),
        "review_state": _l("Review"),
        "clause_ids": _l("Clauses it serves"),
        "clauses": _l("Clauses"),
        "current_revision": _l("Current revision"),
        "effective_on": _l("Effective date"),
    }

    agency: Mapped[Agency] = relationship()
    owner_unit: Mapped[Unit | None] = relationship()
    current_revision: Mapped[DocumentRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )
    revisions: Mapped[list[DocumentRevision]] = relationship(
        back_populates="document",
        foreign_keys="DocumentRevision.document_id",
        order_by="DocumentRevision.number",
    )
    clause_links: Mapped[list[DocumentClause]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="selectin"
    )
    reviews: Mapped[list[DocumentReview]] = relationship(
        back_populates="document", order_by="DocumentReview.id.desc()"
    )

    @property
    def type_label(self) -> str:
        return str(DocumentType(self.doc_type).label)

    @property
    def clauses(self) -> list[Clause]:
        return sorted((link.clause for link in self.clause_links), key=lambda c: c.position)

    # The rules below serve one document (its page, the master list) and, as SQL, the counts
    # of many (filters, reminders, the city summary): keep each rule's two forms together.

    @hybrid_property
    def status(self) -> DocumentStatus:
        if self.withdrawn_at is not None:
            return DocumentStatus.WITHDRAWN
        if self.current_revision_id is not None:
            return DocumentStatus.EFFECTIVE
        return DocumentStatus.NOT_YET_EFFECTIVE

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        return case(
            (cls.withdrawn_at.is_not(None), DocumentStatus.WITHDRAWN.value),
            (cls.current_revision_id.is_not(None), DocumentStatus.EFFECTIVE.value),
            else_=DocumentStatus.NOT_YET_EFFECTIVE.value,
        )

    @hybrid_method
    def review_state(self, today: date) -> ReviewState | None:
        """An effective document's review: overdue, due (within the notice period) or None."""
        if self.status != DocumentStatus.EFFECTIVE or self.next_review_on is None:
            return None
        if self.next_review_on < today:
            return ReviewState.OVERDUE
        if self.next_review_on <= today + timedelta(days=review_notice_days()):
            return ReviewState.DUE
        return None

    @review_state.inplace.expression
    @classmethod
    def _review_state_expression(cls, today: date) -> ColumnElement[str | None]:
        effective = cls.status == DocumentStatus.EFFECTIVE.value
        notice_ends = today + timedelta(days=review_notice_days())
        return case(
            (and_(effective, cls.next_review_on < today), ReviewState.OVERDUE.value),
            (and_(effective, cls.next_review_on <= notice_ends), ReviewState.DUE.value),
            else_=null(),
        )

    @property
    def status_label(self) -> str:
        return str(DocumentStatus(self.status).label)

    def review_due_from(self, day: date) -> date:
        """The next periodic review, counted from `day` (taking effect, a review held)."""
        return add_months(day, self.review_period_months)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def open_revision(self) -> DocumentRevision | None:
        return next((r for r in self.revisions if r.state in OPEN_STATES), None)


class DocumentClause(AuditedMixin, db.Model):
    """A clause of a standard that the document serves (kept as a row so links are audited)."""

    __tablename__ = "document_clauses"
    __table_args__ = (UniqueConstraint("document_id", "clause_id"),)
    __deletable__ = True

    document_id: Mapped[int] = reference_column("documents.id", _l("Document"), index=True)
    clause_id: Mapped[int] = reference_column("clauses.id", _l("Clause"))

    document: Mapped[Document] = relationship(back_populates="clause_links")
    clause: Mapped[Clause] = relationship(lazy="joined")


class DocumentRevision(AuditedMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "document_revisions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        # the database's own guarantee: never two effective revisions of one document
        partial_index(
            "uq_document_revisions_one_effective", "state = 'effective'", "document_id", unique=True
        ),
    )

    document_id: Mapped[int] = reference_column("documents.id", _l("Document"), index=True)
    number: Mapped[int] = mapped_column(info=labelled(_l("Revision")))
    state: Mapped[RevisionState] = enum_column(
        RevisionState, _l("Status"), default=RevisionState.DRAFT
    )
    change_summary: Mapped[str] = mapped_column(
        String(500), info=labelled(_l("What changes in this revision"))
    )
    author_id: Mapped[int] = reference_column("users.id", _l("Author"))
    purpose: Mapped[str] = _section(_l("Purpose"))
    scope: Mapped[str] = _section(_l("Scope"))
    definitions: Mapped[str] = _section(_l("Definitions"))
    responsibilities: Mapped[str] = _section(_l("Responsibilities"))
    procedure: Mapped[str] = _section(_l("Procedure"))
    records: Mapped[str] = _section(_l("Records"))
    #: the reviewer's reasons when changes were requested
    review_comment: Mapped[str] = text_column(Text, _l("Comment"))
    #: why the draft was discarded
    discard_reason: Mapped[str] = text_column(Text, _l("Reason for discarding"))
    submitted_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Submitted"))
    )
    approved_by_id: Mapped[int | None] = reference_column("users.id", _l("Approved by"))
    approved_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Approved"))
    )
    effective_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Effective from"))
    )
    #: the day it stopped being effective (superseded or withdrawn)
    ended_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Effective until"))
    )

    __labels__ = {"sections": _l("Text"), "files": _l("Files")}

    document: Mapped[Document] = relationship(
        back_populates="revisions", foreign_keys=[document_id]
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def record_label(self) -> str:
        return f"{self.document.code} rev. {self.number}"

    @property
    def state_label(self) -> str:
        return str(RevisionState(self.state).label)

    @property
    def is_editable(self) -> bool:
        """Only a draft's text and files change."""
        return self.state == RevisionState.DRAFT

    @property
    def is_effective(self) -> bool:
        return self.state == RevisionState.EFFECTIVE

    @property
    def has_text(self) -> bool:
        return any(getattr(self, name) for name in SECTIONS)

    @property
    def section_texts(self) -> list[tuple[object, str]]:
        """Each section of the template with its label and this revision's text."""
        return [(label_of(DocumentRevision, name), getattr(self, name)) for name in SECTIONS]


class DocumentReview(AuditedMixin, TimestampMixin, db.Model):
    """A periodic review of a document: it ends with no change or with a new draft revision."""

    __tablename__ = "document_reviews"

    document_id: Mapped[int] = reference_column("documents.id", _l("Document"), index=True)
    reviewed_on: Mapped[date] = mapped_column(info=labelled(_l("Review date")))
    reviewer_id: Mapped[int] = reference_column("users.id", _l("Reviewer"))
    outcome: Mapped[ReviewOutcome] = enum_column(ReviewOutcome, _l("Outcome"))
    notes: Mapped[str] = text_column(Text, _l("Notes"))
    #: the review date that was due when this review was held
    due_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Review due")))
    next_review_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Next review"))
    )
    revision_id: Mapped[int | None] = reference_column("document_revisions.id", _l("Revision"))

    document: Mapped[Document] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()
    revision: Mapped[DocumentRevision | None] = relationship()

    @property
    def record_label(self) -> str:
        return f"{self.document.code} review {self.reviewed_on.isoformat()}"


#: the sections of the procedure template, in their order (columns declared with `_section`)
SECTIONS: tuple[str, ...] = tuple(
    column.key for column in DocumentRevision.__table__.columns if column.info.get("section")
)


class DocumentApprover(AuditedMixin, TimestampMixin, db.Model):
    """Who the agency authorises to approve documents of a type (ISO 9001 7.5.2): one row per
    type and role. A type without rows is approved as `qms.documents.approvers.DEFAULTS` says."""

    __tablename__ = "document_approvers"
    __table_args__ = (UniqueConstraint("agency_id", "document_type", "role"),)
    # the agency's settings: a role taken off is removed, and the removal is in the history
    __deletable__ = True

    agency_id: Mapped[int] = reference_column("agencies.id", _l("Agency"), index=True)
    document_type: Mapped[DocumentType] = enum_column(DocumentType, _l("Type"))
    role: Mapped[Role] = enum_column(Role, _l("Role"))

    @property
    def record_label(self) -> str:
        return f"{self.document_type.value}: {self.role.value}"
