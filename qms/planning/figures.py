"""The figures of objectives and risks, counted in SQL with the models' own rules
(`Measurement.misses`, `Treatment.is_due_by`, `Risk.review_due`): the pages, the home and agency
panels and the report sections (planning/reports.py) take them from here. Archived
records count nowhere; `visible_to` limits a figure to what a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, or_, select

from qms.core import access
from qms.extensions import db
from qms.organisations.queries import in_city
from qms.planning.matrix import Level, matrix
from qms.planning.models import Measurement, Objective, Risk, Treatment
from qms.planning.vocabulary import SCALE, RiskKind


def _objectives(visible_to: Any | None) -> Select:
    if visible_to is not None:
        return access.scoped(Objective, visible_to)
    return select(Objective).where(Objective.archived_at.is_(None))


def _risks(visible_to: Any | None) -> Select:
    if visible_to is not None:
        return access.scoped(Risk, visible_to)
    return select(Risk).where(Risk.archived_at.is_(None))


def _with_latest_measurement(objectives: Select, *, every: bool) -> Select:
    """The objectives joined to the measurement of their latest period measured; with `every`,
    those not measured yet too (with no measurement)."""
    latest = (
        select(Measurement.objective_id, func.max(Measurement.period_start).label("start"))
        .group_by(Measurement.objective_id)
        .subquery()
    )
    return objectives.join(latest, latest.c.objective_id == Objective.id, isouter=every).join(
        Measurement,
        (Measurement.objective_id == Objective.id) & (Measurement.period_start == latest.c.start),
        isouter=every,
    )


def latest_measurements(objective_ids: list[int]) -> dict[int, Measurement]:
    """Each objective's measurement of its latest period measured."""
    if not objective_ids:
        return {}
    latest = (
        select(Measurement.objective_id, func.max(Measurement.period_start).label("start"))
        .where(Measurement.objective_id.in_(objective_ids))
        .group_by(Measurement.objective_id)
        .subquery()
    )
    found = db.session.scalars(
        select(Measurement).join(
            latest,
            (latest.c.objective_id == Measurement.objective_id)
            & (latest.c.start == Measurement.period_start),
        )
    )
    return {m.objective_id: m for m in found}


def off_target(visible_to: Any, year: int, *, agency_id: int | None = None) -> list[Objective]:
    """The objectives of the year whose latest measurement missed the target."""
    query = (
        _with_latest_measurement(_objectives(visible_to), every=False)
        .where(Objective.year == year, Measurement.misses(Objective.target, Objective.direction))
        .order_by(Objective.agency_id, Objective.id)
    )
    if agency_id is not None:
        query = query.where(Objective.agency_id == agency_id)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ObjectiveCounts:
    """An agency's objectives of a year by their latest measurement."""

    total: int
    met: int
    missed: int

    @property
    def not_measured(self) -> int:
        return self.total - self.met - self.missed

    @property
    def share_met(self) -> float | None:
        """The share of the objectives that met their target (None: no objective)."""
        return self.met / self.total if self.total else None


def objective_counts(visible_to: Any, agency_id: int, year: int) -> ObjectiveCounts:
    ids = list(
        db.session.scalars(
            _objectives(visible_to)
            .where(Objective.agency_id == agency_id, Objective.year == year)
            .with_only_columns(Objective.id)
        )
    )
    latest = latest_measurements(ids)
    missed = sum(1 for m in latest.values() if not m.is_met)
    return ObjectiveCounts(len(ids), len(latest) - missed, missed)


def heat_map(
    visible_to: Any, *, agency_id: int | None = None, city_id: int | None = None
) -> list[list[int]]:
    """Risks by rating: counts[likelihood - 1][impact - 1] (the heat map's cells)."""
    query = in_city(_risks(visible_to).where(Risk.kind == RiskKind.RISK), Risk.agency_id, city_id)
    if agency_id is not None:
        query = query.where(Risk.agency_id == agency_id)
    rows = db.session.execute(
        query.with_only_columns(Risk.likelihood, Risk.impact, func.count(Risk.id)).group_by(
            Risk.likelihood, Risk.impact
        )
    )
    counts = [[0 for _ in SCALE] for _ in SCALE]
    for likelihood, impact, count in rows:
        counts[likelihood - 1][impact - 1] = count
    return counts


def level_counts(cells: list[list[int]]) -> list[tuple[Level, int]]:
    """The heat map's risks by level, lowest level first."""
    totals = {level.key: 0 for level in matrix().levels}
    for likelihood in SCALE:
        for impact in SCALE:
            level = matrix().level(likelihood, impact)
            totals[level.key] += cells[likelihood - 1][impact - 1]
    return [(level, totals[level.key]) for level in matrix().levels]


