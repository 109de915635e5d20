"""Registers in from spreadsheets: an agency's document master list, its nonconformity log, the
city's list of small businesses (each declared by its feature in `<feature>/imports.py`), read
by one reader (qms/core/spreadsheets.py) through one two-step import: upload and mapping, a
report of every row, and the uploader's confirmation.

models.py      the held upload and what each imported row became
registry.py    what features declare (their fields, lookups and create operations)
operations.py  upload, mapping, check, confirm        policies.py  who imports
views.py       the pages                              settings.py  size and row limits"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.imports import api, policies, settings, views  # noqa: F401 (api: its routes)

    settings.init_config(app)
    policies.register()
    app.register_blueprint(views.bp)
    app.jinja_env.globals["may_import"] = _may_import_here


def _may_import_here(kind: str) -> bool:
    from flask_login import current_user

    return may_import(current_user, kind)


def may_import(user, kind: str) -> bool:
    """Whether the user may import this register anywhere (the register's page shows the link)."""
    from qms.imports.operations import owners_for
    from qms.imports.registry import importer_for

    importer = importer_for(kind)
    return importer is not None and bool(owners_for(user, importer))
