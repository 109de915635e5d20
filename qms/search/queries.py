"""Searching the index as one user: only kinds the user may look for, only records the
model's access policy lets them see (in SQL: the entry's record id in the policy's scoped
SELECT), ranked, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask import url_for
from sqlalchemy import ColumnElement, and_, func, select

from qms.core import access
from qms.core.pagination import Page, PageRequest, page_of
from qms.core.search import Searchable, searchable_kinds, searchables
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.search.fulltext import cleaned, matched
from qms.search.models import SearchEntry

PER_PAGE = 20
#: the highest page asked for (a page beyond the results is empty)
MAX_PAGE = 50


@dataclass(frozen=True)
class Hit:
    kind: str
    label: Any
    record_id: int
    code: str
    title: str
    url: str
    #: the agency or city the record lies in ("Dinas Kesehatan · Kota Kupang"), if any
    place: str


@dataclass
class Results:
    query: str
    kind: str
    page: int
    hits: list[Hit] = field(default_factory=list)
    #: kind -> how many entries of it the user may see match (every kind, whatever `kind`)
    counts: dict[str, int] = field(default_factory=dict)
    more: bool = False
    #: the page of hits as every list pages (the `pager` macro shows it), when anything matched
    pages: Page | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def groups(self) -> list[tuple[Searchable, list[Hit]]]:
        """This page's hits by kind, the kinds in their order."""
        return [
            (searchable, [hit for hit in self.hits if hit.kind == searchable.kind])
            for searchable in searchable_kinds()
            if any(hit.kind == searchable.kind for hit in self.hits)
        ]

    @property
    def kinds(self) -> list[tuple[Searchable, int]]:
        return [(s, self.counts[s.kind]) for s in searchable_kinds() if self.counts.get(s.kind)]


def kinds_for(user: Any) -> list[Searchable]:
    return [s for s in searchable_kinds() if s.available(user)]


def visible_entries(user: Any, kinds: list[Searchable]) -> ColumnElement[bool]:
    """The entries of records the user may see: per kind, the record id in the ids the
    model's policy selects for the user (archived records left out, as in every list)."""
    conditions = []
    for searchable in kinds:
        visible = access.scoped(searchable.model, user).subquery()
        conditions.append(
            and_(
                SearchEntry.kind == searchable.kind,
                SearchEntry.record_id.in_(select(visible.c.id)),
            )
        )
    return access.any_of(conditions)


def search(user: Any, query: str, kind: str = "", page: int = 1) -> Results:
    """The `page`-th page of what `query` finds of `kind` (every kind the user may look for
    when empty), PER_PAGE hits a page, pages beyond MAX_PAGE not served."""
    query = cleaned(query)
    kinds = kinds_for(user)
    if kind not in {s.kind for s in kinds}:
        kind = ""
    page = min(max(page, 1), MAX_PAGE)
    results = Results(query=query, kind=kind, page=page)
    dialect = db.engine.dialect.name
    base = matched(select(SearchEntry), dialect, query)
    if base is None or not kinds:
        return results
    stmt, rank = base
    stmt = stmt.where(visible_entries(user, kinds))
    counted = stmt.with_only_columns(SearchEntry.kind, func.count()).group_by(SearchEntry.kind)
    results.counts = dict(db.session.execute(counted).tuples().all())
    if kind:
        stmt = stmt.where(SearchEntry.kind == kind)
    found = page_of(
        stmt.order_by(rank.desc(), SearchEntry.kind, SearchEntry.record_id.desc()),
        PageRequest(page=page, per_page=PER_PAGE),
        endpoint="search.index",
        total=results.counts.get(kind, 0) if kind else results.total,
    )
    results.hits = _hits(list(found.items))
    # the pages served end at MAX_PAGE: the pager offers no page beyond it
    results.pages = replace(found, items=results.hits, total=min(found.total, MAX_PAGE * PER_PAGE))
    results.more = found.has_next and page < MAX_PAGE
    return results


def _hits(entries: list[SearchEntry]) -> list[Hit]:
    places = _places(entries)
    hits = []
    for entry in entries:
        searchable = searchables[entry.kind]
        hits.append(
            Hit(
                kind=entry.kind,
                label=searchable.label,
                record_id=entry.record_id,
                code=entry.code,
                title=entry.title,
                url=url_for(searchable.endpoint, **{searchable.url_arg: entry.record_id}),
                place=places.get(("agency", entry.agency_id))
                or places.get(("city", entry.city_id))
                or "",
            )
        )
    return hits


def _places(entries: list[SearchEntry]) -> dict[tuple[str, int | None], str]:
    """The names of the agencies and cities of the entries, in one query each."""
    agency_ids = {e.agency_id for e in entries if e.agency_id}
    city_ids = {e.city_id for e in entries if e.city_id and not e.agency_id}
    names: dict[tuple[str, int | None], str] = {}
    if agency_ids:
        rows = db.session.execute(
            select(Agency.id, Agency.name, City.name)
            .join(City, City.id == Agency.city_id)
            .where(Agency.id.in_(agency_ids))
        )
        names |= {("agency", id_): f"{agency} · {city}" for id_, agency, city in rows}
    if city_ids:
        rows = db.session.execute(select(City.id, City.name).where(City.id.in_(city_ids)))
        names |= {("city", id_): name for id_, name in rows}
    return names
