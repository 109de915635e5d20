"""The public satisfaction survey (Survei Kepuasan Masyarakat, ISO 9001 9.1.2): a survey per
service unit and period, its anonymous responses, the files they were imported from, and the
follow-up plan for its weakest elements."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.core.labels import labelled
from qms.core.models import (
    AgencyRecordMixin,
    AuditedMixin,
    TimestampMixin,
    enum_column,
    reference_column,
    text_column,
)
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import Unit
from qms.skm.vocabulary import (
    ELEMENT_LABELS,
    ELEMENTS,
    AgeBand,
    Channel,
    Education,
    Gender,
    Occupation,
    SurveyStatus,
)


class Survey(AgencyRecordMixin, db.Model):
    """One survey of one service unit over one period."""

    __tablename__ = "skm_surveys"
    __record_label__ = "title"
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("population > 0", name="population_positive"),
    )

    unit_id: Mapped[int] = reference_column("units.id", _l("Service unit"), index=True)
    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title")))
    period_start: Mapped[date] = mapped_column(info=labelled(_l("Period start")))
    period_end: Mapped[date] = mapped_column(info=labelled(_l("Period end")))
    #: the people the unit serves in the period: the minimum sample is read from it
    population: Mapped[int] = mapped_column(info=labelled(_l("Population served in the period")))
    status: Mapped[SurveyStatus] = enum_column(
        SurveyStatus, _l("Status"), default=SurveyStatus.COLLECTING
    )
    closed_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Closed on")))
    published_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Published on"))
    )

    unit: Mapped[Unit] = relationship(lazy="joined")
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="survey", order_by="FollowUp.id"
    )

    @property
    def is_published(self) -> bool:
        return self.status == SurveyStatus.PUBLISHED


class Import(AuditedMixin, TimestampMixin, db.Model):
    """Responses uploaded (a CSV file, or a JSON array through the API), held server-side with
    their row report until the uploader confirms."""

    __tablename__ = "skm_imports"
    __record_label__ = "filename"
    # the file and its report are kept on the record, not repeated in the history
    __history_exclude__ = frozenset({"content", "report"})

    survey_id: Mapped[int] = reference_column("skm_surveys.id", _l("Survey"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), info=labelled(_l("File")))
    file_format: Mapped[str] = mapped_column(String(8), info=labelled(_l("Format")))
    #: of the content as received: the same file confirmed twice stores nothing twice
    sha256: Mapped[str] = mapped_column(String(64), index=True, info=labelled(_l("SHA-256")))
    content: Mapped[str] = mapped_column(Text)
    report: Mapped[dict] = mapped_column(JSON, default=dict, info=labelled(_l("Import report")))
    confirmed_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Confirmed"))
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stored: Mapped[int] = mapped_column(default=0, info=labelled(_l("Responses stored")))

    survey: Mapped[Survey] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])


class Response(db.Model):
    """One respondent's anonymous answers. Responses are data the survey collects, never edited:
    the import that stored them is in the history, not each of them."""

    __tablename__ = "skm_responses"
    __table_args__ = (
        *(CheckConstraint(f"{e} BETWEEN 1 AND 4", name=f"{e}_scale") for e in ELEMENTS),
        Index("ix_skm_responses_survey_answered", "survey_id", "answered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = reference_column("skm_surveys.id", _l("Survey"))
    answered_on: Mapped[date] = mapped_column(info=labelled(_l("Date")))
    gender: Mapped[Gender | None] = enum_column(Gender, _l("Gender"), length=1, default=None)
    age: Mapped[AgeBand | None] = enum_column(AgeBand, _l("Age"), length=8, default=None)
    education: Mapped[Education | None] = enum_column(
        Education, _l("Education"), length=16, default=None
    )
    occupation: Mapped[Occupation | None] = enum_column(
        Occupation, _l("Occupation"), length=16, default=None
    )
    service: Mapped[str] = text_column(String(255), _l("Service used"))
    u1: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u1"]))
    u2: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u2"]))
    u3: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u3"]))
    u4: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u4"]))
    u5: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u5"]))
    u6: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u6"]))
    u7: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u7"]))
    u8: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u8"]))
    u9: Mapped[int] = mapped_column(SmallInteger, info=labelled(ELEMENT_LABELS["u9"]))
    suggestion: Mapped[str] = text_column(Text, _l("Suggestions"))
    channel: Mapped[Channel] = enum_column(Channel, _l("Received by"), length=8)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("skm_imports.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(AuditedMixin, TimestampMixin, db.Model):
    """An action of the follow-up plan for a weak element (the regulation asks that results be
    followed up), tracked to done."""

    __tablename__ = "skm_follow_ups"

    survey_id: Mapped[int] = reference_column("skm_surveys.id", _l("Survey"), index=True)
    element: Mapped[str] = mapped_column(String(2), info=labelled(_l("Element"), ELEMENT_LABELS))
    action: Mapped[str] = mapped_column(Text, info=labelled(_l("Improvement action")))
    owner: Mapped[str] = mapped_column(String(200), info=labelled(_l("Person in charge")))
    due_on: Mapped[date] = mapped_column(info=labelled(_l("Due date")))
    done_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Done on")))
    result: Mapped[str] = text_column(Text, _l("What was done"))

    survey: Mapped[Survey] = relationship(back_populates="follow_ups")

    @property
    def record_label(self) -> str:
        return f"{self.survey.title} · {self.element.upper()}"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_on < today


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_skm_surveys_period_agency", Survey.period_start, Survey.agency_id)
