"""The periods and thresholds of the certification programme, each named once and read wherever
it applies. Every value can be overridden from the environment as `QMS_<NAME>` (or in the
app's test config):

- `SME_FINDING_MONTHS` (2): time to fix a production-site audit finding (SPPT practice).
- `SME_CERTIFICATE_YEARS` (4): a certificate's validity when its expiry is not given; the true
  one is per scheme.
- `SME_CERTIFICATE_MAX_YEARS` (10): the longest validity a certificate may be recorded with.
- `SME_SURVEILLANCE_MONTHS` (12): surveillance falls due this long after the certificate was
  issued, and again every such period until it expires.
- `SME_EXPIRY_NOTICE_DAYS` (90): a certificate expiring within this many days is listed on the
  dashboard and the home panel, flagged on its pathway and reminded; the dashboard lists the
  surveillance due within the same days.
- `SME_EXPIRY_LAST_NOTICE_DAYS` (30): the expiry is reminded once more this many days before.
- `SME_SURVEILLANCE_NOTICE_DAYS` (30): surveillance due within this many days is reminded.
- `SME_FINDING_NOTICE_DAYS` (14): an open finding due within this many days is reminded.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from flask import Flask, current_app

from qms.core.settings import fill_config

DEFAULTS = {
    "SME_FINDING_MONTHS": 2,
    "SME_CERTIFICATE_YEARS": 4,
    "SME_CERTIFICATE_MAX_YEARS": 10,
    "SME_SURVEILLANCE_MONTHS": 12,
    "SME_EXPIRY_NOTICE_DAYS": 90,
    "SME_EXPIRY_LAST_NOTICE_DAYS": 30,
    "SME_SURVEILLANCE_NOTICE_DAYS": 30,
    "SME_FINDING_NOTICE_DAYS": 14,
}


def init_config(app: Flask) -> None:
    """Fill the settings the app's config does not set already."""
    fill_config(app, DEFAULTS)


def setting(name: str) -> int:
    return int(current_app.config[name])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def finding_deadline(raised_on: date) -> date:
    return add_months(raised_on, setting("SME_FINDING_MONTHS"))


def default_expiry(issued_on: date) -> date:
    return add_months(issued_on, 12 * setting("SME_CERTIFICATE_YEARS"))


def surveillance_dates(issued_on: date, expires_on: date) -> list[date]:
    """When surveillance falls due during a certificate's validity."""
    step = setting("SME_SURVEILLANCE_MONTHS")
    dates, due = [], add_months(issued_on, step)
    while due < expires_on:
        dates.append(due)
        due = add_months(due, step)
    return dates


def expiry_notice_horizon(today: date) -> date:
    """The last expiry day that counts as "expiring soon" today."""
    return today + timedelta(days=setting("SME_EXPIRY_NOTICE_DAYS"))
