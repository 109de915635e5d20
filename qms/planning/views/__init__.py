"""The pages of context, objectives and risks, by area: context_pages, objective_pages and
risk_pages. Thin handlers: they parse, call one operation, commit and render; the routes are
registered when init_app imports them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from qms.core.views import list_filters, require_login
from qms.planning import vocabulary
from qms.planning.forms import PlanFilterForm
from qms.planning.matrix import matrix
from qms.planning.queries import PlanFilter

bp = Blueprint("planning", __name__, url_prefix="/planning")
require_login(bp)


def template_labels() -> dict[str, Any]:
    """App-wide (registered by init_app): the home, agency and corrective-action panels render
    outside this blueprint."""
    return {
        "planning_labels": {
            "side": vocabulary.Side.labels(),
            "unit": vocabulary.MeasureUnit.labels(),
            "direction": vocabulary.Direction.labels(),
            "frequency": vocabulary.Frequency.labels(),
            "source": vocabulary.MeasurementSource.labels(),
            "kind": vocabulary.RiskKind.labels(),
            "treatment": vocabulary.TreatmentStatus.labels(),
        },
        "risk_level": lambda risk: matrix().level(risk.likelihood, risk.impact),
        "residual_level": lambda risk: matrix().level(
            risk.residual_likelihood, risk.residual_impact
        ),
    }


def filters() -> PlanFilter:
    """The list filters from the query string (a value that is no option filters nothing)."""
    return list_filters(PlanFilterForm, PlanFilter)
