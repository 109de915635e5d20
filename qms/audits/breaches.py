"""The further clauses findings breach, counted in SQL for the compliance figures
(figures.clause_tallies), and the standards a set of audits covers: what makes an integrated
audit count in each standard's figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select

from qms.audits.models import Audit, AuditStandard, ChecklistRow, Finding, FindingClause, RowResult
from qms.extensions import db
from qms.standards.models import Clause


def further(
    audit_ids: list[int], level: ColumnElement[Any], standard_id: int | None
) -> list[tuple[int, Any, RowResult | None, str, int]]:
    """The further clauses the audits' findings breach (SNI ISO 37001 7.5.3 beside the row's
    SNI ISO 9001 7.5.3), per audit and clause `level`, with the result of the finding's row
    and its grade, and how many: each counts for its clause as the finding's row does (a
    nonconformity weighing as its grade), so a finding of an integrated audit counts in both
    standards' figures."""
    query = (
        select(Finding.audit_id, level, ChecklistRow.result, Finding.grade, func.count())
        .select_from(FindingClause)
        .join(Finding, Finding.id == FindingClause.finding_id)
        .join(ChecklistRow, ChecklistRow.id == Finding.row_id)
        .join(Clause, Clause.id == FindingClause.clause_id)
        .where(Finding.audit_id.in_(audit_ids), Finding.archived_at.is_(None))
        .group_by(Finding.audit_id, level, ChecklistRow.result, Finding.grade)
    )
    if standard_id is not None:
        query = query.where(Clause.standard_id == standard_id)
    return [
        (audit_id, key, result, grade, int(count))
        for audit_id, key, result, grade, count in db.session.execute(query)
    ]


def standards_audited(audit_ids: Sequence[int]) -> list[int]:
    """The standards these audits cover (an integrated audit covers several)."""
    if not audit_ids:
        return []
    ids = list(audit_ids)
    linked = select(AuditStandard.standard_id).where(AuditStandard.audit_id.in_(ids))
    primary = select(Audit.standard_id).where(Audit.id.in_(ids))
    return list(db.session.scalars(linked.union(primary)))
