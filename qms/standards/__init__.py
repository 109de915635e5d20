"""Standards as data: clause trees and audit questions loaded from checklists/."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.core.registry import NavItem, add_nav
    from qms.standards import api, services, views  # noqa: F401  (services: checklist kind, policy)

    add_nav(NavItem(_l("Standards"), "standards.index", lambda user: True, 70))
    app.register_blueprint(views.bp)
