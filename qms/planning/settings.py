"""Settings of context, objectives and risks, with documented defaults. Each can be overridden
from the environment (or the app's own config):

- `QMS_OBJECTIVE_MISSES_BEFORE_NC` (3): a measured quality objective that misses its target in
  this many consecutive periods raises a nonconformity (one open per objective).
- `QMS_RISK_MATRIX_FILE` (unset: the default 5 × 5 matrix of matrix.py): the YAML risk matrix.
- `QMS_RISK_REVIEW_NOTICE_DAYS` (30): a risk's review counts as due this many days before its
  date (reminders, home panel).
- `QMS_TREATMENT_REMIND_BEFORE_DAYS` (7): the agency is reminded of a risk treatment this many
  days before it is due, and again once it is overdue.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app

_INTEGERS = {
    "OBJECTIVE_MISSES_BEFORE_NC": 3,
    "RISK_REVIEW_NOTICE_DAYS": 30,
    "TREATMENT_REMIND_BEFORE_DAYS": 7,
}


def init_config(app: Flask) -> None:
    """Fill the settings the app's config does not set already."""
    for name, default in _INTEGERS.items():
        app.config.setdefault(name, int(os.environ.get(f"QMS_{name}", default)))
    app.config.setdefault("RISK_MATRIX_FILE", os.environ.get("QMS_RISK_MATRIX_FILE"))
    if app.config["OBJECTIVE_MISSES_BEFORE_NC"] < 1:
        raise RuntimeError("QMS_OBJECTIVE_MISSES_BEFORE_NC must be at least 1.")


def setting(name: str) -> Any:
    return current_app.config[name]
