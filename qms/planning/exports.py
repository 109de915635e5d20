"""The columns of the quality objectives' and the risk register's exports (CSV and Excel)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.exports import Column, field, related
from qms.planning.matrix import matrix
from qms.planning.models import Objective, Risk


def _level(likelihood: str, impact: str) -> Any:
    def read(risk: Risk) -> Any:
        level = matrix().level(getattr(risk, likelihood), getattr(risk, impact))
        return level.label if level else None

    return read


OBJECTIVE_COLUMNS = [
    related(Objective, "agency_id"),
    field(Objective, "year"),
    field(Objective, "title"),
    field(Objective, "indicator"),
    field(Objective, "unit"),
    field(Objective, "direction"),
    field(Objective, "target"),
    field(Objective, "frequency"),
    field(Objective, "data_source"),
    field(Objective, "responsible"),
    field(Objective, "plan_actions"),
    field(Objective, "plan_owner"),
    field(Objective, "plan_due_on"),
]

RISK_COLUMNS = [
    related(Risk, "agency_id"),
    field(Risk, "kind"),
    field(Risk, "title"),
    field(Risk, "process"),
    field(Risk, "cause"),
    field(Risk, "effect"),
    field(Risk, "likelihood"),
    field(Risk, "impact"),
    Column(_l("Level"), _level("likelihood", "impact")),
    field(Risk, "existing_controls"),
    field(Risk, "residual_likelihood"),
    field(Risk, "residual_impact"),
    Column(_l("Residual level"), _level("residual_likelihood", "residual_impact")),
    field(Risk, "owner"),
    field(Risk, "next_review_on"),
]
