"""HTML pages of the certification programme: parse, call one operation, commit, render. One
blueprint, its pages by area: the registry and guidance (`registry`), the pathway page and its
forms (`pathways`), the SNI catalogue and the dashboard (`dashboard`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_babel import gettext as _

from qms.core.timeutil import today
from qms.core.views import refused, require_login
from qms.sme.vocabulary import ReadinessStatus, Scale, Stage

bp = Blueprint("sme", __name__, url_prefix="/sme")
require_login(bp)

#: how a stage's badge reads in lists: reached the certificate, or stopped
STAGE_TONES = {
    Stage.CERTIFIED: "ok",
    Stage.SURVEILLANCE: "ok",
    Stage.ON_HOLD: "bad",
    Stage.WITHDRAWN: "bad",
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "STAGE_TONES": STAGE_TONES,
        "SCALE_LABELS": Scale.labels(),
        "READINESS_LABELS": ReadinessStatus.labels(),
        "today": today(),
    }


def forbidden():
    return refused(_("You are not allowed to do this."))


def register(app: Flask) -> None:
    from qms.sme.views import dashboard, pathways, registry  # noqa: F401  (their routes)

    app.register_blueprint(bp)
