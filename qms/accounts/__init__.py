"""Accounts: login, roles with a scope, API tokens, user administration."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core.search import Searchable, SearchText
from qms.extensions import db, login_manager

#: what a user who must first choose their own password may still reach
PASSWORD_CHANGE_EXEMPT = frozenset(
    {"accounts.change_password", "accounts.logout", "accounts.set_language", "static"}
)


def _force_password_change():
    """An account created or reset by an administrator starts with a password someone else
    knows: nothing else opens until its owner has chosen their own."""
    if request.blueprint == "api" or request.endpoint in PASSWORD_CHANGE_EXEMPT:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return None


def init_app(app: Flask) -> None:
    from qms.accounts import admin_views, authentication, policies, queries, sessions, views
    from qms.accounts.models import User
    from qms.core.features import HistoryLabels, register_feature
    from qms.core.registry import NavItem
    from qms.core.roles import ROLE_LABELS

    policies.register()
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The API authenticates by token only, never by the browser's session cookie.
        if request.blueprint == "api":
            return None
        return sessions.user_of_request(user_id)

    @login_manager.request_loader
    def load_user_from_token(req) -> User | None:
        header = req.headers.get("Authorization", "")
        if req.blueprint != "api" or not header.startswith("Bearer "):
            return None
        user = authentication.user_for_token(header.removeprefix("Bearer ").strip())
        db.session.commit()  # keep last_used_at
        return user

    app.before_request(_force_password_change)
    register_feature(
        app,
        __name__,
        searchable=(_searchable(),),
        template_globals={"role_labels": ROLE_LABELS},
        nav=(
            NavItem(
                _l("Users"),
                "users.index",
                lambda user: bool(policies.grantable_roles(user)),
                85,
                group="admin",
            ),
        ),
        blueprints=(views.bp, admin_views.bp),
        history=(
            HistoryLabels(
                "role_assignments",
                fields={
                    "user_id": _l("User"),
                    "role": _l("Role"),
                    "unit_id": _l("Organisational unit"),
                },
                values={"role": ROLE_LABELS},
            ),
            HistoryLabels("users", fields={"email": _l("Email"), "locale": _l("Language")}),
        ),
        history_names={"users": queries.user_names},
    )


def _may_look_for_people(user) -> bool:
    from qms.core.roles import Role

    return user.has_role(Role.SYSTEM_ADMIN, Role.CITY_ADMIN)


def _searchable() -> Searchable:
    """People are found by name and e-mail address, by those who administer users (the
    search box in the header)."""
    from qms.accounts.models import User

    return Searchable(
        "people",
        _l("People"),
        User,
        lambda u: SearchText(u.name, u.email),
        fields=("name", "email"),
        endpoint="users.show",
        url_arg="user_id",
        order=90,
        available=_may_look_for_people,
    )
