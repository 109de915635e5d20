"""The periods an objective is measured in: its year cut by its frequency. A period is named by
a key that says both (API and forms): `2025-03` a month, `2025-Q1` a quarter, `2025-S1` a
semester, `2025` the year."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from qms.planning.vocabulary import Frequency

#: a period key, whatever its frequency (the forms' and the API's pattern)
PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$"
_MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMESTER: 6,
    Frequency.YEARLY: 12,
}


@dataclass(frozen=True)
class Period:
    key: str
    frequency: Frequency
    start: date
    end: date

    @property
    def label(self) -> str:
        """As a person reads it: "Maret 2025", "Q1 2025", "Semester I 2025", "2025"."""
        if self.frequency == Frequency.MONTHLY:
            return format_date(self.start, "MMM yyyy")
        if self.frequency == Frequency.QUARTERLY:
            return f"Q{(self.start.month + 2) // 3} {self.start.year}"
        if self.frequency == Frequency.SEMESTER:
            number = "I" if self.start.month == 1 else "II"
            return str(_l("Semester %(number)s %(year)s", number=number, year=self.start.year))
        return str(self.start.year)


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _key(frequency: Frequency, year: int, index: int) -> str:
    if frequency == Frequency.MONTHLY:
        return f"{year}-{index:02d}"
    if frequency == Frequency.QUARTERLY:
        return f"{year}-Q{index}"
    if frequency == Frequency.SEMESTER:
        return f"{year}-S{index}"
    return str(year)


def periods_of(year: int, frequency: Frequency) -> list[Period]:
    """The year's periods in order."""
    months = _MONTHS_PER_PERIOD[frequency]
    return [
        Period(
            _key(frequency, year, index),
            frequency,
            date(year, (index - 1) * months + 1, 1),
            _month_end(year, index * months),
        )
        for index in range(1, 12 // months + 1)
    ]


def frequency_of(key: str) -> Frequency | None:
    """The frequency a key is written in, or None for no key at all."""
    if not re.match(PERIOD_PATTERN, key or ""):
        return None
    if len(key) == 4:
        return Frequency.YEARLY
    return {"Q": Frequency.QUARTERLY, "S": Frequency.SEMESTER}.get(key[5], Frequency.MONTHLY)


def parse(key: str) -> Period | None:
    """The period a key names, or None."""
    frequency = frequency_of(key)
    if frequency is None:
        return None
    return next(p for p in periods_of(int(key[:4]), frequency) if p.key == key)


def elapsed(year: int, frequency: Frequency, today: date) -> list[Period]:
    """The year's periods that have ended by `today` (the ones that can be measured)."""
    return [p for p in periods_of(year, frequency) if p.end < today]
