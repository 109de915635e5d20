"""Standards as data: clause trees and audit questions loaded from checklists/."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.core.features import register_feature
    from qms.core.registry import NavItem
    from qms.standards import cli, operations, views

    operations.register_checklist_kind()
    register_feature(
        app,
        __name__,
        declaring=("api",),
        registering=("policies",),
        commands=(cli.import_standard_command,),
        nav=(
            NavItem(_l("Standards"), "standards.index", lambda user: True, 70, group="documents"),
        ),
        blueprints=(views.bp,),
    )
