"""The compliance dashboards on each role's home page: an agency's quality officer sees the
agency, city administrators and management viewers their city, BSN reviewers every city. Their
data is that of the assembled reports (qms/reports/sections.py) for the viewer, drawn by the
sections' own partials ("stats", "charts", "national-…" parts) with the same charts, so a number
on a dashboard is the number in the report."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import get_locale

from qms.accounts.models import User
from qms.core import access
from qms.core.registry import HomePanel, add_home_panel
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.extensions import db, replica_reads
from qms.organisations import queries as organisations
from qms.organisations.models import Agency, City
from qms.reports.archive import change_mark
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
#: how many computed dashboards a process keeps (one per user and dashboard)
KEPT_DASHBOARDS = 500


class Named(NamedTuple):
    """What a dashboard shows of its agency or city: kept between requests, unlike a row."""

    id: int
    name: str


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
                Named(a.id, a.name),
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
    return {"boards": [(Named(c.id, c.name), _city_board(c, user)) for c in cities]}


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


class Remembered:
    """A dashboard computed once and served again until anything it reads changes: the key is
    the user with their roles, the language and the day (figures count "overdue" as of today),
    and the value is kept with the report archive's change mark (`change_mark`, one query),
    which moves with every change a report or dashboard could show. A process keeps the
    `KEPT_DASHBOARDS` last used; each process computes its own, so several app servers stay
    correct without sharing anything (DASHBOARD_MEMO=0 computes every time)."""

    def __init__(self, context: Callable[[User], dict[str, Any]]) -> None:
        self.context = context
        self.kept: OrderedDict[tuple[Any, ...], tuple[list[int | None], dict[str, Any]]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()

    def __call__(self, user: User) -> dict[str, Any]:
        if not current_app.config["DASHBOARD_MEMO"]:
            return self.context(user)
        roles = tuple(sorted((str(r.role), r.city_id or 0, r.agency_id or 0) for r in user.roles))
        key = (user.id, roles, str(get_locale()), today())
        mark = change_mark()
        with self.lock:
            kept = self.kept.get(key)
            if kept is not None and kept[0] == mark:
                self.kept.move_to_end(key)
                return kept[1]
        value = self.context(user)
        with self.lock:
            self.kept[key] = (mark, value)
            while len(self.kept) > KEPT_DASHBOARDS:
                self.kept.popitem(last=False)
        return value


def init_app() -> None:
    for template, context, visible in (
        ("reports/_home_agency.html", agency_context, agency_visible),
        ("reports/_home_city.html", city_context, city_visible),
        ("reports/_home_national.html", national_context, national_visible),
    ):
        add_home_panel(HomePanel(template, _from_replica(Remembered(context)), visible, order=20))
