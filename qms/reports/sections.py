"""The sections features add to the assembled reports: the agency compliance report (scope
"agency") and the city compliance summary (scope "city"), and the home-page dashboards drawn
from the same data. A feature registers its sections from its init_app; the reports package
only puts them together (see qms/reports/__init__.py for the recipe).

A section's `build(req)` returns plain data (as a report builder does). In the city scope it may
give two keyed collections that the assembly turns into the report's tables: `agencies`
({agency id: that agency's figures}) for the ranking, rendered in chunks, and `years`
({year: figures}) for the trend. Its `template` is one partial, included for every piece of
the report with `part` saying which piece is wanted; it renders nothing for a part it does not
contribute to. The partial sees `d` (the section's data), `section`, `data` (the whole
report's data: `today`, `agencies`, `years`) and `req`; a table cell also sees `row` (the
agency or year) and `own` (the section's figures for that row).

The parts asked for:
  agency report   "before", "tiles", "after" (the summary page), "chapter" (titled sections)
  city summary    "before", "tiles" (summary), "trend", "year-head", "year-cell" (the trend per
                  year), "chapter"; per slice of agencies "head", "name", "cell" (the ranking)
                  and "chunk" (below it; the slice is `chunk`)
  dashboards      "stats", "charts" (an agency's, a city's: `data.id` names the charts);
                  "national-chart", "national-head", "national-cell" (a row per city)

The national dashboard does not assemble every city's summary (that grows with the cities): a
city section that has a row there gives `national(user, agencies)`, which takes the agencies
the user may see per city ({city id: [agency ids]}) and answers every city's figures
({city id: figures}, what the "national-cell" part reads as `own`) with a fixed number of
queries whatever the number of cities."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from qms.accounts.models import User
from qms.core import access
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.reports.registry import Builder, Permission, ReportRequest


class Scope(enum.StrEnum):
    AGENCY = "agency"
    CITY = "city"


#: (user, {city id: the agency ids the user sees there}) -> {city id: figures}
NationalBuilder = Callable[[User, dict[int, list[int]]], dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class ReportSection:
    key: str
    scope: Scope
    #: the chapter's heading and contents entry (a lazy string); None: the section adds to
    #: the summary, the tables and the dashboards only
    title: Any
    order: int
    build: Builder
    #: the partial, included once per part of the report (see the module's docstring)
    template: str
    #: whether the section is in the report for this user and request; None: always
    allowed: Permission | None = None
    #: city scope: the figure of this section's `agencies` that ranks the agencies (highest
    #: first; those without it last)
    ranks: str | None = None
    #: city scope: the section's figures per city for the national dashboard (see the module's
    #: docstring); None: the section has no column there
    national: NationalBuilder | None = None
    #: city scope: the title of the chapter the section's "chunk" part makes after each slice
    #: of the ranking (e.g. the clause × agency heat map), so the contents list it; None: the
    #: part, if any, follows the ranking untitled
    chunk_title: Any = None

    def applies(self, request: ReportRequest) -> bool:
        user = request.requested_by
        return self.allowed is None or (user is not None and self.allowed(user, request))


def agency_section(feature: str, key: str, title: Any, order: int, build: Builder) -> ReportSection:
    """A chapter of the agency compliance report (with its tiles on the summary page), drawn
    by the feature's partial templates/<feature>/pdf/_agency_<key>.html."""
    return ReportSection(
        key, Scope.AGENCY, title, order, build, _partial(feature, Scope.AGENCY, key)
    )


def city_section(
    feature: str,
    key: str,
    order: int,
    build: Builder,
    *,
    title: Any = None,
    ranks: str | None = None,
    national: NationalBuilder | None = None,
    chunk_title: Any = None,
) -> ReportSection:
    """The feature's columns of the city summary's ranking (and its tiles, its trend, its
    chapter when it has a title), drawn by templates/<feature>/pdf/_city_<key>.html."""
    return ReportSection(
        key,
        Scope.CITY,
        title,
        order,
        build,
        _partial(feature, Scope.CITY, key),
        ranks=ranks,
        national=national,
        chunk_title=chunk_title,
    )


def _partial(feature: str, scope: Scope, key: str) -> str:
    return f"{feature}/pdf/_{scope}_{key}.html"


