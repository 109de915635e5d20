"""Each role's home page, where features add their panels through the registry, and the shared
administration screen of the outbox."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.core.registry import HomePanel, NavItem, add_home_panel, add_nav, add_reminder_source
    from qms.home import digest, policies, queries, views

    policies.register()
    add_home_panel(
        HomePanel("home/panel_admin.html", queries.admin_overview, policies.is_admin, order=10)
    )
    add_home_panel(
        HomePanel(
            "home/panel_cities.html",
            queries.cities_overview,
            queries.is_national_reader,
            order=15,
        )
    )
    add_home_panel(
        HomePanel("home/panel_scope.html", queries.my_scope, lambda user: True, order=900)
    )
    add_nav(NavItem(_l("Outbox"), "home.outbox", policies.is_admin, 90, group="admin"))
    add_reminder_source(digest.digest_reminders)
    app.register_blueprint(views.bp)
