"""Helpers for the features' task sources (registry.TaskSource): a list waiting for a user,
counted and cut in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from qms.extensions import db


def counted(query: Select, limit: int, *, scalars: bool = True) -> tuple[int, list[Any]]:
    """The number of rows of `query` and its first `limit` rows (its entities, or whole rows
    with `scalars=False`): two statements, however many rows there are."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if not total:
        return 0, []
    result = db.session.execute(query.limit(limit)).unique()
    return total, list(result.scalars() if scalars else result)
