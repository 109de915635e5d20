"""The pages of context, objectives and risks, by area: context_pages, objective_pages and
risk_pages. Thin handlers: they parse, call one operation, commit and render; the routes are
registered when init_app imports them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from qms.core.views import list_filters, require_login
from qms.planning.forms import PlanFilterForm
from qms.planning.matrix import matrix
from qms.planning.queries import PlanFilter
from qms.planning.vocabulary import (
    DIRECTION_LABELS,
    FREQUENCY_LABELS,
    MEASURE_UNIT_LABELS,
    RISK_KIND_LABELS,
    SIDE_LABELS,
    TREATMENT_STATUS_LABELS,
    MeasurementSource,
)

bp = Blueprint("planning", __name__, url_prefix="/planning")
require_login(bp)


def template_labels() -> dict[str, Any]:
    """App-wide (registered by init_app): the home, agency and corrective-action panels render
    outside this blueprint."""
    return {
        "planning_labels": {
            "side": SIDE_LABELS,
            "unit": MEASURE_UNIT_LABELS,
            "direction": DIRECTION_LABELS,
            "frequency": FREQUENCY_LABELS,
            "source": MeasurementSource.labels(),
            "kind": RISK_KIND_LABELS,
            "treatment": TREATMENT_STATUS_LABELS,
        },
        "risk_level": lambda risk: matrix().level(risk.likelihood, risk.impact),
        "residual_level": lambda risk: matrix().level(
            risk.residual_likelihood, risk.residual_impact
        ),
    }


def filters() -> PlanFilter:
    """The list filters from the query string (a value that is no option filters nothing)."""
    return list_filters(PlanFilterForm, PlanFilter)
