"""Nonconformities (KTS) with their corrective actions and effectiveness checks, and the public
complaints (feedback records, clause 8.2.1 / 9.1.2) that can escalate into them."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from qms.accounts.models import User
from qms.audits.interface import Finding
from qms.core.labels import LabelledEnum, labelled
from qms.core.models import (
    ArchivableRecordMixin,
    AuditedMixin,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    partial_index,
    reference_column,
    text_column,
)
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit
from qms.standards.models import short_name


class NcSource(LabelledEnum):
    INTERNAL_AUDIT = "internal_audit", _l("Internal audit")
    EXTERNAL_AUDIT = "external_audit", _l("External audit")
    COMPLAINT = "complaint", _l("Citizen complaint")
    OBJECTIVE_DEVIATION = (
        "objective_deviation",
        _l("Quality objective or service standard deviation"),
    )
    #: raised by the monitoring rule: a measured quality objective missed its target for the
    #: configured number of consecutive periods (qms.planning, through qms.capa.interface)
    QUALITY_OBJECTIVE_DEVIATION = (
        "quality_objective_deviation",
        _l("Quality objective deviation (target missed)"),
    )
    MANAGEMENT_REVIEW = "management_review", _l("Management review")
    STAFF_REPORT = "staff_report", _l("Staff report")


class NcGrade(LabelledEnum):
    MAJOR = "major", _l("Major")
    MINOR = "minor", _l("Minor")


class NcStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    CORRECTION_RECORDED = "correction_recorded", _l("Correction recorded")
    CAUSE_ANALYSED = "cause_analysed", _l("Root cause analysed")
    PLAN_SUBMITTED = "plan_submitted", _l("Action plan submitted")
    PLAN_ACCEPTED = "plan_accepted", _l("Plan accepted")
    IMPLEMENTED = "implemented", _l("Implemented")
    VERIFIED = "verified", _l("Verified effective")
    CLOSED = "closed", _l("Closed")
    #: the effectiveness check failed: a new plan is needed
    REOPENED = "reopened", _l("Re-opened")


#: the "why?" rows of a root cause analysis (5-why)
MAX_WHY_STEPS = 5

#: statuses in which the corrective action is still to be implemented (what a due date is about)
PENDING_STATUSES = frozenset(
    {
        NcStatus.OPEN,
        NcStatus.CORRECTION_RECORDED,
        NcStatus.CAUSE_ANALYSED,
        NcStatus.PLAN_SUBMITTED,
        NcStatus.PLAN_ACCEPTED,
        NcStatus.REOPENED,
    }
)
#: statuses in which the action plan is being written (its actions added and removed)
DRAFTING_STATUSES = frozenset({NcStatus.CAUSE_ANALYSED, NcStatus.REOPENED})
#: statuses in which the plan in force has been accepted
PLAN_ACCEPTED_STATUSES = frozenset(
    {NcStatus.PLAN_ACCEPTED, NcStatus.IMPLEMENTED, NcStatus.VERIFIED, NcStatus.CLOSED}
)


class CauseCategory(LabelledEnum):
    """The fishbone's usual branches, as public-service auditors use them."""

    PEOPLE = "people", _l("People (competence, awareness, staffing)")
    METHOD = "method", _l("Method (SOP, procedure, document)")
    EQUIPMENT = "equipment", _l("Equipment and IT systems")
    MATERIAL = "material", _l("Material and supplies")
    MEASUREMENT = "measurement", _l("Measurement and monitoring")
    ENVIRONMENT = "environment", _l("Work environment")


class ActionKind(LabelledEnum):
    CORRECTIVE = "corrective", _l("Corrective")
    PREVENTIVE = "preventive", _l("Preventive")
    IMPROVEMENT = "improvement", _l("Improvement")


class VerificationResult(LabelledEnum):
    EFFECTIVE = "effective", _l("Effective")
    NOT_EFFECTIVE = "not_effective", _l("Not effective")


class NcCounter(db.Model):
    """The last number given per agency and year; incremented atomically (race-safe)."""

    __tablename__ = "nc_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


#: a nonconformity raised by an escalation rule that is still open (not closed, not archived)
OPEN_ESCALATION = "escalation_key IS NOT NULL AND status != 'closed' AND archived_at IS NULL"


