"""The search index: one entry per findable record, kept by `indexing.py` from the records the
features register (qms.core.search). Full-text matching lives beside this table and depends on
the database (`fulltext.py`): a generated tsvector column with a GIN index on PostgreSQL, an
FTS5 table kept by triggers on SQLite. Neither is a column of the model: both are created with
the table (`create_all`, migration 0025)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qms.core.timeutil import utcnow
from qms.extensions import db


class SearchEntry(db.Model):
    """What one record is found by, and where its page is. Not a quality record: it is written
    again from the record whenever the record changes, and rebuilt by `flask qms search-reindex`."""

    __tablename__ = "search_entries"
    __table_args__ = (
        UniqueConstraint("kind", "record_id"),
        Index("ix_search_entries_agency_id", "agency_id"),
        Index("ix_search_entries_city_id", "city_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the Searchable's kind ("documents", "nonconformities"…)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    agency_id: Mapped[int | None] = mapped_column(default=None)
    city_id: Mapped[int | None] = mapped_column(default=None)
    #: the code or number as written ("KTS-2025-DINKES-001"), shown with the title
    code: Mapped[str] = mapped_column(String(255), default="")
    #: the code's parts and the code without separators, as the full-text index reads them
    code_terms: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
