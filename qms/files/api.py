"""/api/v1 evidence files: their JSON (features list a record's files with it) and their download,
for token holders who may see the record they belong to."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from qms.api.core import api_route, schemas
from qms.extensions import db
from qms.files import services
from qms.files.models import StoredFile

_TEXT = {"type": "string"}

schemas["StoredFile"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": _TEXT,
        "content_type": _TEXT,
        "size": {"type": "integer"},
        "sha256": _TEXT,
        "description": _TEXT,
        "download_url": _TEXT,
    },
}


def file_json(stored: StoredFile) -> dict:
    return {
        "id": stored.id,
        "name": stored.original_name,
        "content_type": stored.content_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "description": stored.description,
        "download_url": url_for("api.download_file", file_id=stored.id),
    }


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
