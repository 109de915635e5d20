"""The compliance dashboards on each role's home page: an agency's quality officer sees the
agency, city administrators and management viewers their city, BSN reviewers every city. Their
data is that of the assembled reports (qms/reports/sections.py) for the viewer, drawn by the
sections' own partials ("stats", "charts", "national-…" parts) with the same charts, so a number
on a dashboard is the number in the report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qms.accounts.models import User
from qms.core import access
from qms.core.registry import HomePanel, add_home_panel
from qms.core.roles import Role
from qms.extensions import db, replica_reads
from qms.organisations import queries as organisations
from qms.organisations.models import Agency, City
from qms.reports.registry import ReportRequest
from qms.reports.sections import (
    Scope,
    agencies_by_city,
    assemble_agency,
    assemble_city,
    report_sections,
)

#: the city dashboard charts the best and the worst agencies, not all of them
RANKED_ON_HOME = 10


def agency_visible(user: User) -> bool:
    return bool(user.agency_ids(Role.QUALITY_OFFICER))


def agency_context(user: User) -> dict[str, Any]:
    agencies = [
        a
        for a in (db.session.get(Agency, i) for i in sorted(user.agency_ids(Role.QUALITY_OFFICER)))
        if a
    ]
    return {
        "boards": [
            (
                a,
                {
                    "id": a.id,
                    **assemble_agency(ReportRequest(city=a.city, agency=a, requested_by=user)),
                },
            )
            for a in agencies
        ]
    }


def _city_board(city: City, user: User) -> dict[str, Any]:
    return {
        "id": city.id,
        "name": city.name,
        "ranked": RANKED_ON_HOME,
        **assemble_city(ReportRequest(city=city, requested_by=user)),
    }


def city_visible(user: User) -> bool:
    return bool(user.city_ids(*access.CITY_READERS))


def city_context(user: User) -> dict[str, Any]:
    cities = [
        c for c in organisations.visible_cities(user) if c.id in user.city_ids(*access.CITY_READERS)
    ]
    return {"boards": [(c, _city_board(c, user)) for c in cities]}


def national_visible(user: User) -> bool:
    return user.has_role(Role.BSN_REVIEWER)


def national_context(user: User) -> dict[str, Any]:
    """Each city's figures as on its city summary, one row per city with each section's
    figures under `of`, counted for all the cities at once (`ReportSection.national`)."""
    sections = [s for s in report_sections(Scope.CITY) if s.national is not None]
    cities = organisations.visible_cities(user)
    agencies = agencies_by_city(user, [c.id for c in cities])
    figures = {s.key: s.national(user, agencies) for s in sections if s.national}
    return {
        "board": {
            "order": [s.key for s in sections],
            "sections": {s.key: {} for s in sections},
            "cities": [
                {
                    "id": city.id,
                    "name": city.name,
                    "agencies": len(agencies[city.id]),
                    "of": {key: of_city[city.id] for key, of_city in figures.items()},
                }
                for city in cities
            ],
        }
    }


def _from_replica(context: Callable[[User], dict[str, Any]]) -> Callable[[User], dict[str, Any]]:
    """A dashboard's figures, read from the read replica when there is one."""

    def read(user: User) -> dict[str, Any]:
        with replica_reads():
            return context(user)

    return read


def init_app() -> None:
    for template, context, visible in (
        ("reports/_home_agency.html", agency_context, agency_visible),
        ("reports/_home_city.html", city_context, city_visible),
        ("reports/_home_national.html", national_context, national_visible),
    ):
        add_home_panel(HomePanel(template, _from_replica(context), visible, order=20))
