"""Time: stored as naive UTC (what both SQLite and PostgreSQL columns hold), shown and entered in
the offices' time zone (BABEL_DEFAULT_TIMEZONE, WITA for Kota Kupang)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Naive UTC timestamp."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    if has_app_context():
        return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return ZoneInfo("UTC")


def today() -> date:
    """The offices' date: until 08:00 in Kupang the UTC date is still yesterday's, and a form
    dated today must not be refused as "in the future"."""
    return datetime.now(local_zone()).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier, when negative), the month's last day when it
    has fewer days (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def from_local(moment: datetime) -> datetime:
    """A naive local time, as a person enters it, as the naive UTC timestamp stored."""
    return moment.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """A stored naive UTC timestamp as the naive local time a person reads and edits."""
    return moment.replace(tzinfo=UTC).astimezone(local_zone()).replace(tzinfo=None)
