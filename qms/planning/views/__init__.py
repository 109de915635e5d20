"""The pages of context, objectives and risks, by area: context_pages, objective_pages and
risk_pages. Thin handlers: they parse, call one operation, commit and render; the routes are
registered when init_app imports them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required
from flask_wtf import FlaskForm

from qms.core.forms import choices
from qms.organisations.models import Agency
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


@bp.before_request
@login_required
def _logged_in() -> None:
    return None


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
    form = PlanFilterForm(request.args, meta={"csrf": False})
    form.validate()
    return PlanFilter(**form.values())


def offer_agencies(form: FlaskForm, agencies: list[Agency]) -> None:
    form.agency_id.choices = choices([(0, "–"), *((a.id, a.name) for a in agencies)])
    if len(agencies) == 1 and not form.is_submitted():
        form.agency_id.data = agencies[0].id


def refused(message: Any):
    return render_template("errors.html", message=message), 403
