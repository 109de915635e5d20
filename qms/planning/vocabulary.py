"""The fixed values of context, objectives and risks, with their labels (stored as the members'
values; read by the models' columns, the forms, the history tables and the API)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l


class Side(enum.StrEnum):
    """Whether a context issue or an interested party is inside the agency or outside it."""

    INTERNAL = "internal"
    EXTERNAL = "external"


SIDE_LABELS = {Side.INTERNAL: _l("Internal"), Side.EXTERNAL: _l("External")}


class MeasureUnit(enum.StrEnum):
    PERCENT = "percent"
    INDEX = "index"
    DAYS = "days"
    HOURS = "hours"
    COUNT = "count"


MEASURE_UNIT_LABELS = {
    MeasureUnit.PERCENT: _l("Percent (%)"),
    MeasureUnit.INDEX: _l("Index (0–100)"),
    MeasureUnit.DAYS: _l("Days"),
    MeasureUnit.HOURS: _l("Hours"),
    MeasureUnit.COUNT: _l("Count"),
}
#: how a value reads after its number
UNIT_SUFFIX = {
    MeasureUnit.PERCENT: "%",
    MeasureUnit.INDEX: "",
    MeasureUnit.DAYS: _l("days"),
    MeasureUnit.HOURS: _l("hours"),
    MeasureUnit.COUNT: "",
}


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


#: the largest value any measurement column holds (Numeric(12, 2))
LARGEST_VALUE = Decimal("9999999999.99")
UNIT_BOUNDS = {
    MeasureUnit.PERCENT: Bounds(Decimal(0), Decimal(100)),
    MeasureUnit.INDEX: Bounds(Decimal(0), Decimal(100)),
    MeasureUnit.DAYS: Bounds(Decimal(0), Decimal(3660)),
    MeasureUnit.HOURS: Bounds(Decimal(0), Decimal(87840)),
    MeasureUnit.COUNT: Bounds(Decimal(0), LARGEST_VALUE, whole=True),
}


class Direction(enum.StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


DIRECTION_LABELS = {Direction.AT_LEAST: _l("At least"), Direction.AT_MOST: _l("At most")}


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMESTER = "semester"
    YEARLY = "yearly"


FREQUENCY_LABELS = {
    Frequency.MONTHLY: _l("Monthly"),
    Frequency.QUARTERLY: _l("Quarterly"),
    Frequency.SEMESTER: _l("Per semester"),
    Frequency.YEARLY: _l("Yearly"),
}


class MeasurementSource(enum.StrEnum):
    ENTERED = "entered"
    AUTOMATIC = "automatic"


MEASUREMENT_SOURCE_LABELS = {
    MeasurementSource.ENTERED: _l("Entered"),
    MeasurementSource.AUTOMATIC: _l("Computed by the app"),
}


class RiskKind(enum.StrEnum):
    RISK = "risk"
    OPPORTUNITY = "opportunity"


RISK_KIND_LABELS = {RiskKind.RISK: _l("Risk"), RiskKind.OPPORTUNITY: _l("Opportunity")}


class TreatmentStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


TREATMENT_STATUS_LABELS = {
    TreatmentStatus.PLANNED: _l("Planned"),
    TreatmentStatus.IN_PROGRESS: _l("In progress"),
    TreatmentStatus.DONE: _l("Done"),
    TreatmentStatus.CANCELLED: _l("Cancelled"),
}
#: a treatment still to be carried out (what a due date is about)
OPEN_TREATMENT_STATUSES = frozenset({TreatmentStatus.PLANNED, TreatmentStatus.IN_PROGRESS})

#: the 1–5 scales of likelihood and impact (a 6 is refused)
SCALE = range(1, 6)
