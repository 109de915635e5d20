"""Working days (hari kerja), the one calendar every public-service time limit is counted in.

SP4N-LAPOR's limits (3 days to forward a complaint, 5 to follow it up) are working days:
Saturdays, Sundays, Indonesia's national holidays and its collective leave days (cuti bersama)
do not count, nor the days off a city declares for itself. The national days come from the
`holidays` package: its Indonesian calendar has the public holidays and, in its "government"
category, the cuti bersama of each joint ministerial decree (SKB) it knows of (2015–2027 in
version 0.108; later years appear with later versions, and until then a city admin can enter
them as the city's own days off). The city's days off are the organisations layer's data: it
registers a query here (`set_local_days_off_source`), so that core imports no feature."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

import holidays

#: (city_id, first, last) -> {day: name} of the city's own days off in that range
LocalDaysOff = Callable[[int, date, date], dict[date, str]]

_local_source: LocalDaysOff | None = None
#: told the city's id whenever its days off change (figures stored from the calendar recount)
_listeners: list[Callable[[int], None]] = []


def set_local_days_off_source(source: LocalDaysOff) -> None:
    global _local_source
    _local_source = source


def add_calendar_listener(listener: Callable[[int], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def calendar_changed(city_id: int) -> None:
    """A city's days off changed: let the features that store working-day figures recount."""
    for listener in _listeners:
        listener(city_id)


@lru_cache(maxsize=64)
def national_days_off(year: int) -> dict[date, str]:
    """Indonesia's public holidays and cuti bersama of the year, with their Indonesian names."""
    calendar = holidays.country_holidays(
        "ID", years=year, categories=("public", "government"), language="id"
    )
    return dict(sorted(calendar.items()))


class Calendar:
    """The working days of one city (or of the nation, with no city). The city's days off are
    read a year at a time, once per calendar object: make one per request or job."""

    def __init__(self, city_id: int | None = None) -> None:
        self.city_id = city_id
        self._local: dict[int, dict[date, str]] = {}

    def _local_days(self, year: int) -> dict[date, str]:
        if year not in self._local:
            found: dict[date, str] = {}
            if self.city_id is not None and _local_source is not None:
                found = _local_source(self.city_id, date(year, 1, 1), date(year, 12, 31))
            self._local[year] = found
        return self._local[year]

    def day_off(self, day: date) -> str | None:
        """Why the day is not a working day (a weekend, a holiday's name), or None."""
        if day.weekday() >= 5:
            return "weekend"
        return national_days_off(day.year).get(day) or self._local_days(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return self.day_off(day) is None

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end is not after
        start): a complaint received on Friday and answered on Monday took one working day."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def add_working_days(self, start: date, days: int) -> date:
        """The day on which `days` working days after `start` have passed: the last day of a
        limit of that many working days."""
        day = start
        while days > 0:
            day += timedelta(days=1)
            days -= self.is_working_day(day)
        return day
