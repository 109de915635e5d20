"""Settings of document control, with documented defaults. Each can be overridden from the
environment (or the app's own config):

- `QMS_DOCUMENT_CODE_PATTERN` (`{type}-{agency}-{seq:03d}`): how a new document is numbered:
  `{type}` the type's prefix (SOP, IK, FRM…), `{agency}` the agency's code, `{seq}` the next
  number of the agency and type; checked at start-up (see numbering.py).
- `QMS_DOCUMENT_REVIEW_NOTICE_DAYS` (30): an effective document's periodic review counts as due
  this many days before its date (master list, home and agency panels, reminders, reports).
- `QMS_DOCUMENT_REVIEW_PERIOD_MONTHS` (12): the review period a new document starts with.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from qms.core.settings import fill_config

DEFAULT_CODE_PATTERN = "{type}-{agency}-{seq:03d}"

_DEFAULTS = {
    "DOCUMENT_CODE_PATTERN": DEFAULT_CODE_PATTERN,
    "DOCUMENT_REVIEW_NOTICE_DAYS": 30,
    "DOCUMENT_REVIEW_PERIOD_MONTHS": 12,
}

#: the longest review period a document may have (the form and the operations refuse more)
MAX_REVIEW_PERIOD_MONTHS = 60
#: the longest retention period of records the form accepts
MAX_RETENTION_YEARS = 100


def init_config(app: Flask) -> None:
    """Fill the document settings the app's config does not set already."""
    fill_config(app, _DEFAULTS)


def setting(name: str) -> Any:
    return current_app.config[name]


def review_notice_days() -> int:
    return int(setting("DOCUMENT_REVIEW_NOTICE_DAYS"))


def default_review_period() -> int:
    return int(setting("DOCUMENT_REVIEW_PERIOD_MONTHS"))
