"""Standards as data: clause trees and audit questions loaded from checklists/."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.core.registry import NavItem, add_command, add_nav
    from qms.standards import api, cli, operations, policies, views  # noqa: F401  (api: routes)

    policies.register()
    operations.register_checklist_kind()
    add_command(cli.import_standard_command)
    add_nav(NavItem(_l("Standards"), "standards.index", lambda user: True, 70, group="documents"))
    app.register_blueprint(views.bp)
