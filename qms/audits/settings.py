"""Configuration of internal audits, with documented defaults. Each value can be overridden
from the environment (or the app's test config):

- `QMS_AUDIT_GRADES_FILE` (none): a YAML grade scale replacing the default one (format in
  grades.py); the grades also give the follow-up deadlines (30 days for major, 60 for minor).
- `QMS_AUDIT_REMINDER_DAYS` (`14,7`): the audit team is reminded this many days before a
  planned audit starts.
- `QMS_AUDIT_COMPLIANCE_GOOD` (`0.9`) and `QMS_AUDIT_COMPLIANCE_FAIR` (`0.7`): a compliance
  figure from the first is shown as good (green), from the second as fair (amber), below it as
  poor (red).
- `QMS_AUDIT_CYCLE_YEARS` (3): the years within which the audit programme covers every clause
  of the standard at every agency (ISO 19011 5.4; a certificate's cycle).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from qms.core.settings import fill_config

_DEFAULTS: dict[str, Any] = {
    "AUDIT_GRADES_FILE": None,
    "AUDIT_REMINDER_DAYS": (14, 7),
    "AUDIT_COMPLIANCE_GOOD": 0.9,
    "AUDIT_COMPLIANCE_FAIR": 0.7,
    "AUDIT_CYCLE_YEARS": 3,
}


def init_config(app: Flask) -> None:
    """Fill the audit settings the app's config does not set already."""
    fill_config(app, _DEFAULTS)


def setting(name: str) -> Any:
    return current_app.config[name]


def compliance_tone(value: float | None) -> str:
    """How a compliance figure is shown: "good", "fair", "poor", or "none" without a figure."""
    if value is None:
        return "none"
    if value >= setting("AUDIT_COMPLIANCE_GOOD"):
        return "good"
    return "fair" if value >= setting("AUDIT_COMPLIANCE_FAIR") else "poor"
