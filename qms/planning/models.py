"""Plan and Check of an agency (ISO 9001 4.1, 4.2, 6.1, 6.2, 9.1.1): its context (internal and
external issues, interested parties and their requirements), its quality objectives with their
indicator, plan and measurements, and its register of risks and opportunities with their
treatments and the corrective actions whose analysis updated them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.capa.interface import Nonconformity
from qms.core.labels import labelled
from qms.core.models import (
    AgencyRecordMixin,
    AuditedMixin,
    TimestampMixin,
    enum_column,
    falls_due,
    reference_column,
)
from qms.extensions import db
from qms.organisations.models import Unit
from qms.planning.vocabulary import (
    OPEN_TREATMENT_STATUSES,
    UNIT_SPECS,
    Direction,
    Frequency,
    MeasurementSource,
    MeasureUnit,
    RiskKind,
    Side,
    TreatmentStatus,
)

#: a target or a measured value: up to ten digits before the point and two after
VALUE = Numeric(12, 2)


class _ContextRecord(AgencyRecordMixin):
    """An issue or an interested party: inside or outside the agency, dated, reviewed."""

    side: Mapped[Side] = enum_column(Side, _l("Internal or external"))
    identified_on: Mapped[date] = mapped_column(info=labelled(_l("Identified on")))
    reviewed_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Last reviewed"))
    )


class ContextIssue(_ContextRecord, db.Model):
    """An internal or external issue relevant to the agency's purpose (4.1)."""

    __tablename__ = "context_issues"
    __record_label__ = "title"

    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Issue")))
    description: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Description")))
    effect: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("How it affects the services and the QMS"))
    )


class InterestedParty(_ContextRecord, db.Model):
    """A party whose requirements bear on the agency's services (4.2)."""

    __tablename__ = "interested_parties"
    __record_label__ = "name"

    name: Mapped[str] = mapped_column(String(255), info=labelled(_l("Interested party")))
    requirements: Mapped[str] = mapped_column(
        Text, info=labelled(_l("Their relevant requirements"))
    )
    monitoring: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("How the requirements are monitored"))
    )


class Objective(AgencyRecordMixin, db.Model):
    """A quality objective of one year (6.2) with its indicator (9.1.1) and plan (6.2.2)."""

    __tablename__ = "quality_objectives"

    year: Mapped[int] = mapped_column(info=labelled(_l("Year")))
    title: Mapped[str] = mapped_column(Text, info=labelled(_l("Quality objective")))
    policy_link: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("How it serves the quality policy"))
    )
    process: Mapped[str] = mapped_column(
        String(255), default="", info=labelled(_l("Process or service"))
    )
    indicator: Mapped[str] = mapped_column(String(255), info=labelled(_l("Indicator")))
    unit: Mapped[MeasureUnit] = enum_column(MeasureUnit, _l("Unit"))
    target: Mapped[Decimal] = mapped_column(VALUE, info=labelled(_l("Target")))
    direction: Mapped[Direction] = enum_column(Direction, _l("Target direction"))
    frequency: Mapped[Frequency] = enum_column(Frequency, _l("Measured"))
    data_source: Mapped[str] = mapped_column(
        String(255), default="", info=labelled(_l("Data source"))
    )
    #: a figure the app computes (qms.core.registry.indicator_sources), or None: typed in
    automatic_source: Mapped[str | None] = mapped_column(
        String(64), default=None, info=labelled(_l("Computed by the app from"))
    )
    responsible: Mapped[str] = mapped_column(
        String(200), info=labelled(_l("Responsible for the measurements"))
    )
    starts_on: Mapped[date] = mapped_column(info=labelled(_l("Measured from")))
    plan_actions: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("What will be done"))
    )
    plan_resources: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("Resources required"))
    )
    plan_owner: Mapped[str] = mapped_column(
        String(200), default="", info=labelled(_l("Who will be responsible"))
    )
    plan_due_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("When it will be completed"))
    )
    plan_evaluation: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("How the results will be evaluated"))
    )

    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="objective", order_by="Measurement.period_start"
    )

    @property
    def record_label(self) -> str:
        return f"{self.year} {self.indicator}"

    @property
    def is_automatic(self) -> bool:
        return self.automatic_source is not None

    def shown(self, value: Decimal | None) -> str:
        """A value of this objective as it reads: "95 %", "3 days"."""
        if value is None:
            return "–"
        number = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
        suffix = str(UNIT_SPECS[self.unit].suffix)
        return f"{number} {suffix}".strip()

    @property
    def target_label(self) -> str:
        return f"{Direction(self.direction).label} {self.shown(self.target)}"