class Nonconformity(ArchivableRecordMixin, VersionedMixin, db.Model):
    """A nonconformity (ketidaksesuaian, KTS) and its corrective action record (DOMAIN.md §3)."""

    __tablename__ = "nonconformities"
    __record_label__ = "number"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "sequence"),
        Index("ix_nonconformities_escalation_key", "escalation_key"),
        # one open nonconformity per escalation rule, whatever runs the rules at the same time
        partial_index(
            "uq_nonconformities_open_escalation", OPEN_ESCALATION, "escalation_key", unique=True
        ),
    )

    #: unique per agency and year (agencies of different cities may share a code)
    number: Mapped[str] = mapped_column(String(64), index=True, info=labelled(_l("Number")))
    agency_id: Mapped[int] = reference_column("agencies.id", _l("Agency"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    unit_id: Mapped[int | None] = reference_column("units.id", _l("Unit"))
    status: Mapped[NcStatus] = enum_column(NcStatus, _l("Status"), default=NcStatus.OPEN)

    source: Mapped[NcSource] = enum_column(NcSource, _l("Source"))
    source_reference: Mapped[str] = text_column(
        String(255), _l("Source reference (audit, report, complaint number)")
    )
    #: the internal-audit finding this was raised from; at most one nonconformity per finding
    finding_id: Mapped[int | None] = reference_column(
        "audit_findings.id", _l("Audit finding"), index=True, unique=True
    )
    #: the nonconformity whose "could it occur elsewhere?" answer raised this one
    origin_id: Mapped[int | None] = reference_column(
        "nonconformities.id", _l("Raised from nonconformity")
    )
    #: set on nonconformities raised by a rule (a complaint escalation, a quality objective
    #: missing its target), to find the rule's open one again (qms/capa/rules.py)
    escalation_key: Mapped[str | None] = mapped_column(String(120))

    process: Mapped[str] = text_column(String(255), _l("Process or service"))
    clause: Mapped[str] = text_column(String(32), _l("Clause"))
    #: the code of the clause's standard (SNI-ISO-9001-2015, SNI-ISO-37001-2016); "" while no
    #: clause is named
    clause_standard: Mapped[str] = text_column(
        String(64), _l("Standard of the clause"), server_default=""
    )
    #: the further clauses the audit finding breaches, [{"standard": code, "number": "7.5.3"}]
    other_clauses: Mapped[list | None] = mapped_column(
        JSON, default=None, info=labelled(_l("Further clauses breached"))
    )
    criterion: Mapped[str] = text_column(String(255), _l("Internal criterion (SOP number)"))
    requirement: Mapped[str] = text_column(Text, _l("Requirement"))
    evidence: Mapped[str] = text_column(Text, _l("Objective evidence"))
    statement: Mapped[str] = mapped_column(Text, info=labelled(_l("Nonconformity statement")))
    grade: Mapped[NcGrade] = enum_column(NcGrade, _l("Grade"))
    raised_on: Mapped[date] = mapped_column(info=labelled(_l("Date raised")))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: who represented the auditee (from an audit: the audit's representatives, several names)
    auditee_representative: Mapped[str] = text_column(Text, _l("Auditee representative"))
    #: the auditor who follows this up (accepts the plan, verifies); sees it in their register
    auditor_id: Mapped[int | None] = reference_column(
        "users.id", _l("Follow-up auditor"), index=True
    )
    due_date: Mapped[date] = mapped_column(info=labelled(_l("Due date")))

    correction: Mapped[str] = text_column(Text, _l("Correction (the immediate fix)"))
    correction_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Date of the correction"))
    )
    why_steps: Mapped[list] = mapped_column(JSON, default=list, info=labelled(_l("Why?")))
    cause_category: Mapped[CauseCategory | None] = enum_column(
        CauseCategory, _l("Cause category"), default=None
    )
    root_cause: Mapped[str] = text_column(Text, _l("Root cause"))
    occurs_elsewhere: Mapped[bool | None] = mapped_column(
        default=None, info=labelled(_l("Could this occur elsewhere (in other agencies)?"))
    )
    elsewhere_note: Mapped[str] = text_column(Text, _l("Where, and what was checked"))
    risk_register_updated: Mapped[bool] = mapped_column(
        default=False, info=labelled(_l("Risk register updated"))
    )
    documents_changed: Mapped[str] = text_column(Text, _l("Documents to change (SOP, forms)"))

    plan_round: Mapped[int] = mapped_column(default=1, info=labelled(_l("Plan round")))
    effectiveness_check_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Effectiveness check from"))
    )
    plan_submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    plan_submitted_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Plan submitted"))
    )
    plan_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    plan_accepted_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Plan accepted"))
    )
    plan_return_note: Mapped[str] = text_column(Text, _l("Why the plan was returned"))
    implemented_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    implemented_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Implemented"))
    )
    reopened_count: Mapped[int] = mapped_column(default=0, info=labelled(_l("Times reopened")))
    closed_at: Mapped[datetime | None] = mapped_column(default=None, info=labelled(_l("Closed")))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: why it left the register (raised by mistake, a duplicate); see operations.archive
    archive_reason: Mapped[str] = text_column(
        Text, _l("Why is it archived (raised by mistake, a duplicate)?")
    )

    agency: Mapped[Agency] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    auditor: Mapped[User | None] = relationship(foreign_keys=[auditor_id])
    plan_submitted_by: Mapped[User | None] = relationship(foreign_keys=[plan_submitted_by_id])
    plan_accepted_by: Mapped[User | None] = relationship(foreign_keys=[plan_accepted_by_id])
    implemented_by: Mapped[User | None] = relationship(foreign_keys=[implemented_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    archived_by: Mapped[User | None] = relationship(foreign_keys="Nonconformity.archived_by_id")
    origin: Mapped[Nonconformity | None] = relationship(remote_side="Nonconformity.id")
    #: both ways: the audits do not import this feature, so `Finding.nonconformity` is made here
    finding: Mapped[Finding | None] = relationship(
        backref=backref("nonconformity", uselist=False, viewonly=True), viewonly=True
    )
    actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="nonconformity", order_by="CorrectiveAction.id"
    )
    checks: Mapped[list[EffectivenessCheck]] = relationship(
        back_populates="nonconformity", order_by="EffectivenessCheck.id"
    )

    @property
    def clause_references(self) -> list[str]:
        """Every clause the nonconformity breaches with its standard ("SNI ISO 9001:2015 7.5.3",
        "SNI ISO 37001:2016 7.5.3"): the pages, PDFs, exports and the API name them so."""
        refs = [(self.clause_standard, self.clause)] if self.clause else []
        refs += [(c.get("standard", ""), c.get("number", "")) for c in self.other_clauses or []]
        return [f"{short_name(code)} {number}" if code else number for code, number in refs]

    @property
    def clause_label(self) -> str:
        return "; ".join(self.clause_references)

    @property
    def current_actions(self) -> list[CorrectiveAction]:
        return [a for a in self.actions if a.plan_round == self.plan_round]

    @property
    def needs_new_plan(self) -> bool:
        """A verification found the plan not effective: a new one is to be written."""
        return self.status == NcStatus.REOPENED

    # The rules below serve one record (a page, the agency report) and, as SQL, the counts of
    # many (the city summary): keep each rule's two forms together and equal.

    @hybrid_property
    def is_open(self) -> bool:
        """Not closed (a re-opened one is open again)."""
        return self.status != NcStatus.CLOSED

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Its corrective action is still to be implemented and the due date has passed."""
        return self.status in PENDING_STATUSES and self.due_date < today and not self.is_archived

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date) -> ColumnElement[bool]:
        return and_(
            cls.status.in_(PENDING_STATUSES), cls.due_date < today, cls.archived_at.is_(None)
        )


class CorrectiveAction(AuditedMixin, TimestampMixin, db.Model):
    """One action of a plan (PIC, due date); done only with evidence attached."""

    __tablename__ = "corrective_actions"
    #: an action of a plan still being written may be dropped (operations.remove_action); the
    #: removal is in the history, and a submitted plan's actions are never removed
    __deletable__ = True

    nonconformity_id: Mapped[int] = reference_column(
        "nonconformities.id", _l("Nonconformity"), index=True
    )
    plan_round: Mapped[int] = mapped_column(default=1, info=labelled(_l("Plan round")))
    kind: Mapped[ActionKind] = enum_column(ActionKind, _l("Type"))
    description: Mapped[str] = mapped_column(Text, info=labelled(_l("Action")))
    owner: Mapped[str] = mapped_column(String(200), info=labelled(_l("Person in charge")))
    due_date: Mapped[date] = mapped_column(info=labelled(_l("Due date")))
    done_at: Mapped[datetime | None] = mapped_column(default=None, info=labelled(_l("Done")))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_note: Mapped[str] = text_column(Text, _l("What was done"))

    nonconformity: Mapped[Nonconformity] = relationship(back_populates="actions")
    done_by: Mapped[User | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def record_label(self) -> str:
        return f"{self.nonconformity.number} / {self.id}"


class EffectivenessCheck(AuditedMixin, db.Model):
    """One verification of a plan round's effectiveness; a failed one re-opens the plan."""

    __tablename__ = "effectiveness_checks"

    nonconformity_id: Mapped[int] = reference_column(
        "nonconformities.id", _l("Nonconformity"), index=True
    )
    plan_round: Mapped[int] = mapped_column(info=labelled(_l("Plan round")))
    verified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_on: Mapped[date] = mapped_column(info=labelled(_l("Date verified")))
    result: Mapped[VerificationResult] = enum_column(VerificationResult, _l("Result"))
    note: Mapped[str] = mapped_column(Text, info=labelled(_l("Note")))

    nonconformity: Mapped[Nonconformity] = relationship(back_populates="checks")
    verified_by: Mapped[User] = relationship()

    @property
    def is_effective(self) -> bool:
        return self.result == VerificationResult.EFFECTIVE


class Channel(LabelledEnum):
    QLUE = "qlue", "Qlue"
    LAPOR = "lapor", "SP4N-LAPOR!"
    COUNTER = "counter", _l("Service counter")
    OTHER = "other", _l("Other channel")


class ComplaintStatus(LabelledEnum):
    """Qlue's menunggu → proses → selesai."""

    WAITING = "waiting", _l("Waiting")
    IN_PROGRESS = "in_progress", _l("In progress")
    RESOLVED = "resolved", _l("Resolved")


class ComplaintImport(TimestampMixin, db.Model):
    """An uploaded export held server-side between the preview and the officer's confirmation."""

    __tablename__ = "complaint_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = reference_column("cities.id", _l("City"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), info=labelled(_l("File")))
    file_format: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    #: the preview: counts and the bad rows with their row numbers and reasons
    report: Mapped[dict] = mapped_column(JSON, default=dict, info=labelled(_l("Import report")))
    confirmed_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Confirmed"))
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    city: Mapped[City] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])


