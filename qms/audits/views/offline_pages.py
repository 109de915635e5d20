"""The checklist without a signal: the JSON copy of an audit's checklist the phone stores
(IndexedDB), and the service worker that serves the saved checklist page and its assets when
the network is gone (it caches nothing by itself: the page saves what it takes offline)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request, send_from_directory
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from qms.audits import offline
from qms.audits.models import Audit, ChecklistRow
from qms.audits.views import bp
from qms.audits.views.checklist_pages import attached_json
from qms.core import access
from qms.extensions import db
from qms.files import uploads

# the web app manifest (static/manifest.webmanifest) with its own type
mimetypes.add_type("application/manifest+json", ".webmanifest")

#: the service worker at the root of the site, so that its scope covers every page
root = Blueprint("offline_root", __name__)


@bp.get("/<int:audit_id>/offline.json", endpoint="offline_snapshot")
def offline_snapshot(audit_id: int):
    """The audit's checklist as the phone stores it, with a fresh form token for the sync."""
    audit = access.get_visible(Audit, audit_id, current_user)
    data = offline.snapshot(current_user, audit)
    data["csrf_token"] = generate_csrf()
    return jsonify(data)


def _upload_state(upload) -> dict:
    return {
        "key": upload.key,
        "offset": upload.received,
        "size": upload.size,
        "chunk_size": uploads.chunk_limit(),
    }


def _number(name: str) -> int:
    value = request.form.get(name, "")
    if not value.isdigit():
        abort(400)
    return int(value)


@bp.post("/rows/<int:row_id>/uploads", endpoint="begin_upload")
def begin_upload(row_id: int):
    """An evidence file sent in pieces (a photo taken offline): started, or found again after
    a drop with how much of it the server has (`offset`), where the phone goes on from; if
    the last answer was lost, the file already attached (`done`)."""
    row = access.get_visible(ChecklistRow, row_id, current_user)
    upload = uploads.begin(
        current_user,
        row,
        request.form.get("key", ""),
        request.form.get("name", ""),
        _number("size"),
        request.form.get("description", ""),
    )
    db.session.commit()
    return _answer(upload, uploads.attached(upload))


def _answer(upload, stored):
    if stored is None:
        return jsonify(_upload_state(upload))
    return jsonify(attached_json(stored) | _upload_state(upload) | {"done": True})


@bp.post("/rows/<int:row_id>/uploads/<key>", endpoint="upload_piece")
def upload_piece(row_id: int, key: str):
    """One piece at `offset`; the last one attaches the file to the row. A piece out of place
    is refused (409) with the offset the server is at."""
    row = access.get_visible(ChecklistRow, row_id, current_user)
    upload = uploads.find(current_user, row, key)
    if upload is None:
        abort(404)
    piece = request.files.get("chunk")
    data = piece.stream.read(uploads.chunk_limit() + 1) if piece else b""
    try:
        stored = uploads.receive(current_user, row, upload, _number("offset"), data)
    except uploads.OutOfPlace as error:
        db.session.rollback()
        message = str(error.message)
        return jsonify(
            {"error": {"status": 409, "message": message}, "offset": error.received}
        ), 409
    db.session.commit()
    return _answer(upload, stored)


@root.get("/sw.js")
def service_worker():
    response = send_from_directory(
        Path(current_app.static_folder or "static") / "js",
        "offline-sw.js",
        mimetype="text/javascript",
        max_age=0,
    )
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response
