"""Evidence files: uploads checked by content, stored outside the web root with their SHA-256."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.files import api, views  # noqa: F401 (api registers its routes)

    app.register_blueprint(views.bp)