class Complaint(AuditedMixin, TimestampMixin, db.Model):
    """A citizen complaint from Qlue, SP4N-LAPOR! or the counter: a customer-feedback record."""

    __tablename__ = "complaints"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    # derived from the dates and the calendar: recounted, not changed by anyone
    __history_exclude__ = frozenset({"response_working_days"})

    agency_id: Mapped[int] = reference_column("agencies.id", _l("Agency"), index=True)
    channel: Mapped[Channel] = enum_column(Channel, _l("Channel"))
    external_id: Mapped[str] = mapped_column(String(64), info=labelled(_l("Id")))
    #: the channel's own wall-clock times (WITA), as exported; not UTC like the app's timestamps
    received_at: Mapped[datetime] = mapped_column(info=labelled(_l("Received")))
    service: Mapped[str] = text_column(String(255), _l("Service"))
    category: Mapped[str] = mapped_column(String(120), info=labelled(_l("Category")))
    text: Mapped[str] = mapped_column(Text, info=labelled(_l("Complaint")))
    location: Mapped[str] = text_column(String(255), _l("Location"))
    status: Mapped[ComplaintStatus] = enum_column(ComplaintStatus, _l("Status"))
    responded_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Answered"))
    )
    rating: Mapped[int | None] = mapped_column(default=None, info=labelled(_l("Rating")))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_imports.id"))
    nonconformity_id: Mapped[int | None] = reference_column(
        "nonconformities.id", _l("Nonconformity"), index=True
    )

    agency: Mapped[Agency] = relationship(lazy="joined")
    nonconformity: Mapped[Nonconformity | None] = relationship()

    @property
    def record_label(self) -> str:
        return f"{self.channel.value}:{self.external_id}"

    #: working days (qms/core/workdays.py) from the day of receipt to the day of the answer,
    #: counted with the city's calendar when the complaint is written
    #: (qms/capa/complaints/working_days.py) and again when the city's days off change
    response_working_days: Mapped[int | None] = mapped_column(
        default=None, info=labelled(_l("Working days to answer"))
    )

    @hybrid_method
    def response_days(self) -> int | None:
        """Working days from receipt to the answer; None while unanswered."""
        return self.response_working_days

    @response_days.inplace.expression
    @classmethod
    def _response_days_expression(cls) -> ColumnElement[int | None]:
        return cls.response_working_days

    @hybrid_method
    def answered_within(self, days: int) -> bool:
        """Answered at most `days` working days after receipt."""
        days_taken = self.response_days()
        return days_taken is not None and days_taken <= days

    @answered_within.inplace.expression
    @classmethod
    def _answered_within_expression(cls, days: int) -> ColumnElement[bool]:
        return cls.response_days() <= days  # NULL, so not true, while unanswered


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_complaints_received", Complaint.received_at, Complaint.id)
Index("ix_complaints_agency_received", Complaint.agency_id, Complaint.received_at)
Index("ix_nonconformities_raised", Nonconformity.raised_on, Nonconformity.id)
Index(
    "ix_nonconformities_agency_status_due",
    Nonconformity.agency_id,
    Nonconformity.status,
    Nonconformity.due_date,
)
Index("ix_nonconformities_status_due", Nonconformity.status, Nonconformity.due_date)

# --- indexes for the dashboard's national figures (migration 0031) ------------------------

OPEN_ROWS = "archived_at IS NULL AND status != 'closed'"
CLOSED_ROWS = "archived_at IS NULL AND status = 'closed'"


Index("ix_complaints_channel_days", Complaint.channel, Complaint.response_working_days)
partial_index(
    "ix_nonconformities_open_agency_grade", OPEN_ROWS, Nonconformity.agency_id, Nonconformity.grade
)
partial_index("ix_nonconformities_open_raised", OPEN_ROWS, Nonconformity.raised_on)
partial_index(
    "ix_nonconformities_closed_days",
    CLOSED_ROWS,
    Nonconformity.raised_on,
    Nonconformity.closed_at,
)
