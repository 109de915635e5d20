"""What the API answers about audits: each resource declared once (pydantic), built from a
record; the OpenAPI document is generated from these classes (qms/api/schema.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import Field

from qms.api.schema import Resource, Timestamp
from qms.audits import figures, queries
from qms.audits.models import (
    Audit,
    AuditKind,
    AuditProgramme,
    AuditStatus,
    ChecklistRow,
    Finding,
    ProgrammeItem,
    RowResult,
)


class ProgrammeItemOut(Resource):
    labels_from = ProgrammeItem

    id: int
    agency_id: int
    kind: AuditKind
    planned_month: int
    clause_numbers: list[str]
    standards: list[str] = Field(
        description="The codes of the standards planned, the primary first (several: an "
        "integrated audit)"
    )
    reason: str
    audit_ids: list[int] = Field(
        description="The audits planned from the item (cancelled ones left out)"
    )
    done: bool = Field(description="An audit planned from the item has its report issued")

    @classmethod
    def of(cls, line: queries.ProgrammeLine) -> ProgrammeItemOut:
        return cls.from_record(
            line.item,
            audit_ids=[a.id for a in line.audits],
            done=line.done,
            standards=[s.code for s in line.item.standards],
        )


class AuditProgrammeOut(Resource):
    labels_from = AuditProgramme

    id: int
    city_id: int
    year: int
    title: str
    objectives: str
    archived: bool
    items: list[ProgrammeItemOut]

    @classmethod
    def of(cls, programme: AuditProgramme) -> AuditProgrammeOut:
        return cls.from_record(
            programme,
            archived=programme.is_archived,
            items=[ProgrammeItemOut.of(line) for line in queries.programme_lines(programme)],
        )


class TeamMemberOut(Resource):
    id: int
    name: str


class AuditOut(Resource):
    labels_from = Audit

    id: int
    reference: str
    agency_id: int
    programme_item_id: int | None
    standard: str = Field(description="The code of the audit's (primary) standard")
    standards: list[str] = Field(
        description="The codes of every standard the audit covers, the primary first (several: "
        "an integrated audit, one checklist and one report for the clauses of each)"
    )
    kind: AuditKind
    status: AuditStatus
    objectives: str
    scope_clauses: list[str]
    scope_unit_ids: list[int]
    scope_processes: str
    criteria: str
    planned_start: date
    planned_end: date
    actual_start: date | None
    actual_end: date | None
    lead_auditor_id: int | None
    team: list[TeamMemberOut] = Field(description="The lead auditor first, then the members")
    auditee_representatives: str
    conclusion: str
    degree_of_conformity: str
    disagreements: str
    areas_not_covered: str
    reported_at: Timestamp | None
    closed_at: Timestamp | None
    rows_answered: int = Field(
        description="Checklist rows answered, whatever the result (the completion, not the "
        "compliance)"
    )
    rows_total: int = Field(description="Checklist rows in all")
    compliance: float | None = Field(
        description="The audit's compliance figure over its assessed rows (null before a row "
        "is assessed); provisional while rows_answered is below rows_total"
    )

    @classmethod
    def of(
        cls, audit: Audit, counted: tuple[figures.Tally, figures.Completion] | None = None
    ) -> AuditOut:
        """The audit as the API gives it; `counted`, its rows' tally and completion already
        counted (a page of the list counts them all in one query), else its rows are read."""
        tally, done = counted or (figures.tally(audit.rows), figures.completion(audit.rows))
        return cls.from_record(
            audit,
            standard=audit.standard.code,
            standards=[s.code for s in audit.standards],
            team=[TeamMemberOut(id=u.id, name=u.name) for u in audit.team],
            rows_answered=done.answered,
            rows_total=done.total,
            compliance=tally.compliance,
        )

    @classmethod
    def page_of(cls, audits: Sequence[Audit]) -> list[AuditOut]:
        """A page of audits, their compliance counted in one query."""
        tallies = figures.audit_tallies([a.id for a in audits])
        empty = (figures.Tally(), figures.Completion())
        return [cls.of(a, tallies.get(a.id, empty)) for a in audits]


class ChecklistRowOut(Resource):
    labels_from = ChecklistRow

    id: int
    version: int = Field(
        description="Send it back when saving the row: a save based on an older read is "
        "refused (409) and changes nothing"
    )
    audit_id: int
    clause: str = Field(description="The clause's number")
    standard: str = Field(description="The code of the clause's standard")
    question_key: str | None = Field(
        description="The key of the standard's question (null for the auditor's own question)"
    )
    question: str
    result: RowResult | None
    notes: str
    finding: str | None = Field(description="The number of the row's finding")

    @classmethod
    def of(cls, row: ChecklistRow) -> ChecklistRowOut:
        return cls.from_record(
            row,
            clause=row.clause.number,
            standard=row.clause.standard.code,
            question_key=row.question.key if row.question else None,
            question=row.question_text,
            finding=row.finding.number if row.finding else None,
        )


class NonconformityRefOut(Resource):
    """The corrective action raised for a finding when the report was issued;
    GET /nonconformities/{id} answers only those who may see it."""

    id: int
    number: str


class FindingOut(Resource):
    labels_from = Finding

    id: int
    number: str
    audit_id: int
    row_id: int
    version: int = Field(
        description="The version of the finding's checklist row: send it back when changing "
        "the finding"
    )
    clause: str = Field(description="The number of its row's clause")
    standard: str = Field(description="The code of the standard of its row's clause")
    clauses: list[str] = Field(
        description="Every clause it breaches with its standard, its row's first "
        "('SNI ISO 9001:2015 7.5.3', 'SNI ISO 37001:2016 7.5.3')"
    )
    other_clause_ids: list[int] = Field(
        description="The ids of the further clauses it breaches (PATCH to change them)"
    )
    grade: str
    requirement: str
    evidence: str
    statement: str
    follow_up_required: bool
    due_date: date | None
    nonconformity: NonconformityRefOut | None

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        # the corrective-action feature adds `Finding.nonconformity` (see the model)
        nc = getattr(finding, "nonconformity", None)
        return cls.from_record(
            finding,
            version=finding.row.version,
            clause=finding.clause.number,
            standard=finding.clause.standard.code,
            clauses=[c.reference for c in finding.clauses],
            other_clause_ids=finding.other_clause_ids,
            nonconformity=NonconformityRefOut(id=nc.id, number=nc.number) if nc else None,
        )


class ClauseComplianceOut(Resource):
    """A clause's compliance figure from the agency's latest issued audit that assessed it."""

    clause: str = Field(description="The clause's number")
    standard: str = Field(description="The code of the clause's standard")
    audit: str = Field(description="The reference of the audit the figure comes from")
    conform: int
    observation: int
    nonconform: int
    weighted_nonconform: float = Field(
        description="The nonconformities weighed by their grades (the formula's W)"
    )
    assessed: int
    compliance: float | None = Field(
        description="(C + o·O) ÷ (C + O + W) with the configured weights (AUDIT_COMPLIANCE_*)"
    )

    @classmethod
    def of(cls, figure: figures.ClauseCompliance) -> ClauseComplianceOut:
        tally = figure.tally.as_dict()
        return cls(
            clause=figure.clause.number,
            standard=figure.clause.standard.code,
            audit=figure.audit.reference,
            **tally,
        )
