"""The periods and thresholds of the certification programme, each named once and read wherever
it applies. Every value can be overridden from the environment as `QMS_<NAME>` (or in the
app's test config):

- `SME_FINDING_MONTHS` (2): time to fix a production-site audit finding (SPPT practice).
- `SME_SPPT_SNI_CERTIFICATE_YEARS` (4) and `SME_SNI_BINA_UMK_CERTIFICATE_YEARS` (0): a
  certificate's validity when its expiry is not entered, per scheme. 0 means not known: the
  expiry must be entered from the certificate (BSN publishes no validity for Bina UMK; 4 years
  is the figure often quoted for SPPT SNI, set by each scheme's regulation).
- `SME_CERTIFICATE_MAX_YEARS` (10): the longest validity a certificate may be recorded with.
- `SME_SPPT_SNI_SURVEILLANCE_MONTHS` (12) and `SME_SNI_BINA_UMK_SURVEILLANCE_MONTHS` (0):
  surveillance falls due this long after the certificate was issued, and again every such
  period until it expires. 0 means none is scheduled (for Bina UMK none is published); scheme
  types 1a and 1b never have surveillance.
- `SME_EXPIRY_NOTICE_DAYS` (90): a certificate expiring within this many days is listed on the
  dashboard and the home panel, flagged on its pathway and reminded; the dashboard lists the
  surveillance due within the same days.
- `SME_EXPIRY_LAST_NOTICE_DAYS` (30): the expiry is reminded once more this many days before.
- `SME_SURVEILLANCE_NOTICE_DAYS` (30): surveillance due within this many days is reminded.
- `SME_FINDING_NOTICE_DAYS` (14): an open finding due within this many days is reminded.
- `SME_LAB_RESULT_DAYS` (14): a lab's results are expected this many days after the sample
  went to the lab (the pathway entered its testing stage, or the last round failed); the
  cooperative office sees them waiting, and is told by mail once they are late.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask, current_app

from qms.core.settings import fill_config
from qms.core.timeutil import add_months

DEFAULTS = {
    "SME_FINDING_MONTHS": 2,
    "SME_SPPT_SNI_CERTIFICATE_YEARS": 4,
    "SME_SNI_BINA_UMK_CERTIFICATE_YEARS": 0,
    "SME_CERTIFICATE_MAX_YEARS": 10,
    "SME_SPPT_SNI_SURVEILLANCE_MONTHS": 12,
    "SME_SNI_BINA_UMK_SURVEILLANCE_MONTHS": 0,
    "SME_EXPIRY_NOTICE_DAYS": 90,
    "SME_EXPIRY_LAST_NOTICE_DAYS": 30,
    "SME_SURVEILLANCE_NOTICE_DAYS": 30,
    "SME_FINDING_NOTICE_DAYS": 14,
    "SME_LAB_RESULT_DAYS": 14,
}


def init_config(app: Flask) -> None:
    """Fill the settings the app's config does not set already."""
    fill_config(app, DEFAULTS)


def setting(name: str) -> int:
    return int(current_app.config[name])


def finding_deadline(raised_on: date) -> date:
    return add_months(raised_on, setting("SME_FINDING_MONTHS"))


def certificate_years(scheme: str) -> int:
    """The validity of the scheme's certificates in years; 0: not known, to be entered."""
    return setting(f"SME_{scheme.upper()}_CERTIFICATE_YEARS")


def surveillance_months(scheme: str) -> int:
    """The scheme's surveillance period in months; 0: none scheduled."""
    return setting(f"SME_{scheme.upper()}_SURVEILLANCE_MONTHS")


def default_expiry(scheme: str, issued_on: date) -> date | None:
    """The expiry of a certificate of `scheme` issued on that day, when the scheme's validity
    is known (None: it must be entered)."""
    years = certificate_years(scheme)
    return add_months(issued_on, 12 * years) if years else None


def surveillance_dates(scheme: str, issued_on: date, expires_on: date) -> list[date]:
    """When surveillance falls due during a certificate's validity."""
    step = surveillance_months(scheme)
    if not step:
        return []
    dates, due = [], add_months(issued_on, step)
    while due < expires_on:
        dates.append(due)
        due = add_months(due, step)
    return dates


def expiry_notice_horizon(today: date) -> date:
    """The last expiry day that counts as "expiring soon" today."""
    return today + timedelta(days=setting("SME_EXPIRY_NOTICE_DAYS"))
