"""The SNI catalogue and the cooperative office's dashboard (page and CSV)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from qms.core import access
from qms.core.exports import export_response
from qms.core.timeutil import today
from qms.core.views import not_found
from qms.sme import catalogue, figures, policies
from qms.sme.catalogue_models import ProductStandard
from qms.sme.settings import setting
from qms.sme.views import bp
from qms.sme.views.registry import city_options


@bp.get("/catalogue")
def standards():
    if not policies.may_read_programme(current_user):
        return not_found()
    return render_template("sme/catalogue.html", standards=catalogue.standards())


@bp.get("/catalogue/<int:standard_id>")
def standard(standard_id: int):
    record = access.get_visible(ProductStandard, standard_id, current_user)
    return render_template("sme/standard.html", standard=record)


def _board() -> figures.Dashboard | None:
    if not policies.may_read_programme(current_user):
        return None
    return figures.compute(current_user, today(), request.args.get("city", type=int) or None)


@bp.get("/dashboard")
def dashboard_page():
    board = _board()
    if board is None:
        return not_found()
    charts = {
        "funnel": [(stage.label, n) for stage, n in board.funnel],
        "median": [(stage.label, days) for stage, days in board.median_days],
        "failed": [(c.label, n) for c, n in board.failed_by_category],
    }
    return render_template(
        "sme/dashboard.html",
        board=board,
        charts=charts,
        cities=city_options(),
        city=request.args.get("city", type=int),
        notice_days=setting("SME_EXPIRY_NOTICE_DAYS"),
    )


@bp.get("/dashboard.<any(csv, xlsx):fmt>")
def dashboard_export(fmt: str):
    board = _board()
    if board is None:
        return not_found()
    stem = f"umk-dashboard-{board.today}"
    return export_response(fmt, stem, figures.DASHBOARD_COLUMNS, board.rows())
