"""The audit report of one audit, with what ISO 19011 (6.5) lists and a signatures block."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.audits import figures, grades, queries
from qms.audits.models import (
    AUDIT_KIND_LABELS,
    AUDIT_STATUS_LABELS,
    Audit,
    AuditStatus,
    RowResult,
)
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.reports.registry import RecordKind, ReportRequest, ReportType, register_report_type


def find(reference: str, city: City) -> Audit | None:
    return db.session.scalar(
        select(Audit)
        .join(Agency, Agency.id == Audit.agency_id)
        .where(Audit.reference == reference.upper(), Agency.city_id == city.id)
    )


def owner(audit: Audit) -> tuple[City, Agency]:
    return audit.agency.city, audit.agency


def build(req: ReportRequest) -> dict[str, Any]:
    audit: Audit = req.record
    tally = figures.tally(audit.rows)
    by_result: dict[str, list[dict[str, str]]] = {}
    for row in audit.rows:
        if row.result in (RowResult.GOOD_PRACTICE, RowResult.NOT_AUDITED, RowResult.NOT_APPLICABLE):
            by_result.setdefault(row.result.value, []).append(
                {"clause": row.clause.number, "text": row.notes or row.question_text}
            )
    units = [u.path for u in audit.agency.units if u.id in (audit.scope_unit_ids or [])]
    programme = audit.programme_item.programme.title if audit.programme_item else ""
    return {
        "reference": audit.reference,
        "draft": audit.status in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS),
        "status": str(AUDIT_STATUS_LABELS[audit.status]),
        "kind": str(AUDIT_KIND_LABELS[audit.kind]),
        "objectives": audit.objectives,
        "auditee": audit.agency.name,
        "auditee_address": audit.agency.address,
        "head": audit.agency.head_name,
        "units": units,
        "processes": audit.scope_processes,
        "clauses": [c.label for c in queries.clauses_in_scope(audit)],
        "client": audit.agency.city.name,
        "programme": programme,
        "lead": audit.lead_auditor.name if audit.lead_auditor else None,
        "team": [u.name for u in audit.team],
        "representatives": audit.auditee_representatives,
        "opening": {"at": audit.opening_meeting_at, "attendance": audit.opening_attendance},
        "closing": {"at": audit.closing_meeting_at, "attendance": audit.closing_attendance},
        "start": audit.actual_start or audit.planned_start,
        "end": audit.actual_end or audit.planned_end,
        "agenda": [
            {
                "at": item.starts_at,
                "subject": item.subject,
                "auditor": item.auditor.name if item.auditor else "",
                "auditee": item.auditee,
            }
            for item in audit.agenda
        ],
        "standard": audit.standard.title,
        "criteria": audit.criteria,
        "findings": [
            {
                "number": f.number,
                "grade": grades.grade_label(f.grade),
                "clause": f.clause.number,
                "requirement": f.requirement,
                "statement": f.statement,
                "evidence": f.evidence,
                "due_date": f.due_date if f.follow_up_required else None,
            }
            for f in audit.active_findings
        ],
        "good_practices": by_result.get(RowResult.GOOD_PRACTICE.value, []),
        "not_audited": by_result.get(RowResult.NOT_AUDITED.value, []),
        "not_applicable": sorted({r["clause"] for r in by_result.get("not_applicable", [])}),
        "conclusion": audit.conclusion,
        "degree": audit.degree_of_conformity,
        "tally": {
            "conform": tally.conform,
            "observation": tally.observation,
            "nonconform": tally.nonconform,
            "assessed": tally.assessed,
            "compliance": tally.compliance,
        },
        "disagreements": audit.disagreements,
        "areas_not_covered": audit.areas_not_covered,
        "reported_at": audit.reported_at,
    }


AUDIT_REPORT = ReportType(
    key="audit-report",
    title=_l("Audit report"),
    template="audits/pdf/audit_report.html",
    build=build,
    record=RecordKind(model=Audit, label=_l("Audit reference"), find=find, owner=owner),
    description=_l(
        "One audit as ISO 19011 asks: objectives, scope, team, dates, criteria, findings with "
        "evidence, conclusion and degree of conformity, with a signatures block."
    ),
    order=30,
)


def register() -> None:
    """Offer the report in the portal (from init_app)."""
    register_report_type(AUDIT_REPORT)
