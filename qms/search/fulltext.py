"""Full-text matching of the search index, one implementation per database, both real:

PostgreSQL  a stored generated tsvector column over the code's terms (weight A), the title (B)
            and the text (C) with a GIN index, matched by websearch_to_tsquery('simple', q)
            OR a prefix query of the words typed ('kts':* & '2025':*), ranked by ts_rank.
SQLite      an external-content FTS5 table over the same three columns, kept current by
            triggers on search_entries, matched by the quoted prefixes of the words typed
            ("kts"* AND "2025"*), ranked by bm25.

What the user typed never reaches either query language as syntax: it is cut into words of
letters and digits (`words`), which are quoted; websearch_to_tsquery takes any text by design.
`install(connection)` creates the machinery for the connection's database (after the table:
`create_all` runs it by the table's after_create event; migration 0025 has its own copy)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    column,
    event,
    func,
    literal_column,
    table,
    text,
)

from qms.extensions import db
from qms.search.models import SearchEntry

#: the longest query taken, and how many of its words count
MAX_QUERY = 200
MAX_WORDS = 8
MAX_WORD = 40

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

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
#: tables, columns and indexes of the machinery, which the models do not declare (the
#: migration test and autogenerate leave them out of the comparison)
OUTSIDE_MODELS = frozenset(
    {
        "search_vector",
        "ix_search_entries_search_vector",
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_docsize",
        "search_fts_config",
        "search_fts_content",
    }
)
db.metadata.info.setdefault("outside_models", set()).update(OUTSIDE_MODELS)


def install(connection: Connection) -> None:
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(connection.dialect.name, ())
    for statement in statements:
        connection.execute(text(statement))


@event.listens_for(SearchEntry.__table__, "after_create")
def _after_create(_table: Any, connection: Connection, **_kw: Any) -> None:
    install(connection)


@event.listens_for(SearchEntry.__table__, "before_drop")
def _before_drop(_table: Any, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text("DROP TABLE IF EXISTS search_fts"))


# --- what was typed -----------------------------------------------------------------------


def cleaned(query: str) -> str:
    """The query as searched: without control characters (a NUL ends a PostgreSQL string),
    its spaces collapsed, at most MAX_QUERY characters."""
    query = "".join(
        " " if unicodedata.category(ch).startswith("C") else ch for ch in (query or "")[:1000]
    )
    return " ".join(query.split())[:MAX_QUERY]


def words(query: str) -> list[str]:
    """The words of letters and digits in the query, lower case, each at most MAX_WORD long,
    without repeats: "KTS-2025/Dinkes" -> ["kts", "2025", "dinkes"]."""
    seen: list[str] = []
    for word in _WORD.findall(cleaned(query).lower()):
        word = word[:MAX_WORD]
        if word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


def code_terms(code: str) -> str:
    """How a code is indexed: its parts and the whole without separators, so that both
    "KTS 2025" and "kts2025dinkes" find "KTS-2025-DINKES-001"."""
    parts = _WORD.findall((code or "").lower())
    whole = "".join(parts)
    return " ".join([*parts, whole] if len(parts) > 1 else parts)


# --- matching ------------------------------------------------------------------------------


def matched(stmt: Select, dialect: str, query: str) -> tuple[Select, ColumnElement[Any]] | None:
    """`stmt` (a SELECT from search_entries) limited to the entries that match `query`, and the
    rank to order them by (higher is better); None when the query has no word to look for."""
    found = words(query)
    if not found:
        return None
    if dialect == "postgresql":
        vector = literal_column("search_entries.search_vector")
        prefixes = " & ".join(f"'{word}':*" for word in found)
        tsquery = func.websearch_to_tsquery("simple", cleaned(query)).op("||")(
            func.to_tsquery("simple", prefixes)
        )
        return stmt.where(vector.op("@@")(tsquery)), func.ts_rank(vector, tsquery)
    fts = table("search_fts", column("rowid"), column("search_fts"))
    phrase = " AND ".join(f'"{word}"*' for word in found)
    stmt = stmt.join(fts, fts.c.rowid == SearchEntry.id).where(fts.c.search_fts.op("MATCH")(phrase))
    # bm25 is lower for better matches; the code's terms weigh most, then the title
    return stmt, -func.bm25(literal_column("search_fts"), 10.0, 4.0, 1.0)
