"""JSON API under /api/v1: token authentication, JSON errors, an OpenAPI 3 document built from
the routes that features declare with `api_route`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.api.core import bp
    from qms.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