def high_risks(visible_to: Any, *, agency_id: int | None = None) -> list[Risk]:
    """The risks whose level asks for attention (high and very high in the default matrix),
    the highest first."""
    cells = matrix().attention_cells()
    if not cells:
        return []
    conditions = [(Risk.likelihood == li) & (Risk.impact == im) for li, im in cells]
    query = _risks(visible_to).where(Risk.kind == RiskKind.RISK, or_(*conditions))
    if agency_id is not None:
        query = query.where(Risk.agency_id == agency_id)
    risks = list(db.session.scalars(query))
    return sorted(
        risks,
        key=lambda r: (
            -matrix().level(r.likelihood, r.impact).rank,
            -r.likelihood * r.impact,
            r.id,
        ),
    )


def treatments_due(visible_to: Any, by: date, *, agency_id: int | None = None) -> list[Treatment]:
    """Open treatments of the risks the user may see, due on or before `by` (overdue first)."""
    risks = _risks(visible_to).with_only_columns(Risk.id)
    if agency_id is not None:
        risks = risks.where(Risk.agency_id == agency_id)
    query = (
        select(Treatment)
        .where(Treatment.risk_id.in_(risks), Treatment.is_due_by(by))
        .order_by(Treatment.due_on, Treatment.id)
    )
    return list(db.session.scalars(query))


def reviews_due(visible_to: Any, by: date, *, agency_id: int | None = None) -> list[Risk]:
    query = _risks(visible_to).where(Risk.review_due(by)).order_by(Risk.next_review_on, Risk.id)
    if agency_id is not None:
        query = query.where(Risk.agency_id == agency_id)
    return list(db.session.scalars(query))


def measurements_in(
    objective_ids: list[int], first: date | None, last: date | None, *, missed: bool = False
) -> list[Measurement]:
    """The objectives' measurements of periods that overlap first…last (None: open), oldest
    first; with `missed`, only those that missed the target (the deviations)."""
    if not objective_ids:
        return []
    query = (
        select(Measurement)
        .join(Objective, Objective.id == Measurement.objective_id)
        .where(Measurement.objective_id.in_(objective_ids))
        .order_by(Measurement.period_start, Measurement.id)
    )
    if first is not None:
        query = query.where(Measurement.period_end >= first)
    if last is not None:
        query = query.where(Measurement.period_start <= last)
    if missed:
        query = query.where(Measurement.misses(Objective.target, Objective.direction))
    return list(db.session.scalars(query))


def objectives_per_agency(
    visible_to: Any, agency_ids: list[int], years: range
) -> dict[int, ObjectiveCounts]:
    """Per agency, its objectives of the years by their latest measurement (as `off_target`
    tells them): how many there are, how many met their target and how many missed it; counted
    in one aggregate query, whatever the number of objectives and measurements."""
    misses = Measurement.misses(Objective.target, Objective.direction)
    rows = db.session.execute(
        _with_latest_measurement(_objectives(visible_to), every=True)
        .where(Objective.agency_id.in_(agency_ids), Objective.year.in_(years))
        .with_only_columns(
            Objective.agency_id,
            func.count(Objective.id),
            func.count(case((Measurement.id.is_not(None) & ~misses, 1))),
            func.count(case((misses, 1))),
        )
        .group_by(Objective.agency_id)
    )
    return {
        agency_id: ObjectiveCounts(total, met, missed) for agency_id, total, met, missed in rows
    }


def risks_per_agency(visible_to: Any, agency_ids: list[int], today: date) -> dict[int, tuple]:
    """Per agency, (its high risks, its treatments overdue as of `today`)."""
    cells = matrix().attention_cells()
    high = (
        dict(
            db.session.execute(
                _risks(visible_to)
                .where(
                    Risk.agency_id.in_(agency_ids),
                    Risk.kind == RiskKind.RISK,
                    or_(*((Risk.likelihood == li) & (Risk.impact == im) for li, im in cells)),
                )
                .with_only_columns(Risk.agency_id, func.count(Risk.id))
                .group_by(Risk.agency_id)
            ).all()
        )
        if cells
        else {}
    )
    overdue = dict(
        db.session.execute(
            _risks(visible_to)
            .join(Treatment, Treatment.risk_id == Risk.id)
            .where(Risk.agency_id.in_(agency_ids), Treatment.is_overdue(today))
            .with_only_columns(Risk.agency_id, func.count(Treatment.id))
            .group_by(Risk.agency_id)
        ).all()
    )
    return {i: (high.get(i, 0), overdue.get(i, 0)) for i in agency_ids}
