"""One way to page through a list, for the pages and the API alike: `paginate(query)` reads
`?page=` and `?per_page=` from the request (a default and a maximum page size), counts the
whole list once, orders it stably (the primary key breaks ties, so that no row is shown twice
or skipped between pages) and gives a `Page`: its rows, the total and the links to the pages
before and after, which keep the request's other arguments (the filters). Templates show it
with `pager(page)` from templates/_macros/lists.html.

Every list in the app is read through here: no list stops at a fixed number of rows without a
way to the next page."""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import Column, Select, and_, func, inspect, or_, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from qms.core.errors import ValidationFailed
from qms.extensions import db

T = TypeVar("T")

#: rows a page shows unless `?per_page=` says otherwise
DEFAULT_PER_PAGE = 50
#: the most rows one page may show
MAX_PER_PAGE = 200
#: the highest page number anyone may ask for (a page beyond the data is empty)
MAX_PAGE = 1_000_000
#: rows an export reads from the database at a time while it streams
EXPORT_BATCH = 500


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list is asked for, and how many rows per page."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    #: keyset paging: the cursor of the row the page starts after (or ends before)
    after: str | None = None
    before: str | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _argument(name: str, default: int, maximum: int, strict: bool) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.isdigit() and 1 <= int(raw) <= maximum:
        return int(raw)
    if strict:
        raise ValidationFailed({name: [_("Enter a whole number from 1 to %(max)s.", max=maximum)]})
    # a page of the web: a bad number in the address shows the nearest page, not an error
    return min(max(int(raw), 1), maximum) if raw.lstrip("-").isdigit() else default


def page_request(
    *,
    per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
    strict: bool = False,
    param: str = "page",
) -> PageRequest:
    """The page the request asks for (`?page=`, or `param` when a page holds two lists). `strict`
    (the API) refuses a number out of bounds with a 422; the web shows the nearest page
    instead."""
    return PageRequest(
        page=_argument(param, 1, MAX_PAGE, strict),
        per_page=_argument("per_page", per_page, max_per_page, strict),
        after=request.args.get(f"{param}_after") or None,
        before=request.args.get(f"{param}_before") or None,
    )


def stably_ordered(query: Select) -> Select:
    """The query ordered as it asks, then by the primary key of the entity it lists, so that
    rows that sort alike keep one order from page to page."""
    description = query.column_descriptions[0] if query.column_descriptions else {}
    entity = description.get("entity")
    if entity is None:
        return query
    keys = inspect(entity).primary_key
    ordered = [getattr(clause, "element", clause) for clause in query._order_by_clauses]
    missing = [key for key in keys if not any(key.compare(clause) for clause in ordered)]
    return query.order_by(*missing) if missing else query


def count_of(query: Select) -> int:
    """How many rows the query lists (one COUNT, without its ordering)."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return db.session.scalar(counted) or 0


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, where it stands in the whole, and its neighbours' links."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int
    #: the argument that names the page (two lists on one page have one each)
    param: str = "page"
    #: the endpoint and path arguments the links go to (the current page's by default)
    endpoint: str | None = None
    view_args: tuple[tuple[str, Any], ...] = ()
    #: keyset paging: the cursors of the page's last and first rows (None: paged by offset,
    #: or no page that way)
    next_cursor: str | None = None
    previous_cursor: str | None = None
    keyset: bool = False

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first(self) -> int:
        """The position of the page's first row in the list (1-based; 0 when empty)."""
        return self.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.items)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def url(self, page: int, **cursor: str) -> str:
        """The address of another page of the same list, with the same filters (and, paged by
        keyset, the cursor it starts after or ends before)."""
        own = {self.param, f"{self.param}_after", f"{self.param}_before"}
        arguments: dict[str, Any] = {
            key: values if len(values) > 1 else values[0]
            for key, values in request.args.lists()
            if key not in own
        }
        if page > 1:
            arguments[self.param] = page
            arguments |= {f"{self.param}_{name}": value for name, value in cursor.items()}
        endpoint = self.endpoint or request.endpoint or ""
        view_args = dict(self.view_args) if self.endpoint else dict(request.view_args or {})
        return url_for(endpoint, **view_args, **arguments)

    @property
    def previous_url(self) -> str | None:
        if not self.has_previous:
            return None
        if self.keyset and self.previous_cursor:
            return self.url(self.page - 1, before=self.previous_cursor)
        return self.url(min(self.page - 1, self.pages))

    @property
    def next_url(self) -> str | None:
        if not self.has_next:
            return None
        if self.keyset and self.next_cursor:
            return self.url(self.page + 1, after=self.next_cursor)
        return self.url(self.page + 1)


def paginate(
    query: Select,
    *,
    per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
    strict: bool = False,
    scalars: bool = True,
    param: str = "page",
    keyset: bool = False,
    endpoint: str | None = None,
    **view_args: Any,
) -> Page:
    """The page of `query` the request asks for (see `page_request`), stably ordered, with the
    total. `scalars=False` gives rows of several columns instead of single entities. `param`
    names the page's argument when one page shows two lists. `keyset`: the links go from page
    to page by the sort values of the rows at the page's ends (`?page_after=`), so that a page
    deep in a long list costs what the first does (lists sorted by columns of their own rows
    that are never empty; others page by offset). `endpoint` (and its path arguments) when the
    links should go elsewhere than the current page."""
    asked = page_request(per_page=per_page, max_per_page=max_per_page, strict=strict, param=param)
    return page_of(
        query,
        asked,
        scalars=scalars,
        param=param,
        keyset=keyset,
        strict=strict,
        endpoint=endpoint,
        **view_args,
    )


