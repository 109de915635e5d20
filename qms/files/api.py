"""/api/v1 download of evidence files, for token holders who may see the record they belong to."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from qms.api.core import api_route
from qms.extensions import db
from qms.files import services
from qms.files.models import StoredFile


@api_route(
    "/files/<int:file_id>",
    summary="Download one evidence file (as an attachment)",
    tag="files",
)
def download_file(file_id: int):
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not services.may_download(current_user, stored):
        abort(404)
    return services.send(stored)
