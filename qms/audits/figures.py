"""The audit compliance figure, defined once for the audit pages, the agency panel, the API and
the reports (the sections of audits/reports.py):

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

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, Select, case, func, or_, select

from qms.accounts.models import User
from qms.audits import breaches, grades
from qms.audits.models import Audit, AuditKind, AuditStandard, ChecklistRow, Finding, RowResult
from qms.audits.settings import compliance_weights, setting
from qms.core import access
from qms.core.i18n import fmt_number
from qms.core.readiness import first_of_each
from qms.extensions import db
from qms.organisations.models import Agency
from qms.standards.models import Clause

A = TypeVar("A")
K = TypeVar("K")
V = TypeVar("V")

#: audits per query: the ids are bound parameters, which databases limit
BATCH = 500

#: a period's first and last day; None leaves that end open
Period = tuple[date | None, date | None]


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


@dataclass(frozen=True)
class Completion:
    """How far a checklist is: the rows answered (any result, "not applicable" and "not
    audited" too) of all its rows. Told apart from compliance everywhere: completion says how
    much of the checklist is done, compliance how well the answered rows conform."""

    answered: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        return self.answered / self.total if self.total else None

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    def add(self, row: ChecklistRow) -> Completion:
        return Completion(self.answered + (row.result is not None), self.total + 1)


def main_clause(number: str) -> str:
    """The main clause (4 to 10 in ISO 9001) a clause number belongs to: "7" of "7.5.3.2"."""
    return number.split(".", 1)[0]


def completion(rows: Iterable[ChecklistRow]) -> Completion:
    """The completion of rows already loaded (one audit's checklist)."""
    done = Completion()
    for row in rows:
        done = done.add(row)
    return done


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


def _grade_of_row(audit_ids: Sequence[int]) -> Any:
    """SQL: each row's finding grade (a row has at most one finding that is not archived), of
    these audits' rows only (grouping every finding of the country would cost more than the
    rows counted)."""
    return (
        select(Finding.row_id, func.max(Finding.grade).label("grade"))
        .where(Finding.audit_id.in_(audit_ids), Finding.archived_at.is_(None))
        .group_by(Finding.row_id)
        .subquery()
    )


def _counted(graded: Any) -> list[ColumnElement[Any]]:
    """SQL: C, O, N and W of a group of checklist rows, each result counted as `Tally.add`
    does; `graded` is `_grade_of_row(...)`, outer-joined to the rows."""
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


def audit_day() -> ColumnElement[date]:
    """SQL: the day an audit counts for in a period: its last day on site, else its plan."""
    return func.coalesce(Audit.actual_end, Audit.actual_start, Audit.planned_end)


def issued_audits(
    agency_ids: Sequence[int],
    *,
    visible_to: User | None = None,
    period: Period = (None, None),
    standard_id: int | None = None,
) -> list[Row]:
    """The agencies' audits whose report is issued (only those count: a figure never shows work
    in progress), as rows of id, agency_id, reference, kind, actual_start, actual_end,
    planned_end and reported_at; with `visible_to`, only those that user may see; with a
    `period`, only those whose day (`audit_day`) falls in it; with a `standard_id`, only those
    covering that standard (alone, or with another as an integrated audit)."""
    if not agency_ids:
        return []
    return list(db.session.execute(_issued_query(agency_ids, visible_to, period, standard_id)))


def _issued_query(
    agency_ids: Sequence[int],
    visible_to: User | None,
    period: Period,
    standard_id: int | None,
) -> Select:
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
    if standard_id is not None:
        links = select(AuditStandard.audit_id).where(AuditStandard.standard_id == standard_id)
        query = query.where(or_(Audit.standard_id == standard_id, Audit.id.in_(links)))
    start, end = period
    if start is not None:
        query = query.where(audit_day() >= start)
    if end is not None:
        query = query.where(audit_day() <= end)
    return query


def clause_tallies(
    audit_ids: Sequence[int],
    level: ColumnElement[Any] = Clause.number,
    standard_id: int | None = None,
) -> dict[int, dict[Any, Tally]]:
    """Per audit, the tally of each clause with an assessed row. `level` says what a clause is
    counted as: its number (default), its id, or an expression of the `Clause` row (a main
    clause, say); with a `standard_id`, only that standard's clauses count (an integrated
    audit's rows of the other standard count for that one)."""
    tallies: dict[int, dict[Any, Tally]] = defaultdict(dict)
    ids = list(audit_ids)
    for start in range(0, len(ids), BATCH):
        graded = _grade_of_row(ids[start : start + BATCH])
        query = (
            select(ChecklistRow.audit_id, level, *_counted(graded))
            .join(Clause, Clause.id == ChecklistRow.clause_id)
            .outerjoin(graded, graded.c.row_id == ChecklistRow.id)
            .where(ChecklistRow.audit_id.in_(ids[start : start + BATCH]))
            .group_by(ChecklistRow.audit_id, level)
        )
        if standard_id is not None:
            query = query.where(Clause.standard_id == standard_id)
        rows = db.session.execute(query)
        for audit_id, key, conform, observation, nonconform, nc_weight in rows:
            if conform or observation or nonconform:
                counts = (int(conform), int(observation), int(nonconform))
                tallies[audit_id][key] = Tally(*counts, float(nc_weight or 0))
        chunk = ids[start : start + BATCH]
        for audit_id, key, result, grade, count in breaches.further(chunk, level, standard_id):
            counted = Tally(nc_weight=0.0)
            for _each in range(count):
                counted = counted.add(result, grade)
            if counted.assessed:
                tallies[audit_id][key] = tallies[audit_id].get(key, Tally(nc_weight=0.0)) + counted
    return tallies


def breaches_of(findings: Iterable[Finding], standard_id: int) -> Tally:
    """The further clauses of this standard that findings already loaded breach, counted as
    `breaches.further` counts them in SQL (one audit's report, standard by standard)."""
    counted = Tally(nc_weight=0.0)
    for finding in findings:
        for link in finding.other_clause_links:
            if link.clause.standard_id == standard_id:
                counted = counted.add(finding.row.result, finding.grade)
    return counted


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


def compliance_by_clause(
    agency: Agency, user: User, period: Period = (None, None)
) -> list[ClauseCompliance]:
    """The agency's figure per clause from the issued audits the user may see (of the period),
    in the standard's clause order (the compliance page, the agency panel, the API, the agency
    compliance report)."""
    audits = issued_audits([agency.id], visible_to=user, period=period)
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


# --- the figures of issued audits over a period (the agency and city reports, the dashboards) ---


def chapter_of(clause_number: str) -> str:
    """The main clause (4 … 10) a clause number belongs to."""
    return clause_number.split(".", 1)[0]


def clause_key(number: str) -> tuple:
    """A clause number's place in the standard's order (9.2 before 10.1)."""
    return tuple(int(part) if part.isdigit() else part for part in number.split("."))


def clause_titles(numbers: set[str], standard_id: int | None = None) -> dict[str, str]:
    """The clauses' titles in the current language, as pages print them (Clause.shown_title: the
    label of a sub-clause the standard leaves untitled in brackets); of one standard's clauses
    when `standard_id` is given."""
    english = str(get_locale() or "id") == "en"
    query = select(Clause.number, Clause.title_id, Clause.title_en, Clause.untitled).where(
        Clause.number.in_(numbers)
    )
    if standard_id is not None:
        query = query.where(Clause.standard_id == standard_id)
    rows = db.session.execute(query)
    titles = {}
    for number, title_id, title_en, untitled in rows:
        title = title_en if english and title_en else title_id
        titles[number] = f"({title})" if untitled else title
    return titles


def as_percent(share: float | None) -> float | None:
    """A share (0..1) as a percentage with one decimal, as the charts print it."""
    return None if share is None else round(share * 100, 1)


def _day_of(audit: Row) -> date:
    """`audit_day` of an audit row already read."""
    return audit.actual_end or audit.actual_start or audit.planned_end


def audits_of(
    agency_ids: list[int],
    period: Period,
    *,
    visible_to: User | None = None,
    standard_id: int | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """Each agency's issued audits in the period that the user may see, oldest first, with the
    compliance of each audit overall and per main clause, and its findings per grade; with a
    `standard_id`, the audits covering that standard, counting only its clauses' rows (main
    clause 7 of SNI ISO 9001 and 7 of SNI ISO 37001 are never mixed)."""
    audits = issued_audits(
        agency_ids, visible_to=visible_to, period=period, standard_id=standard_id
    )
    ids = [a.id for a in audits]
    by_audit = clause_tallies(ids, _chapter_of_clause(), standard_id)
    grade_counts: dict[int, Counter] = defaultdict(Counter)
    for start in range(0, len(ids), BATCH):
        for audit_id, grade in db.session.execute(
            select(Finding.audit_id, Finding.grade).where(
                Finding.audit_id.in_(ids[start : start + BATCH]), Finding.archived_at.is_(None)
            )
        ):
            grade_counts[audit_id][grade] += 1

    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in sorted(audits, key=lambda a: (_day_of(a), a.id)):
        chapters = by_audit.get(a.id, {})
        result[a.agency_id].append(
            {
                "id": a.id,
                "reference": a.reference,
                "kind": str(AuditKind.labels()[a.kind]),
                "day": _day_of(a),
                "reported_at": a.reported_at,
                "tally": sum(chapters.values(), Tally()).as_dict(),
                "chapters": {number: tally.as_dict() for number, tally in chapters.items()},
                "grades": dict(grade_counts[a.id]),
            }
        )
    return result


def latest_compliance(
    agency_ids: list[int],
    period: Period,
    *,
    visible_to: User | None = None,
    standard_id: int | None = None,
) -> dict[int, float | None]:
    """Each agency's compliance of its latest issued audit in the period that the user may see
    (what `audits_of(...)[agency][-1]["tally"]` gives), counting only those audits' rows (of
    the standard, with a `standard_id`)."""
    if not agency_ids:
        return {}
    issued = _issued_query(agency_ids, visible_to, period, standard_id).with_only_columns(
        Audit.agency_id, Audit.id
    )
    # the latest of each agency chosen in SQL: a national reader's agencies have thousands
    latest: dict[int, int] = dict(
        db.session.execute(
            first_of_each(issued, Audit.agency_id, audit_day().desc(), Audit.id.desc())
        ).all()
    )
    by_audit = clause_tallies(list(latest.values()), _chapter_of_clause(), standard_id)
    return {
        agency_id: sum(by_audit.get(audit_id, {}).values(), Tally()).compliance
        for agency_id, audit_id in latest.items()
    }


def _chapter_of_clause() -> ColumnElement[str]:
    """SQL: the main clause of `Clause.number`, as `chapter_of` gives it."""
    chapters = {chapter_of(n) for n in db.session.scalars(select(Clause.number).distinct())}
    return case(
        *(
            (or_(Clause.number == c, Clause.number.startswith(f"{c}.", autoescape=True)), c)
            for c in sorted(chapters)
        ),
        else_=Clause.number,
    )


def latest_chapters(audits: list[dict[str, Any]]) -> dict[str, dict]:
    """For each main clause, the figure from the latest issued audit that assessed it (the
    rule of `latest_by_clause`, as on the agency's compliance page)."""
    latest = latest_by_clause(
        audits, lambda a: a["chapters"], lambda a: (a["reported_at"], a["id"])
    )
    return {
        number: {**tally, "audit": audit["reference"]} for number, (audit, tally) in latest.items()
    }


def overall(tallies: list[dict[str, Any]]) -> dict[str, Any]:
    """The figure of all the rows counted in these tallies."""
    total = Tally(
        sum(t["conform"] for t in tallies),
        sum(t["observation"] for t in tallies),
        sum(t["nonconform"] for t in tallies),
        # each nonconformity weighs as its grade did in its own tally
        sum(t["weighted_nonconform"] for t in tallies),
    )
    return total.as_dict()


def grade_rows(counts: Counter) -> list[dict[str, Any]]:
    """Findings per grade of the configured scale, in its order (grades no longer in the
    scale follow under their key)."""
    rows = [
        {"key": g.key, "label": g.label, "count": counts.get(g.key, 0)} for g in grades.grades()
    ]
    known = {g.key for g in grades.grades()}
    rows += [
        {"key": k, "label": k, "count": n} for k, n in sorted(counts.items()) if k not in known
    ]
    return rows


def nonconform_findings(counts: Counter) -> int:
    """How many of these findings are nonconformities (by the grade scale)."""
    return sum(counts.get(g.key, 0) for g in grades.grades() if g.is_nonconformity)


def audit_tallies(audit_ids: Sequence[int]) -> dict[int, tuple[Tally, Completion]]:
    """Per audit, the tally and the completion of all its rows, counted in SQL (a page of the
    audit list: one query, however many audits and rows), the same figures `tally` and
    `completion` give of loaded rows."""
    ids = list(audit_ids)
    tallies: dict[int, tuple[Tally, Completion]] = {}
    for start in range(0, len(ids), BATCH):
        graded = _grade_of_row(ids[start : start + BATCH])
        rows = db.session.execute(
            select(
                ChecklistRow.audit_id,
                *_counted(graded),
                func.count(ChecklistRow.result),
                func.count(),
            )
            .outerjoin(graded, graded.c.row_id == ChecklistRow.id)
            .where(ChecklistRow.audit_id.in_(ids[start : start + BATCH]))
            .group_by(ChecklistRow.audit_id)
        )
        for audit_id, conform, observation, nonconform, nc_weight, answered, total in rows:
            counts = (int(conform or 0), int(observation or 0), int(nonconform or 0))
            tallies[audit_id] = (
                Tally(*counts, float(nc_weight or 0)),
                Completion(int(answered), int(total)),
            )
    return tallies