class Measurement(AuditedMixin, TimestampMixin, db.Model):
    """The indicator's value in one period of its objective."""

    __tablename__ = "objective_measurements"
    __table_args__ = (UniqueConstraint("objective_id", "period"),)

    objective_id: Mapped[int] = reference_column(
        "quality_objectives.id", _l("Quality objective"), index=True
    )
    period: Mapped[str] = mapped_column(String(8), info=labelled(_l("Period")))
    period_start: Mapped[date] = mapped_column(info=labelled(_l("Period start")))
    period_end: Mapped[date] = mapped_column(info=labelled(_l("Period end")))
    value: Mapped[Decimal] = mapped_column(VALUE, info=labelled(_l("Value")))
    source: Mapped[MeasurementSource] = enum_column(
        MeasurementSource, _l("Source"), default=MeasurementSource.ENTERED
    )
    note: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Note")))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the nonconformity a run of missed periods raised (or joined): set by deviations.py
    nonconformity_id: Mapped[int | None] = reference_column(
        "nonconformities.id", _l("Nonconformity"), index=True
    )

    objective: Mapped[Objective] = relationship(back_populates="measurements")
    recorded_by: Mapped[User | None] = relationship()
    nonconformity: Mapped[Nonconformity | None] = relationship()

    @property
    def record_label(self) -> str:
        return f"{self.objective.record_label} · {self.period}"

    # one rule for a page (a measurement loaded) and for the counts of many (SQL)
    @hybrid_method
    def misses(self, target: Decimal, direction: Direction) -> bool:
        if direction == Direction.AT_LEAST:
            return self.value < target
        return self.value > target

    @misses.inplace.expression
    @classmethod
    def _misses_expression(cls, target: ColumnElement, direction: ColumnElement) -> ColumnElement:
        return case(
            (direction == Direction.AT_LEAST.value, cls.value < target), else_=cls.value > target
        )

    @property
    def is_met(self) -> bool:
        return not self.misses(self.objective.target, self.objective.direction)


_RATING = "BETWEEN 1 AND 5"


class Risk(AgencyRecordMixin, db.Model):
    """A risk or an opportunity of a process or unit (6.1), rated on the configured matrix."""

    __tablename__ = "risks"
    __record_label__ = "title"
    __table_args__ = (
        CheckConstraint(f"likelihood {_RATING}", name="likelihood_scale"),
        CheckConstraint(f"impact {_RATING}", name="impact_scale"),
        CheckConstraint(f"residual_likelihood {_RATING}", name="residual_likelihood_scale"),
        CheckConstraint(f"residual_impact {_RATING}", name="residual_impact_scale"),
    )

    kind: Mapped[RiskKind] = enum_column(RiskKind, _l("Risk or opportunity"))
    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Risk or opportunity")))
    unit_id: Mapped[int | None] = reference_column("units.id", _l("Unit"))
    process: Mapped[str] = mapped_column(
        String(255), default="", info=labelled(_l("Process or service"))
    )
    context_issue_id: Mapped[int | None] = reference_column(
        "context_issues.id", _l("From the context issue")
    )
    interested_party_id: Mapped[int | None] = reference_column(
        "interested_parties.id", _l("From the interested party")
    )
    cause: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Cause")))
    effect: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Effect")))
    likelihood: Mapped[int] = mapped_column(info=labelled(_l("Likelihood (1–5)")))
    impact: Mapped[int] = mapped_column(info=labelled(_l("Impact (1–5)")))
    existing_controls: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("Existing controls"))
    )
    residual_likelihood: Mapped[int | None] = mapped_column(
        default=None, info=labelled(_l("Residual likelihood (1–5)"))
    )
    residual_impact: Mapped[int | None] = mapped_column(
        default=None, info=labelled(_l("Residual impact (1–5)"))
    )
    owner: Mapped[str] = mapped_column(String(200), default="", info=labelled(_l("Risk owner")))
    reviewed_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Last reviewed"))
    )
    next_review_on: Mapped[date | None] = mapped_column(
        default=None, index=True, info=labelled(_l("Next review"))
    )

    unit: Mapped[Unit | None] = relationship()
    context_issue: Mapped[ContextIssue | None] = relationship()
    interested_party: Mapped[InterestedParty | None] = relationship()
    treatments: Mapped[list[Treatment]] = relationship(
        back_populates="risk", order_by="Treatment.id"
    )
    links: Mapped[list[RiskLink]] = relationship(back_populates="risk", order_by="RiskLink.id")

    #: its next review falls on or before the day given (and it is in the register)
    review_due = falls_due("next_review_on")


