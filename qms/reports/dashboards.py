"""The compliance dashboards on each role's home page: an agency's quality officer sees the
agency, city administrators and management viewers their city, BSN reviewers every city. The
figures are those of the PDF reports (qms/reports/figures.py), drawn with the same charts."""

from __future__ import annotations

from typing import Any

from qms.accounts.models import User
from qms.core import access
from qms.core.registry import HomePanel, add_home_panel
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations import queries as organisations
from qms.organisations.models import Agency
from qms.reports import figures

#: the city dashboard charts the best and the worst agencies, not all of them
RANKED_ON_HOME = 10


def agency_visible(user: User) -> bool:
    return bool(user.agency_ids(Role.QUALITY_OFFICER))


def agency_context(user: User) -> dict[str, Any]:
    day = today()
    agencies = [
        a
        for a in (db.session.get(Agency, i) for i in sorted(user.agency_ids(Role.QUALITY_OFFICER)))
        if a
    ]
    return {"boards": [(a, figures.agency_figures(a, (None, None), day)) for a in agencies]}


def city_visible(user: User) -> bool:
    return bool(user.city_ids(*access.CITY_READERS))


def city_context(user: User) -> dict[str, Any]:
    day = today()
    cities = [
        c for c in organisations.visible_cities(user) if c.id in user.city_ids(*access.CITY_READERS)
    ]
    return {
        "boards": [(c, figures.city_figures(c, user, (None, None), day)) for c in cities],
        "ranked": RANKED_ON_HOME,
    }


def national_visible(user: User) -> bool:
    return user.has_role(Role.BSN_REVIEWER)


def national_context(user: User) -> dict[str, Any]:
    return {"cities": figures.national_figures(organisations.visible_cities(user), user, today())}


def init_app() -> None:
    add_home_panel(HomePanel("reports/_home_agency.html", agency_context, agency_visible, order=20))
    add_home_panel(HomePanel("reports/_home_city.html", city_context, city_visible, order=20))
    add_home_panel(
        HomePanel("reports/_home_national.html", national_context, national_visible, order=20)
    )
