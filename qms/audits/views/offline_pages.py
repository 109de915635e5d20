"""The checklist without a signal: the JSON copy of an audit's checklist the phone stores
(IndexedDB), and the service worker that serves the saved checklist page and its assets when
the network is gone (it caches nothing by itself: the page saves what it takes offline)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, current_app, jsonify, send_from_directory
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from qms.audits import offline
from qms.audits.models import Audit
from qms.audits.views import bp
from qms.core import access

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
