"""The management review (ISO 9001 9.3; Rapat Tinjauan Manajemen) of an agency: the meeting
with its chair, attendees, agenda and cut-off, the input pack frozen as of the cut-off (with
the hash of its data), the discussion of each input, and the outputs of 9.3.3 as actions with
an owner and a due date, each of which may link to a document or a nonconformity."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.labels import LabelledEnum, labelled
from qms.core.models import (
    AgencyRecordMixin,
    AuditedMixin,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    reference_column,
)
from qms.extensions import db


class ReviewStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    PREPARED = "prepared", _l("Input pack prepared")
    HELD = "held", _l("Held (minutes recorded)")
    CLOSED = "closed", _l("Closed (all actions done)")


#: a review that has been held (and perhaps closed since): its minutes are fixed
HELD = (ReviewStatus.HELD, ReviewStatus.CLOSED)


class OutputKind(LabelledEnum):
    """The outputs of 9.3.3."""

    IMPROVEMENT = "improvement", _l("Decision on an opportunity for improvement")
    QMS_CHANGE = "qms_change", _l("Change needed to the quality system")
    RESOURCE = "resource", _l("Resource need")


class ActionStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    DONE = "done", _l("Done")


class ManagementReview(AgencyRecordMixin, VersionedMixin, db.Model):
    __tablename__ = "management_reviews"
    __record_label__ = "title"
    # the pack is frozen once and kept on the record; its hash is in the history
    __history_exclude__ = frozenset({"pack"})

    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title")))
    planned_on: Mapped[date] = mapped_column(info=labelled(_l("Planned date")))
    cut_off: Mapped[date] = mapped_column(info=labelled(_l("Data cut-off date")))
    chair: Mapped[str] = mapped_column(String(200), info=labelled(_l("Chair (head of the agency)")))
    chair_position: Mapped[str] = mapped_column(
        String(200), default="", info=labelled(_l("Chair's position"))
    )
    venue: Mapped[str] = mapped_column(String(255), default="", info=labelled(_l("Venue")))
    agenda: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Agenda")))
    status: Mapped[ReviewStatus] = enum_column(
        ReviewStatus, _l("Status"), default=ReviewStatus.PLANNED
    )
    pack: Mapped[dict] = mapped_column(JSON, default=dict, info=labelled(_l("Input pack")))
    pack_hash: Mapped[str | None] = mapped_column(
        String(64), default=None, info=labelled(_l("Input pack SHA-256"))
    )
    pack_prepared_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Input pack prepared"))
    )
    held_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Held on")))
    summary: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("Summary of the meeting"))
    )
    closed_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Closed on")))

    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="review", order_by="Attendee.id"
    )
    discussions: Mapped[list[Discussion]] = relationship(
        back_populates="review", order_by="Discussion.id"
    )
    actions: Mapped[list[ReviewAction]] = relationship(
        back_populates="review", order_by="ReviewAction.id"
    )

    @property
    def minutes_fixed(self) -> bool:
        """Held or closed: the minutes change only by a correction with a reason."""
        return self.status in HELD

    def discussion_of(self, input_key: str) -> str:
        return next((d.text for d in self.discussions if d.input_key == input_key), "")


class Attendee(AuditedMixin, db.Model):
    __tablename__ = "management_review_attendees"
    __record_label__ = "name"
    __deletable__ = True

    review_id: Mapped[int] = reference_column(
        "management_reviews.id", _l("Management review"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), info=labelled(_l("Name")))
    position: Mapped[str] = mapped_column(String(200), default="", info=labelled(_l("Position")))

    review: Mapped[ManagementReview] = relationship(back_populates="attendees")


class Discussion(AuditedMixin, TimestampMixin, db.Model):
    """What the meeting said about one input of the pack (an input provider's key)."""

    __tablename__ = "management_review_discussions"
    __table_args__ = (UniqueConstraint("review_id", "input_key"),)

    review_id: Mapped[int] = reference_column(
        "management_reviews.id", _l("Management review"), index=True
    )
    input_key: Mapped[str] = mapped_column(String(64), info=labelled(_l("Input")))
    text: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Discussion")))

    review: Mapped[ManagementReview] = relationship(back_populates="discussions")

    @property
    def record_label(self) -> str:
        return f"{self.review.title} · {self.input_key}"


class ReviewAction(AuditedMixin, TimestampMixin, db.Model):
    """An output of the review (9.3.3): a decision with its owner and due date, tracked to done;
    it may open a revision of a document or raise a nonconformity: the outlet's key and the
    record's id are kept here, once (a record is opened by one action at most), and the
    record's page finds its action by them (queries.origin_of)."""

    __tablename__ = "management_review_actions"
    __table_args__ = (
        Index("uq_management_review_actions_link", "link_kind", "link_id", unique=True),
    )

    review_id: Mapped[int] = reference_column(
        "management_reviews.id", _l("Management review"), index=True
    )
    kind: Mapped[OutputKind] = enum_column(OutputKind, _l("Kind of output"))
    input_key: Mapped[str] = mapped_column(
        String(64), default="", info=labelled(_l("Input it answers"))
    )
    description: Mapped[str] = mapped_column(Text, info=labelled(_l("Decision or action")))
    owner: Mapped[str] = mapped_column(String(200), info=labelled(_l("Person in charge")))
    due_on: Mapped[date] = mapped_column(info=labelled(_l("Due date")))
    status: Mapped[ActionStatus] = enum_column(
        ActionStatus, _l("Status"), default=ActionStatus.OPEN
    )
    done_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Done on")))
    result: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("What was done")))
    link_kind: Mapped[str | None] = mapped_column(
        String(32), default=None, info=labelled(_l("Linked record"))
    )
    link_id: Mapped[int | None] = mapped_column(default=None, info=labelled(_l("Linked record id")))

    review: Mapped[ManagementReview] = relationship(back_populates="actions")

    @property
    def record_label(self) -> str:
        return f"{self.review.title} · {self.description[:60]}"

    @property
    def is_done(self) -> bool:
        return self.status == ActionStatus.DONE

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_on < today


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_management_reviews_planned", ManagementReview.planned_on, ManagementReview.id)
