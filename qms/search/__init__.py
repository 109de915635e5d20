"""One search box in the header: document codes and titles, nonconformity and audit numbers,
small businesses by NIB and name, plans, and people, each user finding only what they may see.

models.py    the index (search_entries)      fulltext.py  PostgreSQL tsvector / SQLite FTS5
indexing.py  the index follows the records   queries.py   searching as one user
Features say what is findable (qms.core.search.add_searchable); this package imports none."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.core.registry import add_command
    from qms.search import api, cli, fulltext, indexing, views  # noqa: F401  (listeners, routes)

    app.register_blueprint(views.bp)
    add_command(cli.reindex_command)
