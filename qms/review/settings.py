"""Settings of the management review, with documented defaults; each can be overridden from
the environment as `QMS_<NAME>` (or in the app's own config):

- `QMS_REVIEW_INTERVAL_MONTHS` (12): a review held more than this many months after the
  agency's previous one is flagged; readiness asks for one held within it.
- `QMS_REVIEW_REMIND_BEFORE_DAYS` (7): the agency is reminded of a review's action this many
  days before it is due, and again once it is overdue.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from qms.core.settings import fill_config

DEFAULTS = {"REVIEW_INTERVAL_MONTHS": 12, "REVIEW_REMIND_BEFORE_DAYS": 7}


def init_config(app: Flask) -> None:
    fill_config(app, DEFAULTS)


def setting(name: str) -> Any:
    return current_app.config[name]
