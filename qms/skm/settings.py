"""Settings of the satisfaction survey, with documented defaults. Each can be overridden from
the environment (or the app's own config):

- `QMS_SKM_FORM_LIMIT` (`60 per hour; 10 per minute`): answers the public form takes from one
  client address (a kiosk at the counter sends many; a flood is cut off with a 429).
- `QMS_SKM_REMIND_BEFORE_DAYS` (7): the agency is reminded of a follow-up action this many days
  before it is due, and again once it is overdue.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app


def init_config(app: Flask) -> None:
    app.config.setdefault(
        "SKM_FORM_LIMIT", os.environ.get("QMS_SKM_FORM_LIMIT", "60 per hour; 10 per minute")
    )
    app.config.setdefault(
        "SKM_REMIND_BEFORE_DAYS", int(os.environ.get("QMS_SKM_REMIND_BEFORE_DAYS", "7"))
    )


def setting(name: str) -> Any:
    return current_app.config[name]
