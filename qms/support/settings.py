"""Settings of the support registers, with documented defaults. Each can be overridden from the
environment as `QMS_<NAME>` (or in the app's own config):

- `QMS_CALIBRATION_REMIND_DAYS` (`30,7`): an instrument's quality officers are reminded this
  many days before its calibration is due, and once it is overdue; an instrument counts as
  "due" from the first of them.
- `QMS_CERTIFICATE_REMIND_DAYS` (`60`): a member of staff's certificate is reminded this many
  days before it expires.
- `QMS_PROVIDER_REMIND_DAYS` (`14`): a provider's evaluation is reminded this many days before
  it is due, and once overdue.
- `QMS_AUDITOR_LEAD_NEEDS_TRAINING` (`1`), `QMS_AUDITOR_LEAD_MIN_AUDITS` (`2`),
  `QMS_AUDITOR_MEMBER_NEEDS_TRAINING` (`1`), `QMS_AUDITOR_MEMBER_MIN_AUDITS` (`0`): who may
  lead an audit and who may join a team (ISO 19011 §7): an auditor training on record and this
  many audits as a team member (before qms, as recorded on the qualification, and in qms: the
  reported or closed audits they were on, not counting one whose lead rated them below
  `QMS_AUDITOR_MIN_SCORE`, `3` of 5).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from qms.core.settings import fill_config

DEFAULTS: dict[str, Any] = {
    "CALIBRATION_REMIND_DAYS": (30, 7),
    "CERTIFICATE_REMIND_DAYS": 60,
    "PROVIDER_REMIND_DAYS": 14,
    "AUDITOR_LEAD_NEEDS_TRAINING": 1,
    "AUDITOR_LEAD_MIN_AUDITS": 2,
    "AUDITOR_MEMBER_NEEDS_TRAINING": 1,
    "AUDITOR_MEMBER_MIN_AUDITS": 0,
    "AUDITOR_MIN_SCORE": 3,
}


def init_config(app: Flask) -> None:
    fill_config(app, DEFAULTS)
    if not app.config["CALIBRATION_REMIND_DAYS"]:
        raise RuntimeError("QMS_CALIBRATION_REMIND_DAYS needs at least one number of days.")


def setting(name: str) -> Any:
    return current_app.config[name]


def due_notice_days() -> int:
    """From how many days ahead an instrument counts as due."""
    return max(setting("CALIBRATION_REMIND_DAYS"))
