"""Support and resources of an agency's quality system: the calibration register of its
measuring instruments (ISO 9001 7.1.5), the competence of its staff (7.2), the qualification
and evaluation of the city's internal auditors (ISO 19011 §7) and its external providers
(8.4)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.core.labels import labelled
from qms.core.models import (
    AgencyRecordMixin,
    AuditedMixin,
    CityRecordMixin,
    TimestampMixin,
    enum_column,
    falls_due,
    reference_column,
    text_column,
)
from qms.extensions import db
from qms.organisations.models import Unit
from qms.support.vocabulary import (
    EvaluatorRole,
    EventKind,
    InstrumentState,
    InstrumentStatus,
    ProviderKind,
    ProviderStatus,
    ToleranceResult,
    TraceabilityMethod,
)

# --- the calibration register (7.1.5) -------------------------------------------------------


class Instrument(AgencyRecordMixin, db.Model):
    """A monitoring or measuring instrument whose results the agency relies on."""

    __tablename__ = "instruments"
    __table_args__ = (
        UniqueConstraint("agency_id", "identifier"),
        CheckConstraint("interval_months > 0", name="interval_positive"),
    )

    identifier: Mapped[str] = mapped_column(String(64), info=labelled(_l("Identifier")))
    description: Mapped[str] = mapped_column(String(255), info=labelled(_l("Instrument")))
    unit_id: Mapped[int | None] = reference_column("units.id", _l("Unit"))
    location: Mapped[str] = text_column(String(255), _l("Location"))
    measuring_range: Mapped[str] = text_column(String(255), _l("Measuring range"))
    required_accuracy: Mapped[str] = text_column(String(255), _l("Required accuracy"))
    interval_months: Mapped[int] = mapped_column(info=labelled(_l("Calibration interval (months)")))
    method: Mapped[TraceabilityMethod] = enum_column(TraceabilityMethod, _l("Method"))
    laboratory: Mapped[str] = text_column(String(255), _l("Calibration laboratory"))
    kan_number: Mapped[str] = text_column(String(32), _l("KAN accreditation number"))
    reference: Mapped[str] = text_column(Text, _l("Reference standard or recorded basis"))
    state: Mapped[InstrumentState] = enum_column(
        InstrumentState, _l("State"), default=InstrumentState.IN_USE
    )
    next_due_on: Mapped[date | None] = mapped_column(
        default=None, index=True, info=labelled(_l("Next calibration due"))
    )

    unit: Mapped[Unit | None] = relationship()
    events: Mapped[list[CalibrationEvent]] = relationship(
        back_populates="instrument", order_by="CalibrationEvent.performed_on.desc()"
    )

    @property
    def record_label(self) -> str:
        return f"{self.identifier} {self.description}"

    def status(self, today: date, notice_days: int) -> InstrumentStatus:
        """What the register shows: the state decided, or, in use, whether it is due."""
        if self.state != InstrumentState.IN_USE:
            return InstrumentStatus(self.state.value)
        if self.next_due_on is not None and self.next_due_on < today:
            return InstrumentStatus.OVERDUE
        if self.next_due_on is not None and self.next_due_on <= today + timedelta(notice_days):
            return InstrumentStatus.DUE
        return InstrumentStatus.IN_USE

    def fit_for_use(self, today: date) -> bool:
        """In use and not past its due date: an overdue instrument is not fit for use."""
        return self.state == InstrumentState.IN_USE and not self.is_overdue(today)

    @hybrid_method
    def is_due_by(self, day: date) -> bool:
        return (
            self.state == InstrumentState.IN_USE
            and self.next_due_on is not None
            and self.next_due_on <= day
            and not self.is_archived
        )

    @is_due_by.inplace.expression
    @classmethod
    def _is_due_by_expression(cls, day: date):
        return and_(
            cls.state == InstrumentState.IN_USE.value,
            cls.next_due_on <= day,
            cls.archived_at.is_(None),
        )

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.is_due_by(today - timedelta(days=1))

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return cls.is_due_by(today - timedelta(days=1))


class CalibrationEvent(AuditedMixin, TimestampMixin, db.Model):
    """One calibration or verification of an instrument, with its result; one out of tolerance
    carries the evaluation 7.1.5.2 asks for (were the previous results valid?)."""

    __tablename__ = "calibration_events"

    instrument_id: Mapped[int] = reference_column("instruments.id", _l("Instrument"), index=True)
    kind: Mapped[EventKind] = enum_column(EventKind, _l("Calibration or verification"))
    performed_on: Mapped[date] = mapped_column(info=labelled(_l("Date")))
    performed_by: Mapped[str] = text_column(String(255), _l("Performed by"))
    result: Mapped[ToleranceResult] = enum_column(ToleranceResult, _l("Result"))
    certificate_number: Mapped[str] = text_column(String(100), _l("Certificate number"))
    next_due_on: Mapped[date] = mapped_column(info=labelled(_l("Next due")))
    notes: Mapped[str] = text_column(Text, _l("Notes"))
    previous_results_valid: Mapped[bool | None] = mapped_column(
        default=None, info=labelled(_l("Were the previous results valid?"))
    )
    evaluation: Mapped[str] = text_column(Text, _l("Evaluation of the previous results"))
    conclusion: Mapped[str] = text_column(Text, _l("Conclusion and action taken"))
    evaluated_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Evaluated on"))
    )
    #: the nonconformity raised for it (through capa's interface), if one was
    nonconformity_id: Mapped[int | None] = reference_column(
        "nonconformities.id", _l("Nonconformity"), index=True
    )

    instrument: Mapped[Instrument] = relationship(back_populates="events")

    @property
    def record_label(self) -> str:
        return f"{self.instrument.identifier} · {self.performed_on.isoformat()}"

    @property
    def needs_evaluation(self) -> bool:
        return self.result == ToleranceResult.OUT and self.evaluated_on is None


# --- competence (7.2) -----------------------------------------------------------------------


class Position(AgencyRecordMixin, db.Model):
    """A position (jabatan) with the competences it requires, one per line."""

    __tablename__ = "positions"
    __record_label__ = "title"

    __labels__ = {"required_competences": _l("Required competences (one per line)")}

    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Position")))
    required_education: Mapped[str] = text_column(String(255), _l("Required education"))

    requirements: Mapped[list[PositionCompetence]] = relationship(
        back_populates="position", order_by="PositionCompetence.id", cascade="all, delete-orphan"
    )

    @property
    def competences(self) -> list[str]:
        return [r.name for r in self.requirements]

    @property
    def required_competences(self) -> str:
        """The competences as the form shows them: one per line."""
        return "\n".join(self.competences)


class PositionCompetence(AuditedMixin, db.Model):
    """A competence a position requires (rows, so that gaps are counted in SQL)."""

    __tablename__ = "position_competences"
    __table_args__ = (UniqueConstraint("position_id", "name"),)
    #: the position's list is rewritten by its form; the history keeps what it was
    __deletable__ = True

    position_id: Mapped[int] = reference_column("positions.id", _l("Position"), index=True)
    name: Mapped[str] = mapped_column(String(255), info=labelled(_l("Required competence")))

    position: Mapped[Position] = relationship(back_populates="requirements")

    @property
    def record_label(self) -> str:
        return f"{self.position.title} · {self.name}"


def competence_lines(text: str) -> list[str]:
    """The competences written one per line, without blanks or repeats."""
    return list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))


class Person(AgencyRecordMixin, db.Model):
    """A member of staff: need not have an account, may be linked to one."""

    __tablename__ = "staff"
    __record_label__ = "name"

    name: Mapped[str] = mapped_column(String(200), info=labelled(_l("Name")))
    nip: Mapped[str] = text_column(String(18), _l("NIP"))
    position_id: Mapped[int | None] = reference_column("positions.id", _l("Position"), index=True)
    unit_id: Mapped[int | None] = reference_column("units.id", _l("Unit"))
    education: Mapped[str] = text_column(String(255), _l("Education"))
    user_id: Mapped[int | None] = reference_column("users.id", _l("User account"))

    position: Mapped[Position | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    trainings: Mapped[list[Training]] = relationship(
        back_populates="person", order_by="Training.finished_on.desc()"
    )


class Training(AuditedMixin, TimestampMixin, db.Model):
    """A training or certification of a member of staff, with its effectiveness."""

    __tablename__ = "trainings"

    person_id: Mapped[int] = reference_column("staff.id", _l("Person"), index=True)
    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Training or certification")))
    provider: Mapped[str] = text_column(String(255), _l("Provider"))
    competence: Mapped[str] = text_column(String(255), _l("Competence it gives"))
    started_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("From")))
    finished_on: Mapped[date] = mapped_column(info=labelled(_l("Completed on")))
    certificate_number: Mapped[str] = text_column(String(100), _l("Certificate number"))
    certificate_expires_on: Mapped[date | None] = mapped_column(
        default=None, index=True, info=labelled(_l("Certificate expires on"))
    )
    effectiveness: Mapped[str] = text_column(Text, _l("Evaluation of effectiveness"))
    effective: Mapped[bool | None] = mapped_column(default=None, info=labelled(_l("Effective")))

    person: Mapped[Person] = relationship(back_populates="trainings")

    @property
    def record_label(self) -> str:
        return f"{self.person.name} · {self.title}"

    def valid_on(self, day: date) -> bool:
        return self.certificate_expires_on is None or self.certificate_expires_on >= day


# --- qualified auditors (ISO 19011 §7) ------------------------------------------------------


class AuditorQualification(CityRecordMixin, db.Model):
    """An internal auditor's qualification, kept by the city admin: the audits before qms
    (audits in qms are counted from their teams), their auditor trainings."""

    __tablename__ = "auditor_qualifications"
    __table_args__ = (
        UniqueConstraint("user_id"),
        CheckConstraint("prior_audits_as_member >= 0", name="prior_member_positive"),
        CheckConstraint("prior_audits_led >= 0", name="prior_led_positive"),
    )

    user_id: Mapped[int] = reference_column("users.id", _l("Auditor"))
    prior_audits_as_member: Mapped[int] = mapped_column(
        default=0, info=labelled(_l("Audits as team member before qms"))
    )
    prior_audits_led: Mapped[int] = mapped_column(
        default=0, info=labelled(_l("Audits led before qms"))
    )
    notes: Mapped[str] = text_column(Text, _l("Notes"))

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
    trainings: Mapped[list[AuditorTraining]] = relationship(
        back_populates="qualification", order_by="AuditorTraining.completed_on"
    )

    @property
    def record_label(self) -> str:
        return self.user.name


class AuditorTraining(AuditedMixin, TimestampMixin, db.Model):
    """An auditor training on record (e.g. BSN's internal auditor course for SNI ISO 9001)."""

    __tablename__ = "auditor_trainings"

    qualification_id: Mapped[int] = reference_column(
        "auditor_qualifications.id", _l("Auditor"), index=True
    )
    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Auditor training")))
    provider: Mapped[str] = text_column(String(255), _l("Provider"))
    completed_on: Mapped[date] = mapped_column(info=labelled(_l("Completed on")))
    certificate_number: Mapped[str] = text_column(String(100), _l("Certificate number"))

    qualification: Mapped[AuditorQualification] = relationship(back_populates="trainings")

    @property
    def record_label(self) -> str:
        return f"{self.qualification.user.name} · {self.title}"


class AuditorEvaluation(AuditedMixin, TimestampMixin, db.Model):
    """An evaluation of an auditor after an audit, by its lead auditor or by the auditee."""

    __tablename__ = "auditor_evaluations"
    __table_args__ = (
        UniqueConstraint("audit_id", "auditor_id", "evaluator_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_scale"),
    )

    audit_id: Mapped[int] = reference_column("audits.id", _l("Audit"), index=True)
    auditor_id: Mapped[int] = reference_column("users.id", _l("Auditor evaluated"), index=True)
    evaluator_id: Mapped[int] = reference_column("users.id", _l("Evaluated by"))
    evaluator_role: Mapped[EvaluatorRole] = enum_column(EvaluatorRole, _l("Evaluated as"))
    score: Mapped[int] = mapped_column(info=labelled(_l("Score (1–5)")))
    comments: Mapped[str] = text_column(Text, _l("Comments"))
    evaluated_on: Mapped[date] = mapped_column(info=labelled(_l("Evaluated on")))

    auditor: Mapped[User] = relationship(foreign_keys=[auditor_id])
    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])

    @property
    def record_label(self) -> str:
        return f"{self.auditor.name} · {self.evaluated_on.isoformat()}"


