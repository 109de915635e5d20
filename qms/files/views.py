from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from qms.extensions import db
from qms.files import services
from qms.files.models import StoredFile

bp = Blueprint("files", __name__, url_prefix="/files")


@bp.get("/<int:file_id>")
@login_required
def download(file_id: int):
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not services.may_download(current_user, stored):
        abort(404)
    return services.send(stored)
