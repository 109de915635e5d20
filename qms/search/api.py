"""GET /api/v1/search: the header's search as JSON, limited as the page is."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from qms.api.core import api_route, ok
from qms.api.schema import Resource
from qms.search import queries
from qms.search.forms import SearchForm


class SearchHitOut(Resource):
    """One record found: its kind, code or number, title and page."""

    kind: str
    record_id: int
    code: str
    title: str
    url: str
    place: str

    @classmethod
    def of(cls, hit: queries.Hit) -> SearchHitOut:
        return cls.from_record(hit)


class SearchResultsOut(Resource):
    """One page of the records found that the caller may see, the best first, with how many
    of each kind match in all."""

    query: str
    kind: str
    page: int
    more: bool
    counts: dict[str, int]
    hits: list[SearchHitOut]

    @classmethod
    def of(cls, results: queries.Results) -> SearchResultsOut:
        return cls.from_record(results, hits=[SearchHitOut.of(hit) for hit in results.hits])


@api_route(
    "/search",
    summary="Search document codes and titles, nonconformity and audit numbers, small "
    "businesses (NIB, name), plans and people the caller may see (q; kind, page)",
    tag="search",
    query=SearchForm,
    response=SearchResultsOut,
)
def search():
    query, kind, page = SearchForm(request.args).values()
    return ok(SearchResultsOut.of(queries.search(current_user, query, kind, page)))
