"""`flask db upgrade` from empty works, the models and the migrations agree, and the history
is linear."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from qms import create_app
from qms.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"qms_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database_url: str, test_settings: dict):
    app = create_app("testing", {**test_settings, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            # the search's full-text machinery is made beside the models (qms/search/fulltext.py)
            outside = db.metadata.info.get("outside_models", set())
            context = MigrationContext.configure(
                connection, opts={"include_name": lambda name, *_: name not in outside}
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        assert differences == []
        assert set(db.metadata.tables) <= tables
        downgrade(directory=str(MIGRATIONS), revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        upgrade(directory=str(MIGRATIONS))
        db.engine.dispose()


def test_migration_history_is_linear_and_numbered():
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1
    revisions = list(reversed(list(scripts.walk_revisions())))
    for number, revision in enumerate(revisions, start=1):
        assert revision.revision == f"{number:04d}", revision.revision
        assert re.match(rf"^{number:04d}_\w+\.py$", Path(revision.path).name)