_sections: dict[tuple[Scope, str], ReportSection] = {}


def register_report_section(*sections: ReportSection) -> None:
    """Add one or more sections to the reports of their scope; the same scope and key replaces
    a registered one (create_app runs many times in one process)."""
    for section in sections:
        _sections[(Scope(section.scope), section.key)] = section


def report_sections(scope: Scope | str, keys: Iterable[str] | None = None) -> list[ReportSection]:
    """The sections of a scope in their order; with `keys`, those of an assembled report (a
    section no longer registered is left out)."""
    if keys is not None:
        found = (_sections.get((Scope(scope), key)) for key in keys)
        return [s for s in found if s is not None]
    return sorted(
        (s for (s_scope, _key), s in _sections.items() if s_scope == scope),
        key=lambda s: (s.order, s.key),
    )


def city_agency_ids(request: ReportRequest) -> list[int]:
    """The agencies of the request's city in use that its requester may see, by name: what
    the city sections count."""
    return [a.id for a in city_agencies(request)]


def city_agencies(request: ReportRequest) -> list[Agency]:
    return list(
        db.session.scalars(
            access.scoped(Agency, request.requested_by)
            .where(Agency.city_id == request.city.id)
            .order_by(Agency.name, Agency.id)
        )
    )


def agencies_by_city(user: User, city_ids: Sequence[int]) -> dict[int, list[int]]:
    """The agencies in use that the user may see in each of the cities, in one query (as
    `city_agencies` gives them for one city)."""
    found: dict[int, list[int]] = {city_id: [] for city_id in city_ids}
    query = (
        access.scoped(Agency, user)
        .where(Agency.city_id.in_(city_ids))
        .with_only_columns(Agency.city_id, Agency.id)
        .order_by(Agency.name, Agency.id)
    )
    for city_id, agency_id in db.session.execute(query):
        found[city_id].append(agency_id)
    return found


def per_city(
    agencies: dict[int, list[int]], per_agency: dict[int, Any], total: Callable[[list[Any]], Any]
) -> dict[int, Any]:
    """A national figure from a per-agency one: `total` of the figures of each city's agencies
    (those without one left out)."""
    return {
        city_id: total([per_agency[i] for i in ids if i in per_agency])
        for city_id, ids in agencies.items()
    }


def _built(scope: Scope, request: ReportRequest) -> dict[str, Any]:
    sections = [s for s in report_sections(scope) if s.applies(request)]
    return {
        "today": today(),
        "order": [s.key for s in sections],
        "sections": {s.key: s.build(request) for s in sections},
    }


def assemble_agency(request: ReportRequest) -> dict[str, Any]:
    """The agency compliance report's data: each section's under its key."""
    return _built(Scope.AGENCY, request)


def assemble_city(request: ReportRequest) -> dict[str, Any]:
    """The city summary's data: each section's under its key; the agencies in use, each with
    every section's figures for it, ranked by the ranking section's score (the agencies
    without a score last, by name); the years any section counts, oldest first."""
    data = _built(Scope.CITY, request)
    sections = report_sections(Scope.CITY, data["order"])
    per_agency = {s.key: data["sections"][s.key].pop("agencies", {}) for s in sections}
    per_year = {s.key: data["sections"][s.key].pop("years", {}) for s in sections}
    rows = [
        {
            "id": agency.id,
            "code": agency.code,
            "name": agency.name,
            "of": {key: figures.get(agency.id, {}) for key, figures in per_agency.items()},
        }
        for agency in city_agencies(request)
    ]
    ranking = next((s for s in sections if s.ranks), None)

    def score(row: dict[str, Any]) -> float | None:
        return row["of"][ranking.key].get(ranking.ranks) if ranking else None

    rows.sort(key=lambda r: (score(r) is None, -(score(r) or 0), r["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if score(row) is not None else None
    years = sorted({year for figures in per_year.values() for year in figures})
    data["agencies"] = rows
    data["years"] = [
        {"year": year, "of": {key: figures.get(year, {}) for key, figures in per_year.items()}}
        for year in years
    ]
    return data


def template_globals() -> dict[str, Any]:
    return {"report_sections": report_sections}
