"""Quality objectives and their measurements (ISO 9001 6.2, 9.1.1): setting an objective with
its indicator and plan, recording a period's value (typed by the responsible person, or computed
from a figure another feature registered: qms.core.registry.indicator_sources), and, after
each, the deviation rule (deviations.py). Each operation checks the actor's permission and the
values' rules, refusing with a DomainError that names the field, and flushes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access, archiving
from qms.core.archiving import refuse_archived
from qms.core.errors import DomainError, required_text
from qms.core.registry import indicator_sources
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.planning import deviations, periods
from qms.planning.models import Measurement, Objective
from qms.planning.operations import apply
from qms.planning.vocabulary import (
    UNIT_SPECS,
    Direction,
    Frequency,
    MeasurementSource,
    MeasureUnit,
)

#: the years an objective can be set for
YEARS = range(2000, 2101)

OBJECTIVE_FIELDS = (
    "year",
    "title",
    "policy_link",
    "process",
    "indicator",
    "unit",
    "target",
    "direction",
    "frequency",
    "data_source",
    "automatic_source",
    "responsible",
    "starts_on",
    "plan_actions",
    "plan_resources",
    "plan_owner",
    "plan_due_on",
    "plan_evaluation",
)


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Enter a number."), field=field) from None
    if not number.is_finite():
        raise DomainError(_l("Enter a number."), field=field)
    return number


def in_unit(unit: MeasureUnit, value: Any, field: str) -> Decimal:
    """The value as a number of the unit, or a refusal naming the field ("a target of the
    wrong unit": 150 is no percentage)."""
    number = _decimal(value, field)
    bounds = UNIT_SPECS[unit].bounds
    if not bounds.admits(number):
        highest = "∞" if bounds.highest is None else f"{bounds.highest.normalize():f}"
        message = _(
            "A value in %(unit)s lies between %(lowest)s and %(highest)s%(whole)s.",
            unit=str(unit.label).lower(),
            lowest=f"{bounds.lowest.normalize():f}",
            highest=highest,
            whole=_(", in whole numbers") if bounds.whole else "",
        )
        raise DomainError(message, field=field)
    return number.quantize(Decimal("0.01"))


def _check_objective(objective: Objective) -> None:
    if objective.year not in YEARS:
        raise DomainError(_l("Enter a year from 2000 to 2100."), field="year")
    objective.unit = MeasureUnit(objective.unit)
    objective.direction = Direction(objective.direction)
    objective.frequency = Frequency(objective.frequency)
    required_text({"title": objective.title}, "title", _l("State the quality objective."))
    required_text({"indicator": objective.indicator}, "indicator", _l("Name the indicator."))
    required_text(
        {"responsible": objective.responsible},
        "responsible",
        _l("Name who is responsible for the measurements."),
    )
    objective.target = in_unit(objective.unit, objective.target, "target")
    source = objective.automatic_source or None
    objective.automatic_source = source
    if source is not None:
        indicator = indicator_sources.get(source)
        if indicator is None:
            raise DomainError(_l("Choose one of the figures offered."), field="automatic_source")
        if indicator.unit != objective.unit.value:
            raise DomainError(
                _(
                    "“%(figure)s” is measured in %(unit)s: state the objective in that unit.",
                    figure=indicator.label,
                    unit=str(MeasureUnit(indicator.unit).label).lower(),
                ),
                field="unit",
            )
    if objective.starts_on.year != objective.year:
        raise DomainError(
            _l("The objective is measured from a day of its own year."), field="starts_on"
        )
    if objective.plan_due_on is not None and objective.plan_due_on < objective.starts_on:
        raise DomainError(
            _l("The plan is completed after the objective starts."), field="plan_due_on"
        )


def create_objective(actor: User, agency: Agency, values: dict[str, Any]) -> Objective:
    objective = Objective(agency_id=agency.id, agency=agency)
    access.authorize(actor, access.CREATE, objective)
    apply(objective, values, OBJECTIVE_FIELDS)
    if objective.starts_on is None and objective.year in YEARS:
        objective.starts_on = date(objective.year, 1, 1)
    _check_objective(objective)
    db.session.add(objective)
    db.session.flush()
    return objective


def update_objective(actor: User, objective: Objective, values: dict[str, Any]) -> Objective:
    """Change an objective. Its year and frequency are fixed once it has measurements (the
    periods they were taken in belong to them)."""
    archiving.authorize_change(actor, objective)
    if objective.measurements:
        for name in ("year", "frequency"):
            if name in values and str(values[name]) != str(getattr(objective, name)):
                raise DomainError(_l("Fixed once the objective has measurements."), field=name)
    apply(objective, values, OBJECTIVE_FIELDS)
    _check_objective(objective)
    db.session.flush()
    return objective


def period_for(objective: Objective, key: str, today: date) -> periods.Period:
    """The objective's period a key names, or a refusal naming the period field: of the
    objective's frequency, in its year, not before it is measured from, already begun."""
    period = periods.parse((key or "").strip())
    frequency = periods.frequency_of((key or "").strip())
    if period is None or frequency != objective.frequency:
        example = periods.periods_of(objective.year, objective.frequency)[0].key
        raise DomainError(
            _(
                "This objective is measured %(frequency)s: name the period like %(example)s.",
                frequency=str(Frequency(objective.frequency).label).lower(),
                example=example,
            ),
            field="period",
        )
    if period.start.year != objective.year:
        raise DomainError(
            _("The period lies outside the objective's year %(year)s.", year=objective.year),
            field="period",
        )
    if period.end < objective.starts_on:
        raise DomainError(
            _l("The period ends before the objective is measured from."), field="period"
        )
    if period.start > today:
        raise DomainError(_l("The period has not begun yet."), field="period")
    return period


def _measurement(objective: Objective, period: periods.Period) -> Measurement:
    found = db.session.scalar(
        select(Measurement).where(
            Measurement.objective_id == objective.id, Measurement.period == period.key
        )
    )
    if found is None:
        found = Measurement(
            objective_id=objective.id,
            objective=objective,
            period=period.key,
            period_start=period.start,
            period_end=period.end,
        )
        db.session.add(found)
    return found


def record_measurement(
    actor: User | None,
    objective: Objective,
    values: dict[str, Any],
    *,
    today: date | None = None,
    source: MeasurementSource = MeasurementSource.ENTERED,
) -> Measurement:
    """The value of one period (a second value for the same period replaces the first; the
    history keeps both). The deviation rule then runs for the objective."""
    today = today or local_today()
    if source == MeasurementSource.ENTERED:
        access.authorize(actor, access.EDIT, objective)
        if objective.is_automatic:
            raise DomainError(_l("This objective's values are computed by the app."), field="value")
    refuse_archived(objective)
    period = period_for(objective, values.get("period") or "", today)
    if values.get("value") in (None, ""):
        raise DomainError(_l("Enter the measured value."), field="value")
    value = in_unit(objective.unit, values["value"], "value")
    measurement = _measurement(objective, period)
    measurement.value = value
    measurement.source = source
    measurement.note = (values.get("note") or "").strip()
    measurement.recorded_by_id = actor.id if actor else None
    db.session.flush()
    deviations.apply_rule(objective, today, actor)
    return measurement


def measure_automatically(objective: Objective, today: date | None = None) -> list[Measurement]:
    """Compute the elapsed periods of an objective measured by a registered figure (a period
    whose figure has nothing to count is left empty)."""
    today = today or local_today()
    source = indicator_sources.get(objective.automatic_source or "")
    if source is None or objective.is_archived:
        return []
    recorded = []
    for period in periods.elapsed(objective.year, objective.frequency, today):
        if period.end < objective.starts_on:
            continue
        figure = source.compute(objective.agency_id, period.start, period.end)
        if figure is None:
            continue
        recorded.append(
            record_measurement(
                None,
                objective,
                {"period": period.key, "value": figure},
                today=today,
                source=MeasurementSource.AUTOMATIC,
            )
        )
    return recorded
