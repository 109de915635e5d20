"""Helpers for the features' task sources (registry.TaskSource): a list waiting for a user,
counted and cut in SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from qms.core.registry import Task
from qms.extensions import db


def counted(query: Select, limit: int, *, scalars: bool = True) -> tuple[int, list[Any]]:
    """The number of rows of `query` and its first `limit` rows (its entities, or whole rows
    with `scalars=False`): two statements, however many rows there are."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if not total:
        return 0, []
    result = db.session.execute(query.limit(limit)).unique()
    return total, list(result.scalars() if scalars else result)


def due_tasks(
    query: Select,
    limit: int,
    kind: Any,
    today: date,
    describe: Callable[[Any], tuple[str, str, date | None]],
) -> tuple[int, list[Task]]:
    """The records of `query` as tasks of one `kind`, counted and cut as `counted` does:
    `describe(record)` answers a task's title, link and due date; a task whose due date is
    before `today` is overdue."""
    total, records = counted(query, limit)
    return total, [
        Task(title, url, due, due is not None and due < today, kind)
        for title, url, due in map(describe, records)
    ]
