"""The monitoring rule of quality objectives (ISO 9001 9.1.3, 10.2): an objective whose
measurements miss the target in OBJECTIVE_MISSES_BEFORE_NC consecutive periods raises a
nonconformity with the source "quality objective deviation", by the rule machinery of the
corrective actions (qms.capa.interface.raise_for_rule, as complaints escalate): one open
nonconformity per objective. The missed measurements are linked to it; a run whose misses are
all linked raises nothing again, and a miss that lengthens a run after its nonconformity was
closed raises a new one. The rule runs after every measurement recorded and daily
(`flask qms measure-objectives`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from qms.accounts.models import User
from qms.capa.interface import NcSource, Nonconformity, raise_for_rule
from qms.extensions import db
from qms.planning.models import Measurement, Objective
from qms.planning.settings import setting
from qms.planning.vocabulary import Direction


def missed_runs(measurements: list[Measurement]) -> list[list[Measurement]]:
    """The runs of consecutive periods whose measurement missed the target (a period without
    a measurement ends a run), in period order."""
    runs: list[list[Measurement]] = []
    current: list[Measurement] = []
    for measurement in sorted(measurements, key=lambda m: m.period_start):
        follows = bool(current) and (
            measurement.period_start == current[-1].period_end + timedelta(days=1)
        )
        if current and not (follows and not measurement.is_met):
            runs.append(current)
            current = []
        if not measurement.is_met:
            current.append(measurement)
    if current:
        runs.append(current)
    return runs


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _target(objective: Objective) -> str:
    sign = "≥" if objective.direction == Direction.AT_LEAST else "≤"
    return f"{sign} {_number(objective.target)} ({objective.unit.value})"


def apply_rule(
    objective: Objective, today: date, actor: User | None = None
) -> Nonconformity | None:
    """Link each long enough run of misses to the objective's open nonconformity, raising one
    if none is open; returns the nonconformity this call raised, if any. The texts are the
    agency's record, in Indonesian like its other records."""
    needed = setting("OBJECTIVE_MISSES_BEFORE_NC")
    raised = None
    for run in missed_runs(objective.measurements):
        if len(run) < needed or all(m.nonconformity_id is not None for m in run):
            continue
        listed = "; ".join(f"{m.period}: {_number(m.value)}" for m in run)
        nc, created = raise_for_rule(
            f"quality-objective:{objective.id}",
            agency=objective.agency,
            source=NcSource.QUALITY_OBJECTIVE_DEVIATION,
            clause="6.2",
            criterion=f"Sasaran mutu {objective.year}: {objective.indicator} {_target(objective)}",
            statement=(
                f"Sasaran mutu “{objective.indicator}” tahun {objective.year} tidak tercapai "
                f"dalam {len(run)} periode berturut-turut ({run[0].period} s.d. "
                f"{run[-1].period})."
            ),
            evidence=f"Hasil pengukuran (target {_target(objective)}): {listed}.",
            today=today,
            actor=actor,
            source_reference=f"{objective.year} {objective.indicator}",
            process=objective.process,
        )
        for measurement in run:
            if measurement.nonconformity_id is None:
                measurement.nonconformity_id = nc.id
        raised = nc if created else raised
    db.session.flush()
    return raised
