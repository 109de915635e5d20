"""Keeping the index current: every flush that adds, changes or deletes a findable record
writes its entry in the same transaction (`_follow_flush`), and `reindex()` rebuilds the whole
index from the records (`flask qms search-reindex`, after a restore or a bulk load that went
around the ORM)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, event, inspect, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from qms.core.search import Searchable, searchable_for, searchable_kinds
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.search.fulltext import code_terms
from qms.search.models import SearchEntry

#: records read and written at once by a rebuild
BATCH = 500
_COLUMNS = ("agency_id", "city_id", "code", "code_terms", "title", "body", "updated_at")


def entry_row(searchable: Searchable, record: Any) -> dict[str, Any]:
    found = searchable.describe(record)
    return {
        "kind": searchable.kind,
        "record_id": record.id,
        "agency_id": found.agency_id,
        "city_id": found.city_id,
        "code": (found.code or "")[:255],
        "code_terms": code_terms(found.code),
        "title": found.title or "",
        "body": found.text or "",
        "updated_at": utcnow(),
    }


def write(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert the entries, or replace those of the same records."""
    if not rows:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SearchEntry.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "record_id"],
        set_={name: stmt.excluded[name] for name in _COLUMNS},
    )
    connection.execute(stmt, rows)


def _changed(obj: Any, searchable: Searchable) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in searchable.fields)


@event.listens_for(Session, "after_flush")
def _follow_flush(session: Session, _ctx: Any) -> None:
    rows: list[dict[str, Any]] = []
    gone: list[tuple[str, int]] = []
    for obj in session.new:
        searchable = searchable_for(type(obj))
        if searchable is not None:
            rows.append(entry_row(searchable, obj))
    for obj in session.dirty:
        searchable = searchable_for(type(obj))
        if searchable is not None and _changed(obj, searchable):
            rows.append(entry_row(searchable, obj))
    for obj in session.deleted:
        searchable = searchable_for(type(obj))
        if searchable is not None:
            gone.append((searchable.kind, obj.id))
    if not rows and not gone:
        return
    connection = session.connection()
    write(connection, rows)
    if gone:
        connection.execute(
            delete(SearchEntry).where(tuple_(SearchEntry.kind, SearchEntry.record_id).in_(gone))
        )


def reindex() -> dict[str, int]:
    """Write the index again from every findable record; answers the entries per kind."""
    connection = db.session.connection()
    counts: dict[str, int] = {}
    kinds = searchable_kinds()
    connection.execute(delete(SearchEntry).where(SearchEntry.kind.not_in([s.kind for s in kinds])))
    for searchable in kinds:
        model = searchable.model
        connection.execute(delete(SearchEntry).where(SearchEntry.kind == searchable.kind))
        last_id, count = 0, 0
        while True:
            records = db.session.scalars(
                select(model).where(model.id > last_id).order_by(model.id).limit(BATCH)
            ).all()
            if not records:
                break
            write(connection, [entry_row(searchable, record) for record in records])
            last_id, count = records[-1].id, count + len(records)
        counts[searchable.kind] = count
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    return counts
