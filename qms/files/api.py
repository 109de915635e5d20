"""/api/v1 evidence files: the resource features list a record's files with, and the download
for token holders who may see the record a file belongs to."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from qms.api.core import api_route
from qms.api.schema import Resource
from qms.files.models import StoredFile
from qms.files.queries import downloadable, send


class StoredFileOut(Resource):
    labels_from = StoredFile

    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    description: str
    download_url: str

    @classmethod
    def of(cls, stored: StoredFile) -> StoredFileOut:
        return cls.from_record(
            stored,
            name=stored.original_name,
            download_url=url_for("api.download_file", file_id=stored.id),
        )


@api_route(
    "/files/<int:file_id>",
    summary="Download one evidence file (as an attachment)",
    tag="files",
    file=True,
)
def download_file(file_id: int):
    return send(downloadable(current_user, file_id))
