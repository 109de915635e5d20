"""A list's filters as SQL: each filter a user set narrows the list to the rows whose column
holds that value; a filter left empty does not narrow it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select


def where_given(query: Select, *filters: tuple[Any, Any]) -> Select:
    """`query` narrowed to `column == value` for each (column, value) whose value was given
    (not None, not empty, not 0: an id of 0 names no record)."""
    for column, value in filters:
        if value:
            query = query.where(column == value)
    return query
