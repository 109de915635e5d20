"""Internal audits (ISO 9001 9.2, ISO 19011): the annual programme, each audit with its team,
plan, checklist and graded findings."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from qms.accounts.models import User
from qms.core.labels import LabelledEnum, labelled
from qms.core.models import (
    ArchivableRecordMixin,
    AuditedMixin,
    CityRecordMixin,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    reference_column,
    text_column,
)
from qms.extensions import db
from qms.organisations.models import Agency
from qms.standards.models import Clause, Question, Standard


class AuditKind(LabelledEnum):
    INTERNAL = "internal", _l("Internal audit")
    BSN_GUIDANCE = "bsn_guidance", _l("BSN guidance assessment")
    STAGE_1 = "stage_1", _l("Certification stage 1")
    STAGE_2 = "stage_2", _l("Certification stage 2")
    SURVEILLANCE = "surveillance", _l("Surveillance audit")
    FOLLOW_UP = "follow_up", _l("Follow-up audit")


#: the first part of an audit's reference (AMI-2026-DUKCAPIL) and so of its finding numbers
AUDIT_KIND_PREFIXES = {
    AuditKind.INTERNAL: "AMI",
    AuditKind.BSN_GUIDANCE: "BSN",
    AuditKind.STAGE_1: "ST1",
    AuditKind.STAGE_2: "ST2",
    AuditKind.SURVEILLANCE: "SRV",
    AuditKind.FOLLOW_UP: "FUP",
}


class AuditStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    REPORTED = "reported", _l("Reported")
    CLOSED = "closed", _l("Closed")


#: the report is issued: the audit's findings are final and its figures count
REPORTED_STATES = (AuditStatus.REPORTED, AuditStatus.CLOSED)


class RowResult(LabelledEnum):
    CONFORM = "conform", _l("Conform")
    NONCONFORM = "nonconform", _l("Nonconform")
    OBSERVATION = "observation", _l("Observation")
    OPPORTUNITY = "opportunity", _l("Opportunity for improvement")
    GOOD_PRACTICE = "good_practice", _l("Good practice")
    NOT_APPLICABLE = "not_applicable", _l("Not applicable")
    NOT_AUDITED = "not_audited", _l("Not audited")


#: results that make the row a finding (each grade names the result it belongs to)
FINDING_RESULTS = frozenset({RowResult.NONCONFORM, RowResult.OBSERVATION, RowResult.OPPORTUNITY})


class AuditProgramme(CityRecordMixin, db.Model):
    """A city's audit programme for one year (ISO 19011 clause 5)."""

    __tablename__ = "audit_programmes"
    __record_label__ = "title"
    __table_args__ = (UniqueConstraint("city_id", "year"),)

    year: Mapped[int] = mapped_column(info=labelled(_l("Year")))
    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title")))
    objectives: Mapped[str] = text_column(Text, _l("Objectives of the programme"))

    items: Mapped[list[ProgrammeItem]] = relationship(
        back_populates="programme", order_by="(ProgrammeItem.planned_month, ProgrammeItem.id)"
    )


class ProgrammeItem(ArchivableRecordMixin, db.Model):
    """One planned audit in a programme: which agency and clauses, when, what kind, and why."""

    __tablename__ = "audit_programme_items"

    programme_id: Mapped[int] = reference_column("audit_programmes.id", _l("Programme"), index=True)
    agency_id: Mapped[int] = reference_column("agencies.id", _l("Agency"), index=True)
    kind: Mapped[AuditKind] = enum_column(AuditKind, _l("Kind of audit"))
    #: the standard the audit is planned against; None (items planned before a second standard
    #: was loaded): the quality standard
    standard_id: Mapped[int | None] = reference_column("standards.id", _l("Standard"))
    #: 1..12, the month the audit is planned for
    planned_month: Mapped[int] = mapped_column(info=labelled(_l("Month")))
    #: clause numbers of the standard, e.g. ["6", "7.5", "9.3"]; a number covers its sub-clauses
    clause_numbers: Mapped[list[str]] = mapped_column(
        JSON, default=list, info=labelled(_l("Clauses to audit"))
    )
    reason: Mapped[str] = text_column(Text, _l("Reason (risk, previous results)"))

    programme: Mapped[AuditProgramme] = relationship(back_populates="items")
    agency: Mapped[Agency] = relationship()
    standard: Mapped[Standard | None] = relationship()
    audits: Mapped[list[Audit]] = relationship(back_populates="programme_item")
    #: every standard the item plans, the primary one (`standard_id`) first; several: an
    #: integrated audit
    standard_links: Mapped[list[ProgrammeItemStandard]] = relationship(
        order_by="ProgrammeItemStandard.position", cascade="all, delete-orphan"
    )

    @property
    def record_label(self) -> str:
        return f"{self.agency.name} ({self.planned_month}/{self.programme.year})"

    @property
    def standards(self) -> list[Standard]:
        """The standards planned, the primary one first (an item planned before a second
        standard was loaded names none: the quality standard is meant)."""
        listed = [link.standard for link in self.standard_links]
        return listed or ([self.standard] if self.standard is not None else [])

    @property
    def other_standard_ids(self) -> list[int]:
        """The standards planned besides the primary one (an integrated audit)."""
        return [link.standard_id for link in self.standard_links[1:]]

    @property
    def live_audits(self) -> list[Audit]:
        """The audits planned from the item that were not cancelled."""
        return [a for a in self.audits if a.archived_at is None]


