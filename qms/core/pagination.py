"""One way to page through a list, for the pages and the API alike: `paginate(query)` reads
`?page=` and `?per_page=` from the request (a default and a maximum page size), counts the
whole list once, orders it stably (the primary key breaks ties, so that no row is shown twice
or skipped between pages) and gives a `Page`: its rows, the total and the links to the pages
before and after, which keep the request's other arguments (the filters). Templates show it
with `pager(page)` from templates/_macros/lists.html.

Every list in the app is read through here: no list stops at a fixed number of rows without a
way to the next page."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, inspect, select

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

    def url(self, page: int) -> str:
        """The address of another page of the same list, with the same filters."""
        arguments: dict[str, Any] = {
            key: values if len(values) > 1 else values[0]
            for key, values in request.args.lists()
            if key != self.param
        }
        if page > 1:
            arguments[self.param] = page
        endpoint = self.endpoint or request.endpoint or ""
        view_args = dict(self.view_args) if self.endpoint else dict(request.view_args or {})
        return url_for(endpoint, **view_args, **arguments)

    @property
    def previous_url(self) -> str | None:
        return self.url(min(self.page - 1, self.pages)) if self.has_previous else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.has_next else None


def paginate(
    query: Select,
    *,
    per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
    strict: bool = False,
    scalars: bool = True,
    param: str = "page",
    endpoint: str | None = None,
    **view_args: Any,
) -> Page:
    """The page of `query` the request asks for (see `page_request`), stably ordered, with the
    total. `scalars=False` gives rows of several columns instead of single entities. `param`
    names the page's argument when one page shows two lists. `endpoint` (and its path
    arguments) when the links should go elsewhere than the current page."""
    asked = page_request(per_page=per_page, max_per_page=max_per_page, strict=strict, param=param)
    return page_of(query, asked, scalars=scalars, param=param, endpoint=endpoint, **view_args)


def page_of(
    query: Select,
    asked: PageRequest,
    *,
    scalars: bool = True,
    param: str = "page",
    endpoint: str | None = None,
    **view_args: Any,
) -> Page:
    """One given page of `query` (see `paginate`)."""
    ordered = stably_ordered(query).limit(asked.per_page).offset(asked.offset)
    result = db.session.execute(ordered)
    items = list(result.scalars().unique()) if scalars else list(result)
    # when the whole list is on its first page, there is nothing more to count
    whole = asked.page == 1 and len(items) < asked.per_page
    total = len(items) if whole else count_of(query)
    return Page(
        items=items,
        page=asked.page,
        per_page=asked.per_page,
        total=total,
        param=param,
        endpoint=endpoint,
        view_args=tuple(sorted(view_args.items())),
    )


def streamed(query: Select, batch: int = EXPORT_BATCH) -> Iterator[Any]:
    """Every row of `query`, read from the database `batch` at a time (for exports): the rows
    are never all in memory at once."""
    result = db.session.execute(stably_ordered(query).execution_options(yield_per=batch))
    yield from result.scalars()
