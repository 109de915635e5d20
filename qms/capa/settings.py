"""Configuration of corrective actions and complaint escalation, with documented defaults.

Every value can be overridden from the environment (or the app's test config):

- `QMS_CAPA_DEADLINES` (default `DEFAULT_DEADLINES` below): JSON {source: {grade: days}}, the
  days from raising a nonconformity to its due date; merged over the defaults.
- `QMS_CAPA_REMIND_BEFORE_DAYS` (7): the agency is reminded this many days before the due date,
  and again once it is overdue.
- `QMS_CAPA_ESCALATE_AFTER_DAYS` (14): still overdue this many days after the due date, the
  item goes to the city admins.
- `QMS_COMPLAINT_RESPONSE_DAYS` (5): SP4N-LAPOR practice, the agency answers within 5 working
  days (qms/core/workdays.py: no weekends, national holidays, cuti bersama or the city's own
  days off); a complaint answered later (or not at all) escalates.
- `QMS_COMPLAINT_SIMILAR_COUNT` (3) and `QMS_COMPLAINT_SIMILAR_WINDOW_DAYS` (30): this many
  complaints for one agency and category within this many days escalate as a systemic problem.
"""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask, current_app

from qms.core.settings import fill_config

#: days from raising to the due date, by source and grade (DOMAIN.md §3, §5 and §8):
#: internal audits set their own deadlines (major 30, minor 60); certification bodies give about
#: 90 days; a nonconformity raised from complaints (late answers, similar complaints piling up)
#: is a corrective action like the others: SP4N-LAPOR's 5 working days are the limit for
#: answering the citizen, not for removing a cause.
DEFAULT_DEADLINES: dict[str, dict[str, int]] = {
    "internal_audit": {"major": 30, "minor": 60},
    "external_audit": {"major": 90, "minor": 90},
    "complaint": {"major": 30, "minor": 60},
    "objective_deviation": {"major": 30, "minor": 60},
    "quality_objective_deviation": {"major": 30, "minor": 60},
    "management_review": {"major": 30, "minor": 60},
    "staff_report": {"major": 30, "minor": 60},
}

_INTEGERS = {
    "CAPA_REMIND_BEFORE_DAYS": 7,
    "CAPA_ESCALATE_AFTER_DAYS": 14,
    "COMPLAINT_RESPONSE_DAYS": 5,
    "COMPLAINT_SIMILAR_COUNT": 3,
    "COMPLAINT_SIMILAR_WINDOW_DAYS": 30,
}


def init_config(app: Flask) -> None:
    """Fill the capa settings the app's config does not set already."""
    fill_config(app, _INTEGERS)
    if "CAPA_DEADLINES" not in app.config:
        deadlines = {source: dict(grades) for source, grades in DEFAULT_DEADLINES.items()}
        for source, grades in json.loads(os.environ.get("QMS_CAPA_DEADLINES", "{}")).items():
            deadlines.setdefault(source, {}).update({g: int(d) for g, d in grades.items()})
        app.config["CAPA_DEADLINES"] = deadlines


def setting(name: str) -> Any:
    return current_app.config[name]
