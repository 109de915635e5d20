from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from qms.core.views import require_login
from qms.files.queries import downloadable, send

bp = Blueprint("files", __name__, url_prefix="/files")
require_login(bp)


@bp.get("/<int:file_id>")
def download(file_id: int):
    return send(downloadable(current_user, file_id))
