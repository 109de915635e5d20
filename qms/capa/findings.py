"""How internal-audit findings flow into corrective actions (ISO 9001 9.2.2 e, 10.2).

When an audit's report is issued its findings are final (the team writes them only while the
audit is in progress), so that is when every finding whose grade requires follow-up (major and
minor by default, see qms/audits/grades.py) becomes a nonconformity of the audited agency: raised
by the lead auditor, who also follows it up (accepts the plan, verifies), due on the finding's
deadline, with the audit's auditee representatives. Observations and opportunities for
improvement get none. The audit closes only once the corrective action plan of each of those
nonconformities is accepted.

The audits do not import this feature: `init_app` plugs these functions into their extension
points (`register_report_listener`, `register_follow_up_checker`).
"""

from __future__ import annotations

from collections.abc import Iterable

from qms.accounts.models import User
from qms.audits.interface import Audit, Finding, grades
from qms.capa import operations, workflow
from qms.capa.models import NcGrade, NcSource, Nonconformity
from qms.extensions import db


def nc_grade(finding: Finding) -> NcGrade:
    """The register knows major and minor. A city's own grade scale may name its grades
    differently (e.g. "critical"): a grade of a nonconform result counts as major, anything
    else that still requires follow-up as minor."""
    if finding.grade in {g.value for g in NcGrade}:
        return NcGrade(finding.grade)
    found = grades.grade(finding.grade)
    return NcGrade.MAJOR if found is not None and found.is_nonconformity else NcGrade.MINOR


def raise_for_finding(finding: Finding) -> Nonconformity:
    """The finding's nonconformity, raised once (raise_from_finding returns an existing one)."""
    audit = finding.audit
    nc = operations.raise_from_finding(
        agency=audit.agency,
        clause=finding.clause.number,
        clause_standard=finding.clause.standard.code,
        other_clauses=[
            {"standard": c.standard.code, "number": c.number} for c in finding.clauses[1:]
        ],
        requirement=finding.requirement,
        evidence=finding.evidence,
        statement=finding.statement,
        grade=nc_grade(finding),
        raised_by=audit.lead_auditor,
        due_date=finding.due_date,
        finding_id=finding.id,
        source=NcSource.INTERNAL_AUDIT,
        source_reference=finding.number,
        auditee_representative=audit.auditee_representatives,
        auditor_id=audit.lead_auditor_id,
    )
    db.session.expire(finding, ["nonconformity"])
    return nc


def raise_for_report(actor: User | None, audit: Audit) -> None:
    """Report listener: a nonconformity for every finding needing follow-up. (The actor is the
    one who issued the report; the nonconformity is raised in the lead auditor's name.)"""
    for finding in audit.active_findings:
        if finding.follow_up_required:
            raise_for_finding(finding)


def lacking_accepted_plan(audit: Audit, findings: list[Finding]) -> Iterable[Finding]:
    """Follow-up checker: the findings whose nonconformity has no accepted plan (yet, or again
    after a failed verification re-opened it)."""
    for finding in findings:
        nc = operations.nonconformity_for_finding(finding.id)
        if nc is None or not workflow.plan_is_accepted(nc):
            yield finding
