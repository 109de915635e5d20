"""Accounts: login, roles with a scope, API tokens, user administration."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from qms.extensions import db, login_manager


def init_app(app: Flask) -> None:
    from qms.accounts import services, views
    from qms.accounts.models import User

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The API authenticates by token only, never by the browser's session cookie.
        if request.blueprint == "api":
            return None
        return db.session.get(User, int(user_id))

    @login_manager.request_loader
    def load_user_from_token(req) -> User | None:
        header = req.headers.get("Authorization", "")
        if req.blueprint != "api" or not header.startswith("Bearer "):
            return None
        user = services.user_for_token(header.removeprefix("Bearer ").strip())
        db.session.commit()  # keep last_used_at
        return user

    app.register_blueprint(views.bp)