def page_of(
    query: Select,
    asked: PageRequest,
    *,
    scalars: bool = True,
    param: str = "page",
    keyset: bool = False,
    strict: bool = False,
    endpoint: str | None = None,
    total: int | None = None,
    **view_args: Any,
) -> Page:
    """One given page of `query` (see `paginate`); `total` when the caller counted the list
    already (it is not counted again)."""
    ordered = stably_ordered(query)
    keys = _sort_keys(ordered) if keyset and scalars else None
    cursor = asked.after or asked.before
    values = _decoded(cursor, keys, param, strict) if keys and cursor else None
    if values is not None:
        items, more = _keyset_rows(ordered, keys, values, asked)
    else:
        result = db.session.execute(ordered.limit(asked.per_page).offset(asked.offset))
        items = list(result.scalars().unique()) if scalars else list(result)
        more = None
    # when the whole list is on its first page, there is nothing more to count
    whole = asked.page == 1 and values is None and len(items) < asked.per_page
    if total is None:
        total = len(items) if whole else count_of(query)
    page = Page(
        items=items,
        page=asked.page,
        per_page=asked.per_page,
        total=total,
        param=param,
        endpoint=endpoint,
        view_args=tuple(sorted(view_args.items())),
        keyset=keys is not None,
    )
    if keys is None or not items:
        return page
    first, last = _encoded(items[0], keys), _encoded(items[-1], keys)
    has_next = more if values is not None and asked.after else page.page < page.pages
    return replace(page, next_cursor=last if has_next else None, previous_cursor=first)


# --- keyset paging ------------------------------------------------------------------------

#: a sort column of the listed rows, and whether it sorts descending
SortKey = tuple[Any, bool]


def _sort_keys(query: Select) -> list[SortKey] | None:
    """The query's sort columns with their directions, when every one is a column of the
    listed entity's own table that is never empty (so that a row's values say where it
    stands); None otherwise (the list pages by offset)."""
    entity = query.column_descriptions[0].get("entity") if query.column_descriptions else None
    if entity is None:
        return None
    mapper = inspect(entity)
    keys: list[SortKey] = []
    for clause in query._order_by_clauses:
        descending = isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op
        column = getattr(clause, "element", clause)
        if not isinstance(column, Column) or column.table is not mapper.local_table:
            return None
        if column.nullable and not column.primary_key:
            return None
        keys.append((column, descending))
    return keys or None


def _attribute(mapper: Any, column: Any) -> str:
    return mapper.get_property_by_column(mapper.local_table.c[column.name]).key


def _encoded(row: Any, keys: list[SortKey]) -> str:
    """The cursor of a row: its sort values, as text an address can carry."""
    mapper = inspect(type(row))
    values = []
    for column, _descending in keys:
        value = getattr(row, _attribute(mapper, column))
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, date | datetime | Decimal):
            value = value.isoformat() if not isinstance(value, Decimal) else str(value)
        values.append(value)
    text = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decoded(cursor: str, keys: list[SortKey], param: str, strict: bool) -> list[Any] | None:
    """The sort values a cursor carries, typed as their columns; a cursor that is not one of
    ours is refused (the API) or shows the first page (the web)."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        raw = json.loads(text)
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError(cursor)
        return [_typed(column, value) for (column, _d), value in zip(keys, raw, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        if strict:
            raise ValidationFailed({f"{param}_after": [_("Not a cursor of this list.")]}) from None
        return None


def _typed(column: Any, value: Any) -> Any:
    kind = column.type.python_type
    if value is None:
        raise ValueError("a cursor holds no empty value")
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is bool or not isinstance(value, str | int | float):
        raise ValueError(value)
    return kind(value)


def _keyset_rows(
    ordered: Select, keys: list[SortKey], values: list[Any], asked: PageRequest
) -> tuple[list[Any], bool]:
    """The page of rows after the cursor's (or before it, read backwards and turned round),
    and whether there are more beyond them."""
    backwards = asked.after is None

    def beyond(column: Any, descending: bool, value: Any) -> Any:
        return column < value if descending != backwards else column > value

    condition = or_(
        *(
            and_(
                *(
                    column == value
                    for (column, _d), value in zip(keys[:i], values[:i], strict=True)
                ),
                beyond(keys[i][0], keys[i][1], values[i]),
            )
            for i in range(len(keys))
        )
    )
    query = ordered.where(condition)
    if backwards:
        query = query.order_by(None).order_by(
            *(column.asc() if descending else column.desc() for column, descending in keys)
        )
    rows = list(db.session.scalars(query.limit(asked.per_page + 1)).unique())
    more = len(rows) > asked.per_page
    rows = rows[: asked.per_page]
    return (rows[::-1] if backwards else rows), more


def streamed(query: Select, batch: int = EXPORT_BATCH) -> Iterator[Any]:
    """Every row of `query`, read from the database `batch` at a time (for exports): the rows
    are never all in memory at once."""
    result = db.session.execute(stably_ordered(query).execution_options(yield_per=batch))
    yield from result.scalars()
