"""search: the index of the header's search box (search_entries) and its full-text machinery,
a generated tsvector column with a GIN index on PostgreSQL, an FTS5 table kept by triggers on
SQLite (the same statements as qms/search/fulltext.py, frozen here).

The index starts empty: fill it once with `flask qms search-reindex`; from then on it follows
the records. A later SQLite batch migration of search_entries drops its triggers: create them
again after it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 03:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

POSTGRESQL = (
    "ALTER TABLE search_entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(code_terms, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(title, '')), 'B') || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'C')) STORED",
    "CREATE INDEX ix_search_entries_search_vector ON search_entries USING gin (search_vector)",
)
SQLITE = (
    "DROP TABLE IF EXISTS search_fts",
    "CREATE VIRTUAL TABLE search_fts USING fts5(code_terms, title, body, "
    "content='search_entries', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER search_entries_fts_insert AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, code_terms, title, body) "
    "VALUES (new.id, new.code_terms, new.title, new.body); END",
    "CREATE TRIGGER search_entries_fts_delete AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, code_terms, title, body) "
    "VALUES ('delete', old.id, old.code_terms, old.title, old.body); END",
    "CREATE TRIGGER search_entries_fts_update AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, code_terms, title, body) "
    "VALUES ('delete', old.id, old.code_terms, old.title, old.body); "
    "INSERT INTO search_fts(rowid, code_terms, title, body) "
    "VALUES (new.id, new.code_terms, new.title, new.body); END",
)


def upgrade():
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("code_terms", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("kind", "record_id", name=op.f("uq_search_entries_kind_record_id")),
    )
    op.create_index("ix_search_entries_agency_id", "search_entries", ["agency_id"])
    op.create_index("ix_search_entries_city_id", "search_entries", ["city_id"])
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(op.get_bind().dialect.name, ())
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_entries_city_id", table_name="search_entries")
    op.drop_index("ix_search_entries_agency_id", table_name="search_entries")
    op.drop_table("search_entries")