# --- external providers (8.4) ---------------------------------------------------------------


class Provider(AgencyRecordMixin, db.Model):
    """A provider of processes, products or services that affect the agency's services."""

    __tablename__ = "providers"
    __record_label__ = "name"

    name: Mapped[str] = mapped_column(String(255), info=labelled(_l("Provider")))
    kind: Mapped[ProviderKind] = enum_column(ProviderKind, _l("Provides"))
    supplies: Mapped[str] = mapped_column(Text, info=labelled(_l("What it provides")))
    criteria: Mapped[str] = text_column(Text, _l("Evaluation criteria"))
    contact: Mapped[str] = text_column(String(255), _l("Contact"))
    status: Mapped[ProviderStatus] = enum_column(
        ProviderStatus, _l("Status"), default=ProviderStatus.APPROVED
    )
    next_evaluation_on: Mapped[date | None] = mapped_column(
        default=None, index=True, info=labelled(_l("Next evaluation"))
    )

    evaluations: Mapped[list[ProviderEvaluation]] = relationship(
        back_populates="provider", order_by="ProviderEvaluation.evaluated_on.desc()"
    )

    evaluation_due_by = falls_due("next_evaluation_on")


class ProviderEvaluation(AuditedMixin, TimestampMixin, db.Model):
    """A periodic evaluation of a provider against its criteria."""

    __tablename__ = "provider_evaluations"
    __table_args__ = (CheckConstraint("score BETWEEN 0 AND 100", name="score_percent"),)

    provider_id: Mapped[int] = reference_column("providers.id", _l("Provider"), index=True)
    evaluated_on: Mapped[date] = mapped_column(info=labelled(_l("Evaluated on")))
    score: Mapped[int] = mapped_column(info=labelled(_l("Score (0–100)")))
    comments: Mapped[str] = text_column(Text, _l("Comments"))
    status: Mapped[ProviderStatus] = enum_column(ProviderStatus, _l("Status decided"))
    next_evaluation_on: Mapped[date] = mapped_column(info=labelled(_l("Next evaluation")))
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    provider: Mapped[Provider] = relationship(back_populates="evaluations")

    @property
    def record_label(self) -> str:
        return f"{self.provider.name} · {self.evaluated_on.isoformat()}"


__all__ = [
    "AuditorEvaluation",
    "AuditorQualification",
    "AuditorTraining",
    "CalibrationEvent",
    "Instrument",
    "Person",
    "Position",
    "PositionCompetence",
    "Provider",
    "ProviderEvaluation",
    "Training",
    "competence_lines",
]


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_auditor_evaluations_evaluated", AuditorEvaluation.evaluated_on, AuditorEvaluation.id)
