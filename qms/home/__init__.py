"""Each role's home page; features add their panels through the registry."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.home import views

    app.register_blueprint(views.bp)