class Audit(ArchivableRecordMixin, db.Model):
    __tablename__ = "audits"
    __record_label__ = "reference"
    __history_exclude__ = frozenset({"last_finding_seq"})

    reference: Mapped[str] = mapped_column(String(80), unique=True, info=labelled(_l("Reference")))
    agency_id: Mapped[int] = reference_column("agencies.id", _l("Audited agency"), index=True)
    programme_item_id: Mapped[int | None] = reference_column(
        "audit_programme_items.id", _l("Programme item"), index=True
    )
    standard_id: Mapped[int] = reference_column("standards.id", _l("Standard"))
    kind: Mapped[AuditKind] = enum_column(AuditKind, _l("Kind of audit"))
    status: Mapped[AuditStatus] = enum_column(
        AuditStatus, _l("Status"), default=AuditStatus.PLANNED, index=True
    )
    objectives: Mapped[str] = text_column(Text, _l("Objectives"))
    #: clause numbers in scope; a number covers its sub-clauses
    scope_clauses: Mapped[list[str]] = mapped_column(
        JSON, default=list, info=labelled(_l("Clauses in scope"))
    )
    #: ids of the audited agency's units in scope (empty: the whole agency)
    scope_unit_ids: Mapped[list[int]] = mapped_column(
        JSON, default=list, info=labelled(_l("Units in scope"))
    )
    scope_processes: Mapped[str] = text_column(Text, _l("Processes and services in scope"))
    #: the standard plus the agency's own procedures (SOP, service standards)
    criteria: Mapped[str] = text_column(
        Text, _l("Criteria (the standard and the agency's own procedures)")
    )
    planned_start: Mapped[date] = mapped_column(info=labelled(_l("Planned start")))
    planned_end: Mapped[date] = mapped_column(info=labelled(_l("Planned end")))
    actual_start: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Actual start"))
    )
    actual_end: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Actual end")))
    lead_auditor_id: Mapped[int | None] = reference_column(
        "users.id", _l("Lead auditor"), index=True
    )
    auditee_representatives: Mapped[str] = text_column(Text, _l("Auditee representatives"))
    opening_meeting_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Opening meeting"))
    )
    opening_attendance: Mapped[str] = text_column(Text, _l("Opening meeting attendance"))
    opening_notes: Mapped[str] = text_column(Text, _l("Opening meeting notes"))
    closing_meeting_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Closing meeting"))
    )
    closing_attendance: Mapped[str] = text_column(Text, _l("Closing meeting attendance"))
    closing_notes: Mapped[str] = text_column(Text, _l("Closing meeting notes"))
    conclusion: Mapped[str] = text_column(Text, _l("Audit conclusion"))
    degree_of_conformity: Mapped[str] = text_column(Text, _l("Degree of conformity"))
    disagreements: Mapped[str] = text_column(Text, _l("Unresolved disagreements"))
    areas_not_covered: Mapped[str] = text_column(Text, _l("Areas not covered"))
    reported_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Reported"))
    )
    closed_at: Mapped[datetime | None] = mapped_column(default=None, info=labelled(_l("Closed")))
    #: finding numbers are drawn from this counter with an atomic UPDATE (see numbering.py)
    last_finding_seq: Mapped[int] = mapped_column(default=0)

    agency: Mapped[Agency] = relationship()
    #: the primary standard (the first of `standards`): what an audit of one standard is about
    standard: Mapped[Standard] = relationship()
    #: every standard the audit covers, the primary one first; several: an integrated audit
    standard_links: Mapped[list[AuditStandard]] = relationship(
        order_by="AuditStandard.position", cascade="all, delete-orphan"
    )
    programme_item: Mapped[ProgrammeItem | None] = relationship(back_populates="audits")
    lead_auditor: Mapped[User | None] = relationship(foreign_keys=[lead_auditor_id])
    members: Mapped[list[AuditTeamMember]] = relationship(
        back_populates="audit", order_by="AuditTeamMember.id", cascade="all, delete-orphan"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="audit",
        order_by="(AgendaItem.starts_at, AgendaItem.id)",
        cascade="all, delete-orphan",
    )
    rows: Mapped[list[ChecklistRow]] = relationship(
        back_populates="audit", order_by="(ChecklistRow.position, ChecklistRow.id)"
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="audit", order_by="Finding.seq", viewonly=True
    )

    @hybrid_property
    def report_issued(self) -> bool:
        """The report is issued (reported or closed): the findings are final, the figures count
        and the audited agency's quality officers read it."""
        return self.status in REPORTED_STATES

    @report_issued.inplace.expression
    @classmethod
    def _report_issued_expression(cls) -> ColumnElement[bool]:
        return cls.status.in_(REPORTED_STATES)

    @property
    def standards(self) -> list[Standard]:
        """The standards audited, the primary one first."""
        return [link.standard for link in self.standard_links] or [self.standard]

    @property
    def other_standard_ids(self) -> list[int]:
        """The standards audited besides the primary one."""
        return [link.standard_id for link in self.standard_links[1:]]

    @property
    def is_integrated(self) -> bool:
        """An integrated audit covers clauses of several standards (SNI ISO 9001 and SNI ISO
        37001) in one audit: one team, one checklist, one report."""
        return len(self.standard_links) > 1

    @property
    def team(self) -> list[User]:
        """The lead auditor first, then the members."""
        lead = [self.lead_auditor] if self.lead_auditor else []
        return lead + [m.user for m in self.members if m.user_id != self.lead_auditor_id]

    @property
    def team_ids(self) -> set[int]:
        return {u.id for u in self.team}

    @property
    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.archived_at is None]


