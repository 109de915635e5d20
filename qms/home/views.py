from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from qms.core.registry import panels_for

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    panels = [(panel.template, panel.context(current_user)) for panel in panels_for(current_user)]
    return render_template("home/index.html", panels=panels)
