"""One search box in the header: document codes and titles, nonconformity and audit numbers,
small businesses by NIB and name, plans, and people, each user finding only what they may see.

models.py    the index (search_entries)      fulltext.py  PostgreSQL tsvector / SQLite FTS5
indexing.py  the index follows the records   queries.py   searching as one user
Features say what is findable (qms.core.search.add_searchable); this package imports none."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.core.features import register_feature
    from qms.search import cli, views

    register_feature(
        app,
        __name__,
        declaring=("api", "fulltext", "indexing"),  # routes, listeners
        blueprints=(views.bp,),
        commands=(cli.reindex_command,),
    )