class AuditTeamMember(AuditedMixin, db.Model):
    """An auditor on an audit's team besides the lead auditor; removals are recorded."""

    __tablename__ = "audit_team_members"
    __table_args__ = (UniqueConstraint("audit_id", "user_id"),)
    __deletable__ = True

    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    user_id: Mapped[int] = reference_column("users.id", _l("Auditor"), index=True)

    audit: Mapped[Audit] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def record_label(self) -> str:
        return self.user.email


class AgendaItem(AuditedMixin, db.Model):
    """One row of the audit plan: when, which clause or process, which auditor, which auditee."""

    __tablename__ = "audit_agenda_items"
    __deletable__ = True

    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(info=labelled(_l("From")))
    ends_at: Mapped[datetime | None] = mapped_column(default=None, info=labelled(_l("Until")))
    subject: Mapped[str] = mapped_column(String(500), info=labelled(_l("Clause or process")))
    auditor_id: Mapped[int | None] = reference_column("users.id", _l("Auditor"))
    auditee: Mapped[str] = mapped_column(String(255), default="", info=labelled(_l("Auditee")))

    audit: Mapped[Audit] = relationship(back_populates="agenda")
    auditor: Mapped[User | None] = relationship()


class ChecklistRow(AuditedMixin, TimestampMixin, VersionedMixin, db.Model):
    """One question of an audit's checklist with the auditor's answer.

    The team saves rows as it goes, possibly two auditors at once: each save carries the
    version it read and a stale one is refused (optimistic locking), naming who saved last."""

    __tablename__ = "audit_checklist_rows"

    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    clause_id: Mapped[int] = reference_column("clauses.id", _l("Clause"))
    #: the standard's question this row came from; None for a row the auditor added
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    #: the auditor's own question for an added row
    text: Mapped[str] = text_column(Text, _l("Question"))
    #: None while unanswered
    result: Mapped[RowResult | None] = enum_column(RowResult, _l("Result"), default=None)
    notes: Mapped[str] = text_column(Text, _l("Notes"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    #: who saved the row last (answer, notes or finding): named when a stale save is refused
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    audit: Mapped[Audit] = relationship(back_populates="rows")
    clause: Mapped[Clause] = relationship(lazy="joined")
    question: Mapped[Question | None] = relationship(lazy="joined")
    finding: Mapped[Finding | None] = relationship(
        primaryjoin="and_(Finding.row_id == ChecklistRow.id, Finding.archived_at.is_(None))",
        viewonly=True,
        uselist=False,
    )

    @property
    def question_text(self) -> str:
        return self.question.text if self.question else self.text

    @property
    def typical_evidence(self) -> str:
        return self.question.evidence if self.question else ""

    @property
    def record_label(self) -> str:
        return f"{self.clause.number}: {self.question_text[:60]}"


class Finding(ArchivableRecordMixin, db.Model):
    """A graded audit finding (ISO 19011 6.4.8), numbered per audit: AMI-2026-DUKCAPIL-F03.

    A finding whose grade requires follow-up is followed up as a nonconformity of the
    corrective-action feature (qms.capa), which depends on the audits, not the other way round:
    it adds `Finding.nonconformity` (the other side of `Nonconformity.finding`), raises the
    nonconformity when the report is issued (`follow_up.register_report_listener`) and tells
    the audit when its plan is accepted (`follow_up.register_follow_up_checker`); see
    interface.py.
    """

    __tablename__ = "audit_findings"
    __record_label__ = "number"
    __table_args__ = (UniqueConstraint("audit_id", "seq"),)

    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("audit_checklist_rows.id"), index=True)
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(100), unique=True, info=labelled(_l("Number")))
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))
    #: key of a grade in the configured grade scale (see qms/audits/grades.py)
    grade: Mapped[str] = mapped_column(String(32), info=labelled(_l("Grade")))
    requirement: Mapped[str] = text_column(Text, _l("Requirement"))
    evidence: Mapped[str] = text_column(Text, _l("Objective evidence"))
    statement: Mapped[str] = text_column(Text, _l("Finding"))
    #: copied from the grade when graded, so a later change of the scale does not rewrite history
    follow_up_required: Mapped[bool] = mapped_column(default=False)
    #: the follow-up deadline from the grade, set when the report is issued
    due_date: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Due")))

    audit: Mapped[Audit] = relationship(back_populates="findings")
    row: Mapped[ChecklistRow] = relationship(foreign_keys=[row_id])
    clause: Mapped[Clause] = relationship(lazy="joined")
    #: the further clauses the finding breaches (of any standard of the audit) besides its
    #: row's clause
    other_clause_links: Mapped[list[FindingClause]] = relationship(
        order_by="FindingClause.id", cascade="all, delete-orphan"
    )

    @property
    def clauses(self) -> list[Clause]:
        """Every clause the finding breaches: its row's first, then the others in their
        standard's order."""
        others = sorted(
            (link.clause for link in self.other_clause_links),
            key=lambda c: (c.standard_id != self.clause.standard_id, c.standard_id, c.position),
        )
        return [self.clause, *others]

    @property
    def other_clause_ids(self) -> list[int]:
        return [link.clause_id for link in self.other_clause_links]