class Treatment(AuditedMixin, TimestampMixin, db.Model):
    """An action on a risk or opportunity (6.1.2), done with its evidence."""

    __tablename__ = "risk_treatments"

    risk_id: Mapped[int] = reference_column("risks.id", _l("Risk or opportunity"), index=True)
    action: Mapped[str] = mapped_column(Text, info=labelled(_l("Treatment action")))
    owner: Mapped[str] = mapped_column(String(200), info=labelled(_l("Person in charge")))
    due_on: Mapped[date] = mapped_column(info=labelled(_l("Due date")))
    status: Mapped[TreatmentStatus] = enum_column(
        TreatmentStatus, _l("Status"), default=TreatmentStatus.PLANNED
    )
    evidence: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("Evidence of what was done"))
    )
    done_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Done on")))
    cancel_reason: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("Why it was cancelled"))
    )

    risk: Mapped[Risk] = relationship(back_populates="treatments")

    @property
    def record_label(self) -> str:
        return f"{self.risk.title} / {self.id}"

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_TREATMENT_STATUSES and self.due_on < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date) -> ColumnElement[bool]:
        return and_(cls.status.in_(OPEN_TREATMENT_STATUSES), cls.due_on < today)

    @hybrid_method
    def is_due_by(self, day: date) -> bool:
        """Still to be done and due on or before `day` (overdue ones included)."""
        return self.status in OPEN_TREATMENT_STATUSES and self.due_on <= day

    @is_due_by.inplace.expression
    @classmethod
    def _is_due_by_expression(cls, day: date) -> ColumnElement[bool]:
        return and_(cls.status.in_(OPEN_TREATMENT_STATUSES), cls.due_on <= day)


class RiskLink(AuditedMixin, TimestampMixin, db.Model):
    """A risk that a corrective action's root-cause analysis updated (10.2.1 e): written by the
    analysis part this feature contributes to capa (corrective.py)."""

    __tablename__ = "risk_nonconformity_links"
    __table_args__ = (UniqueConstraint("risk_id", "nonconformity_id"),)
    #: a later analysis that no longer names the risk drops the link (the history keeps it)
    __deletable__ = True

    risk_id: Mapped[int] = reference_column("risks.id", _l("Risk or opportunity"), index=True)
    nonconformity_id: Mapped[int] = reference_column(
        "nonconformities.id", _l("Nonconformity"), index=True
    )

    risk: Mapped[Risk] = relationship(back_populates="links")
    nonconformity: Mapped[Nonconformity] = relationship()

    @property
    def record_label(self) -> str:
        return f"{self.risk.title} ↔ {self.nonconformity.number}"


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_quality_objectives_year_agency", Objective.year, Objective.agency_id)
