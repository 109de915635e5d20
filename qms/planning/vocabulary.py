"""The fixed values of context, objectives and risks, with their labels (stored as the members'
values; read by the models' columns, the forms, the history tables and the API)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.labels import LabelledEnum


class Side(LabelledEnum):
    """Whether a context issue or an interested party is inside the agency or outside it."""

    INTERNAL = "internal", _l("Internal")
    EXTERNAL = "external", _l("External")


class MeasureUnit(LabelledEnum):
    PERCENT = "percent", _l("Percent (%)")
    INDEX = "index", _l("Index (0–100)")
    DAYS = "days", _l("Days")
    HOURS = "hours", _l("Hours")
    COUNT = "count", _l("Count")


@dataclass(frozen=True)
class Bounds:
    """The values a unit can take: a target or a measurement outside them is of another unit."""

    lowest: Decimal
    highest: Decimal | None
    whole: bool = False

    def admits(self, value: Decimal) -> bool:
        if value < self.lowest or (self.highest is not None and value > self.highest):
            return False
        return not self.whole or value == value.to_integral_value()


@dataclass(frozen=True)
class UnitSpec:
    #: how a value reads after its number
    suffix: Any
    bounds: Bounds


#: the largest value any measurement column holds (Numeric(12, 2))
LARGEST_VALUE = Decimal("9999999999.99")
UNIT_SPECS = {
    MeasureUnit.PERCENT: UnitSpec("%", Bounds(Decimal(0), Decimal(100))),
    MeasureUnit.INDEX: UnitSpec("", Bounds(Decimal(0), Decimal(100))),
    MeasureUnit.DAYS: UnitSpec(_l("days"), Bounds(Decimal(0), Decimal(3660))),
    MeasureUnit.HOURS: UnitSpec(_l("hours"), Bounds(Decimal(0), Decimal(87840))),
    MeasureUnit.COUNT: UnitSpec("", Bounds(Decimal(0), LARGEST_VALUE, whole=True)),
}


class Direction(LabelledEnum):
    AT_LEAST = "at_least", _l("At least")
    AT_MOST = "at_most", _l("At most")


class Frequency(LabelledEnum):
    MONTHLY = "monthly", _l("Monthly")
    QUARTERLY = "quarterly", _l("Quarterly")
    SEMESTER = "semester", _l("Per semester")
    YEARLY = "yearly", _l("Yearly")


class MeasurementSource(LabelledEnum):
    ENTERED = "entered", _l("Entered")
    AUTOMATIC = "automatic", _l("Computed by the app")


class RiskKind(LabelledEnum):
    RISK = "risk", _l("Risk")
    OPPORTUNITY = "opportunity", _l("Opportunity")


class TreatmentStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    DONE = "done", _l("Done")
    CANCELLED = "cancelled", _l("Cancelled")


#: a treatment still to be carried out (what a due date is about)
OPEN_TREATMENT_STATUSES = frozenset({TreatmentStatus.PLANNED, TreatmentStatus.IN_PROGRESS})

#: the 1–5 scales of likelihood and impact (a 6 is refused)
SCALE = range(1, 6)
