"""The audit compliance figure, defined once for the audit pages, the agency panel, the API and
the reports (qms/reports/figures.py):

    compliance = (C + o·O) / (C + O + Σ w(grade)·N_grade)

per clause, from the agency's latest issued report (reported or closed) that assessed the
clause (see `Tally` for what C, O and N count). The weights are configuration
(AUDIT_COMPLIANCE_FORMULA and AUDIT_COMPLIANCE_WEIGHTS, qms/audits/settings.py): by default an
observation breaches no requirement and counts as conforming (o = 1), a minor nonconformity
weighs 1 and a major 2, so that an auditor can defend the figure; the formula used until
December 2026, (C + ½·O) / (C + O + N), stays available as "legacy". `formula_text()` says
the formula in force with its weights, wherever the figure is shown. The checklist rows are
counted in SQL (a city has tens of thousands of them); one audit's rows already loaded for a
page are counted in Python (`tally`), with the same rule (`Tally.add`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, case, func, select

from qms.accounts.models import User
from qms.audits import grades
from qms.audits.models import Audit, ChecklistRow, Finding, RowResult
from qms.audits.settings import compliance_weights, setting
from qms.core import access
from qms.core.i18n import fmt_number
from qms.extensions import db
from qms.organisations.models import Agency
from qms.standards.models import Clause

A = TypeVar("A")
K = TypeVar("K")
V = TypeVar("V")

#: audits per query: the ids are bound parameters, which databases limit
BATCH = 500


def weight_of(grade: str | None, weights: dict[str, float] | None = None) -> float:
    """The weight of a nonconformity of this grade (a row without a graded finding, or of a
    grade the weights do not name, weighs "ungraded")."""
    weights = weights or compliance_weights()
    if not grade or grade in ("observation", "ungraded"):
        return weights["ungraded"]
    return weights.get(grade, weights["ungraded"])


@dataclass(frozen=True)
class Tally:
    """Counts of checklist results and the compliance figure they give.

    compliance = (C + o·O) / (C + O + W), where
      C = rows answered conform, good practice or opportunity for improvement (a good practice
          and an OFI are conformities: an OFI suggests doing better, it breaches nothing),
      O = rows answered observation, o the share of one counted as conforming (1 by default: an
          observation breaches no requirement; ½ in the legacy formula),
      N = rows answered nonconform, W the sum of their weights by the grade of their finding
          (`nc_weight`; minor 1, major 2 by default; every one 1 in the legacy formula),
      A = C + O + N, the assessed rows. Not applicable, not audited and unanswered rows are not
          assessed and count nowhere. With A = 0 there is no figure (None).
    """

    conform: int = 0
    observation: int = 0
    nonconform: int = 0
    #: W, the nonconformities' weights summed; None: not known by grade, each weighs "ungraded"
    nc_weight: float | None = None

    @property
    def assessed(self) -> int:
        return self.conform + self.observation + self.nonconform

    @property
    def weighted_nonconform(self) -> float:
        if self.nc_weight is not None:
            return float(self.nc_weight)
        return self.nonconform * compliance_weights()["ungraded"]

    @property
    def compliance(self) -> float | None:
        if not self.assessed:
            return None
        credit = compliance_weights()["observation"]
        conforming = self.conform + credit * self.observation
        return conforming / (self.conform + self.observation + self.weighted_nonconform)

    def add(self, result: RowResult | None, grade: str | None = None) -> Tally:
        """One more row, answered `result`; a nonconformity weighs as its finding's grade."""
        if result in (RowResult.CONFORM, RowResult.GOOD_PRACTICE, RowResult.OPPORTUNITY):
            return Tally(self.conform + 1, self.observation, self.nonconform, self.nc_weight)
        if result == RowResult.OBSERVATION:
            return Tally(self.conform, self.observation + 1, self.nonconform, self.nc_weight)
        if result == RowResult.NONCONFORM:
            weight = self.weighted_nonconform + weight_of(grade)
            return Tally(self.conform, self.observation, self.nonconform + 1, weight)
        return self

    def __add__(self, other: Tally) -> Tally:
        both_unknown = self.nc_weight is None and other.nc_weight is None
        return Tally(
            self.conform + other.conform,
            self.observation + other.observation,
            self.nonconform + other.nonconform,
            None if both_unknown else self.weighted_nonconform + other.weighted_nonconform,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return (self.conform, self.observation, self.nonconform) == (
            other.conform,
            other.observation,
            other.nonconform,
        ) and abs(self.weighted_nonconform - other.weighted_nonconform) < 1e-9

    def __hash__(self) -> int:
        return hash((self.conform, self.observation, self.nonconform))

    def as_dict(self) -> dict[str, Any]:
        """The counts and the figure, as the API and the reports give them."""
        return {
            "conform": self.conform,
            "observation": self.observation,
            "nonconform": self.nonconform,
            "weighted_nonconform": self.weighted_nonconform,
            "assessed": self.assessed,
            "compliance": self.compliance,
        }


def tally(rows: Iterable[ChecklistRow]) -> Tally:
    """The figure of rows already loaded (one audit's checklist)."""
    total = Tally(nc_weight=0.0)
    for row in rows:
        total = total.add(row.result, row.finding.grade if row.finding is not None else None)
    return total


def formula_text() -> str:
    """The formula in force with its weights, in the user's language, for every place that
    shows the figure (pages, PDFs)."""
    weights = compliance_weights()
    if setting("AUDIT_COMPLIANCE_FORMULA") == "legacy":
        return _(
            "Compliance = (conform + ½ × observation) ÷ assessed rows (the formula used until "
            "December 2026)."
        )
    nonconformities = " + ".join(
        f"{_number(weight_of(g.key, weights))} × {g.label}"
        for g in grades.grades()
        if g.is_nonconformity
    )
    return _(
        "Compliance = (conform + %(credit)s × observation) ÷ (conform + observation + "
        "%(nonconformities)s): an observation breaches no requirement; a nonconformity weighs "
        "as its grade.",
        credit=_number(weights["observation"]),
        nonconformities=nonconformities,
    )


def _number(value: float) -> str:
    return fmt_number(value, 2) if value != int(value) else fmt_number(int(value))


def nonconformities_per_clause(figures: Iterable[Any]) -> float | None:
    """Nonconformities per assessed clause, beside the percentage: of the figures shown
    (`ClauseCompliance` or `Tally`), the nonconform rows over the clauses."""
    tallies = [getattr(f, "tally", f) for f in figures]
    if not tallies:
        return None
    return sum(t.nonconform for t in tallies) / len(tallies)


def per_clause_of(rows: Iterable[ChecklistRow]) -> float | None:
    """Nonconformities per assessed clause of rows already loaded (one audit's checklist)."""
    by_clause: dict[int, list[ChecklistRow]] = defaultdict(list)
    for row in rows:
        by_clause[row.clause_id].append(row)
    assessed = [t for t in map(tally, by_clause.values()) if t.assessed]
    return nonconformities_per_clause(assessed)


def _grade_of_row() -> Any:
    """SQL: each row's finding grade (a row has at most one finding that is not archived)."""
    return (
        select(Finding.row_id, func.max(Finding.grade).label("grade"))
        .where(Finding.archived_at.is_(None))
        .group_by(Finding.row_id)
        .subquery()
    )


def _counted(graded: Any) -> list[ColumnElement[Any]]:
    """SQL: C, O, N and W of a group of checklist rows, each result counted as `Tally.add`
    does; `graded` is `_grade_of_row()`, outer-joined to the rows."""
    units = {result: Tally().add(result) for result in RowResult}

    def counted(part: str) -> ColumnElement[int]:
        results = [result for result, unit in units.items() if getattr(unit, part)]
        return func.sum(case((ChecklistRow.result.in_(results), 1), else_=0))

    weights = compliance_weights()
    weight = case(
        *((graded.c.grade == g.key, weight_of(g.key, weights)) for g in grades.grades()),
        else_=weights["ungraded"],
    )
    nc_weight = func.sum(case((ChecklistRow.result == RowResult.NONCONFORM, weight), else_=0))
    return [*(counted(part) for part in ("conform", "observation", "nonconform")), nc_weight]


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
    graded = _grade_of_row()
    for start in range(0, len(ids), BATCH):
        rows = db.session.execute(
            select(ChecklistRow.audit_id, level, *_counted(graded))
            .join(Clause, Clause.id == ChecklistRow.clause_id)
            .outerjoin(graded, graded.c.row_id == ChecklistRow.id)
            .where(ChecklistRow.audit_id.in_(ids[start : start + BATCH]))
            .group_by(ChecklistRow.audit_id, level)
        )
        for audit_id, key, conform, observation, nonconform, nc_weight in rows:
            if conform or observation or nonconform:
                counts = (int(conform), int(observation), int(nonconform))
                tallies[audit_id][key] = Tally(*counts, float(nc_weight or 0))
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
