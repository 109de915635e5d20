"""Reading evidence files: a record's files, and one file served back to whoever may see it."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, send_file
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import Gone

from qms.core.storage import FileStore, file_store
from qms.extensions import db
from qms.files.models import StoredFile, attached_to
from qms.files.policies import may_download


def evidence_store() -> FileStore:
    return file_store("evidence")


def files_of(owner: Any) -> list[StoredFile]:
    return list(
        db.session.scalars(
            select(StoredFile)
            .where(attached_to(StoredFile, owner), StoredFile.archived_at.is_(None))
            .order_by(StoredFile.uploaded_at)
        )
    )


def downloadable(user: Any, file_id: int) -> StoredFile:
    """The file, if the user may see the record it belongs to; otherwise 404, as for a file
    that does not exist (its existence is not told)."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not may_download(user, stored):
        abort(404)
    return stored


def send(stored: StoredFile) -> Response:
    """Always an attachment under its original name, never rendered inline by the browser. A
    record whose file is missing from the store (a database restored without its files) is
    410 Gone with a clear message, never a server error."""
    store = evidence_store()
    if not store.exists(stored.storage_name):
        raise Gone(
            _(
                "The file “%(name)s” is recorded but missing from the file store. Ask the "
                "administrator to restore the files from a backup (flask qms check-files lists "
                "every missing file).",
                name=stored.original_name,
            )
        )
    return send_file(
        store.open(stored.storage_name),
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.original_name,
        max_age=0,
    )
