"""Race-safe numbering: counters drawn with one UPDATE … RETURNING."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, update

from qms.extensions import db


def draw_next(model: type, counter: str, *where: ColumnElement[bool]) -> int | None:
    """Add one to the counter column of the row matching `where` and return the new value, or
    None when no row matches. The UPDATE locks the row until the transaction ends, so two
    requests drawing at once never get the same number."""
    column: Any = getattr(model, counter)
    return db.session.execute(
        update(model).where(*where).values({counter: column + 1}).returning(column),
        execution_options={"synchronize_session": False},
    ).scalar()
