"""The audit compliance figure, defined once for the audit pages, the agency panel, the API and
the reports (qms/reports/figures.py):

    compliance = (C + ½·O) / (C + O + N)

per clause, from the agency's latest issued report (reported or closed) that assessed the
clause (see `Tally` for what C, O and N count). The checklist rows are counted in SQL (a city
has tens of thousands of them); one audit's rows already loaded for a page are counted in
Python (`tally`), with the same rule (`Tally.add`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, case, func, select

from qms.accounts.models import User
from qms.audits.models import Audit, ChecklistRow, RowResult
from qms.core import access
from qms.extensions import db
from qms.organisations.models import Agency
from qms.standards.models import Clause

A = TypeVar("A")
K = TypeVar("K")
V = TypeVar("V")

#: audits per query: the ids are bound parameters, which databases limit
BATCH = 500


@dataclass(frozen=True)
class Tally:
    """Counts of checklist results and the compliance figure they give.

    compliance = (C + ½·O) / A, where
      C = rows answered conform, good practice or opportunity for improvement (a good practice
          and an OFI are conformities: an OFI suggests doing better, it breaches nothing),
      O = rows answered observation (a potential problem, counted half),
      N = rows answered nonconform,
      A = C + O + N, the assessed rows. Not applicable, not audited and unanswered rows are not
          assessed and count nowhere. With A = 0 there is no figure (None).
    """

    conform: int = 0
    observation: int = 0
    nonconform: int = 0

    @property
    def assessed(self) -> int:
        return self.conform + self.observation + self.nonconform

    @property
    def compliance(self) -> float | None:
        if not self.assessed:
            return None
        return (self.conform + 0.5 * self.observation) / self.assessed

    def add(self, result: RowResult | None) -> Tally:
        if result in (RowResult.CONFORM, RowResult.GOOD_PRACTICE, RowResult.OPPORTUNITY):
            return Tally(self.conform + 1, self.observation, self.nonconform)
        if result == RowResult.OBSERVATION:
            return Tally(self.conform, self.observation + 1, self.nonconform)
        if result == RowResult.NONCONFORM:
            return Tally(self.conform, self.observation, self.nonconform + 1)
        return self

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.conform + other.conform,
            self.observation + other.observation,
            self.nonconform + other.nonconform,
        )

    def as_dict(self) -> dict[str, Any]:
        """The counts and the figure, as the API and the reports give them."""
        return {
            "conform": self.conform,
            "observation": self.observation,
            "nonconform": self.nonconform,
            "assessed": self.assessed,
            "compliance": self.compliance,
        }


def tally(rows: Iterable[ChecklistRow]) -> Tally:
    """The figure of rows already loaded (one audit's checklist)."""
    total = Tally()
    for row in rows:
        total = total.add(row.result)
    return total


def _counted() -> list[ColumnElement[int]]:
    """SQL: C, O and N of a group of checklist rows, each result counted as `Tally.add` does."""
    units = {result: Tally().add(result) for result in RowResult}

    def counted(part: str) -> ColumnElement[int]:
        results = [result for result, unit in units.items() if getattr(unit, part)]
        return func.sum(case((ChecklistRow.result.in_(results), 1), else_=0))

    return [counted(part) for part in ("conform", "observation", "nonconform")]


def issued_audits(agency_ids: Sequence[int], *, visible_to: User | None = None) -> list[Row]:
    """The agencies' audits whose report is issued (only those count: a figure never shows work
    in progress), as rows of id, agency_id, reference, kind, actual_start, actual_end,
    planned_end and reported_at; with `visible_to`, only those that user may see."""
    if not agency_ids:
        return []
    query = select(
        Audit.id,
        Audit.agency_id,
        Audit.reference,
        Audit.kind,
        Audit.actual_start,
        Audit.actual_end,
        Audit.planned_end,
        Audit.reported_at,
    ).where(Audit.agency_id.in_(agency_ids), Audit.report_issued, Audit.archived_at.is_(None))
    if visible_to is not None:
        query = query.where(
            Audit.id.in_(access.scoped(Audit, visible_to).with_only_columns(Audit.id))
        )
    return list(db.session.execute(query))


def clause_tallies(
    audit_ids: Sequence[int], level: ColumnElement[Any] = Clause.number
) -> dict[int, dict[Any, Tally]]:
    """Per audit, the tally of each clause with an assessed row. `level` says what a clause is
    counted as: its number (default), its id, or an expression of the `Clause` row (a main
    clause, say)."""
    tallies: dict[int, dict[Any, Tally]] = defaultdict(dict)
    ids = list(audit_ids)
    for start in range(0, len(ids), BATCH):
        rows = db.session.execute(
            select(ChecklistRow.audit_id, level, *_counted())
            .join(Clause, Clause.id == ChecklistRow.clause_id)
            .where(ChecklistRow.audit_id.in_(ids[start : start + BATCH]))
            .group_by(ChecklistRow.audit_id, level)
        )
        for audit_id, key, *counts in rows:
            if any(counts):
                tallies[audit_id][key] = Tally(*counts)
    return tallies


def latest_by_clause(
    audits: Iterable[A],
    figures_of: Callable[[A], Mapping[K, V]],
    issued: Callable[[A], tuple[datetime | None, int]],
) -> dict[K, tuple[A, V]]:
    """For each clause, the audit and figure of the latest issued audit that assessed it.
    `figures_of` gives an audit's figures by clause, `issued` its (reported_at, id): the audit
    reported last is the latest, the later one of two reported at the same moment."""

    def order(audit: A) -> tuple[datetime, int]:
        reported_at, audit_id = issued(audit)
        return reported_at or datetime.min, audit_id

    latest: dict[K, tuple[A, V]] = {}
    for audit in sorted(audits, key=order, reverse=True):
        for key, figure in figures_of(audit).items():
            latest.setdefault(key, (audit, figure))
    return latest


@dataclass(frozen=True)
class ClauseCompliance:
    clause: Clause
    audit: Audit
    tally: Tally


def compliance_by_clause(agency: Agency, user: User) -> list[ClauseCompliance]:
    """The agency's figure per clause from the issued audits the user may see, in the
    standard's clause order (the compliance page, the agency panel, the API)."""
    audits = issued_audits([agency.id], visible_to=user)
    tallies = clause_tallies([a.id for a in audits], Clause.id)
    latest = latest_by_clause(
        audits, lambda a: tallies.get(a.id, {}), lambda a: (a.reported_at, a.id)
    )
    if not latest:
        return []
    clauses = {c.id: c for c in db.session.scalars(select(Clause).where(Clause.id.in_(latest)))}
    audit_ids = {audit.id for audit, _tally in latest.values()}
    records = {a.id: a for a in db.session.scalars(select(Audit).where(Audit.id.in_(audit_ids)))}
    figures = [
        ClauseCompliance(clauses[clause_id], records[audit.id], counted)
        for clause_id, (audit, counted) in latest.items()
    ]
    return sorted(figures, key=lambda f: (f.clause.standard_id, f.clause.position))