class StandardLinkMixin:
    """A standard a record is planned against, at its position (0: the primary one, also in
    the record's `standard_id`)."""

    standard_id: Mapped[int] = reference_column("standards.id", _l("Standard"), index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    @declared_attr
    def standard(cls) -> Mapped[Standard]:
        return relationship(lazy="joined")

    @property
    def record_label(self) -> str:
        return self.standard.code


class AuditStandard(StandardLinkMixin, AuditedMixin, db.Model):
    """A standard an audit covers; an audit of one standard has one, an integrated audit one
    per standard."""

    __tablename__ = "audit_standards"
    __table_args__ = (UniqueConstraint("audit_id", "standard_id"),)
    __deletable__ = True

    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)


class ProgrammeItemStandard(StandardLinkMixin, AuditedMixin, db.Model):
    """A standard a programme item plans (several: an integrated audit)."""

    __tablename__ = "audit_programme_item_standards"
    __table_args__ = (UniqueConstraint("item_id", "standard_id"),)
    __deletable__ = True

    item_id: Mapped[int] = mapped_column(ForeignKey("audit_programme_items.id"), index=True)


class FindingClause(AuditedMixin, db.Model):
    """A further clause a finding breaches (e.g. SNI ISO 37001 7.5.3 beside SNI ISO 9001 7.5.3
    in an integrated audit)."""

    __tablename__ = "audit_finding_clauses"
    __table_args__ = (UniqueConstraint("finding_id", "clause_id"),)
    __deletable__ = True

    finding_id: Mapped[int] = mapped_column(ForeignKey("audit_findings.id"), index=True)
    clause_id: Mapped[int] = reference_column("clauses.id", _l("Clause breached"))

    clause: Mapped[Clause] = relationship(lazy="joined")

    @property
    def record_label(self) -> str:
        return f"{self.clause.standard.code} {self.clause.number}"


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_audits_planned", Audit.planned_start, Audit.id)
Index("ix_audits_agency_planned", Audit.agency_id, Audit.planned_start)
Index("ix_audit_checklist_rows_audit_clause", ChecklistRow.audit_id, ChecklistRow.clause_id)
