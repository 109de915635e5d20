from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user

from qms.core.errors import PermissionDenied
from qms.core.pagination import paginate
from qms.core.registry import panels_for, waiting_for
from qms.core.views import require_login
from qms.home import policies, queries

bp = Blueprint("home", __name__)
require_login(bp)


@bp.get("/")
def index():
    panels = [(panel.template, panel.context(current_user)) for panel in panels_for(current_user)]
    return render_template("home/index.html", panels=panels, waiting=waiting_for(current_user))


@bp.get("/outbox")
def outbox():
    if not policies.is_admin(current_user):
        raise PermissionDenied(_("Only administrators read the outbox."))
    return render_template(
        "home/outbox.html", messages=paginate(queries.outbox(current_user), keyset=True)
    )
