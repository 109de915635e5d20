from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from qms.files.queries import downloadable, send

bp = Blueprint("files", __name__, url_prefix="/files")


@bp.get("/<int:file_id>")
@login_required
def download(file_id: int):
    return send(downloadable(current_user, file_id))
