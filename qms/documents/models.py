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
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    null,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.core.models import (
    ArchivableMixin,
    AuditedMixin,
    TimestampMixin,
    VersionedMixin,
    str_enum,
)
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.standards.models import Clause


class DocumentType(enum.StrEnum):
    QUALITY_POLICY = "quality_policy"
    QUALITY_MANUAL = "quality_manual"
    PROCEDURE = "procedure"
    WORK_INSTRUCTION = "work_instruction"
    FORM = "form"
    SERVICE_STANDARD = "service_standard"
    RECORD = "record"


DOCUMENT_TYPE_LABELS = {
    DocumentType.QUALITY_POLICY: _l("Quality policy"),
    DocumentType.QUALITY_MANUAL: _l("Quality manual"),
    DocumentType.PROCEDURE: _l("Quality procedure (SOP)"),
    DocumentType.WORK_INSTRUCTION: _l("Work instruction"),
    DocumentType.FORM: _l("Form"),
    DocumentType.SERVICE_STANDARD: _l("Service standard"),
    DocumentType.RECORD: _l("Record"),
}

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


class RevisionState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    EFFECTIVE = "effective"
    SUPERSEDED = "superseded"
    OBSOLETE = "obsolete"
    #: a draft that did not go ahead: kept with its history, never current
    DISCARDED = "discarded"


#: revisions still being worked on; a document has at most one
OPEN_STATES = frozenset({RevisionState.DRAFT, RevisionState.IN_REVIEW, RevisionState.APPROVED})


class DocumentStatus(enum.StrEnum):
    """The document's place in the master list, derived from its revisions."""

    NOT_YET_EFFECTIVE = "not_yet_effective"
    EFFECTIVE = "effective"
    WITHDRAWN = "withdrawn"


#: how many days ahead a review counts as due (home panel, reminders, reports)
REVIEW_NOTICE_DAYS = 30

DOCUMENT_STATUS_LABELS = {
    DocumentStatus.NOT_YET_EFFECTIVE: _l("Not yet effective"),
    DocumentStatus.EFFECTIVE: lazy_pgettext("in force", "Effective"),
    DocumentStatus.WITHDRAWN: _l("Withdrawn"),
}


class ReviewOutcome(enum.StrEnum):
    NO_CHANGE = "no_change"
    REVISION = "revision"


REVIEW_OUTCOME_LABELS = {
    ReviewOutcome.NO_CHANGE: _l("No change needed"),
    ReviewOutcome.REVISION: _l("New revision started"),
}

#: the fixed sections of a procedure's text, in order: (column, label)
SECTIONS: tuple[tuple[str, object], ...] = (
    ("purpose", _l("Purpose")),
    ("scope", _l("Scope")),
    ("definitions", _l("Definitions")),
    ("responsibilities", _l("Responsibilities")),
    ("procedure", _l("Procedure")),
    ("records", _l("Records")),
)


class Document(AuditedMixin, ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """One entry of an agency's register of documented information."""

    __tablename__ = "documents"
    __table_args__ = (
        # the numbering is race-safe through this constraint (and a retry in the service)
        UniqueConstraint("agency_id", "doc_type", "seq"),
        UniqueConstraint("agency_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    doc_type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType))
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    review_period_months: Mapped[int] = mapped_column(default=12)
    #: how long records of this kind are kept (clause 7.5.3.2), in years
    retention_years: Mapped[int | None] = mapped_column(default=None)
    next_review_on: Mapped[date | None] = mapped_column(default=None, index=True)
    #: the one effective revision; concurrent changes fail on the version (optimistic lock)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_revisions.id", use_alter=True)
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

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
    def record_label(self) -> str:
        return self.code

    @property
    def type_label(self) -> str:
        return str(DOCUMENT_TYPE_LABELS[self.doc_type])

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
    def review_state(self, today: date) -> str | None:
        """An effective document's review: "overdue", "due" (within the notice period) or
        None."""
        if self.status != DocumentStatus.EFFECTIVE or self.next_review_on is None:
            return None
        if self.next_review_on < today:
            return "overdue"
        if self.next_review_on <= today + timedelta(days=REVIEW_NOTICE_DAYS):
            return "due"
        return None

    @review_state.inplace.expression
    @classmethod
    def _review_state_expression(cls, today: date) -> ColumnElement[str | None]:
        effective = cls.status == DocumentStatus.EFFECTIVE.value
        return case(
            (and_(effective, cls.next_review_on < today), "overdue"),
            (
                and_(effective, cls.next_review_on <= today + timedelta(days=REVIEW_NOTICE_DAYS)),
                "due",
            ),
            else_=null(),
        )

    @property
    def status_label(self) -> str:
        return str(DOCUMENT_STATUS_LABELS[self.status])

    @property
    def open_revision(self) -> DocumentRevision | None:
        return next((r for r in self.revisions if r.state in OPEN_STATES), None)


class DocumentClause(AuditedMixin, db.Model):
    """A clause of a standard that the document serves (kept as a row so links are audited)."""

    __tablename__ = "document_clauses"
    __table_args__ = (UniqueConstraint("document_id", "clause_id"),)
    __deletable__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))

    document: Mapped[Document] = relationship(back_populates="clause_links")
    clause: Mapped[Clause] = relationship(lazy="joined")


class DocumentRevision(AuditedMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "document_revisions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        # the database's own guarantee: never two effective revisions of one document
        Index(
            "uq_document_revisions_one_effective",
            "document_id",
            unique=True,
            sqlite_where=text("state = 'effective'"),
            postgresql_where=text("state = 'effective'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    state: Mapped[RevisionState] = mapped_column(
        str_enum(RevisionState), default=RevisionState.DRAFT
    )
    change_summary: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    definitions: Mapped[str] = mapped_column(Text, default="")
    responsibilities: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[str] = mapped_column(Text, default="")
    records: Mapped[str] = mapped_column(Text, default="")
    #: the reviewer's reasons when changes were requested
    review_comment: Mapped[str] = mapped_column(Text, default="")
    #: why the draft was discarded
    discard_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    effective_on: Mapped[date | None] = mapped_column(default=None)
    #: the day it stopped being effective (superseded or withdrawn)
    ended_on: Mapped[date | None] = mapped_column(default=None)

    document: Mapped[Document] = relationship(
        back_populates="revisions", foreign_keys=[document_id]
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def record_label(self) -> str:
        return f"{self.document.code} rev. {self.number}"

    @property
    def has_text(self) -> bool:
        return any(getattr(self, name) for name, _label in SECTIONS)


class DocumentReview(AuditedMixin, TimestampMixin, db.Model):
    """A periodic review of a document: it ends with no change or with a new draft revision."""

    __tablename__ = "document_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    reviewed_on: Mapped[date]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[ReviewOutcome] = mapped_column(str_enum(ReviewOutcome))
    notes: Mapped[str] = mapped_column(Text, default="")
    #: the review date that was due when this review was held
    due_on: Mapped[date | None] = mapped_column(default=None)
    next_review_on: Mapped[date | None] = mapped_column(default=None)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("document_revisions.id"))

    document: Mapped[Document] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()
    revision: Mapped[DocumentRevision | None] = relationship()

    @property
    def record_label(self) -> str:
        return f"{self.document.code} review {self.reviewed_on.isoformat()}"

    @property
    def outcome_label(self) -> str:
        return str(REVIEW_OUTCOME_LABELS[self.outcome])
