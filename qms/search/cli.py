"""`flask qms search-reindex` (offered from `init_app` through `add_command`)."""

from __future__ import annotations

import click

from qms.extensions import db
from qms.search.indexing import reindex


@click.command("search-reindex")
def reindex_command() -> None:
    """Write the search index again from every findable record (after a restore, a bulk load
    or an upgrade that added a kind; changes made through the app follow by themselves)."""
    counts = reindex()
    db.session.commit()
    for kind, count in counts.items():
        click.echo(f"{kind}: {count}")
