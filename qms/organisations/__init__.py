"""Cities, agencies (OPD) and their units."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.accounts.models import Role
    from qms.core.registry import NavItem, add_nav
    from qms.organisations import services, views  # noqa: F401  (services: the policies)
    from qms.organisations.models import AGENCY_KIND_LABELS, CITY_KIND_LABELS, UNIT_KIND_LABELS

    add_nav(NavItem(_l("Agencies"), "organisations.agencies", lambda user: bool(user.roles), 20))
    add_nav(
        NavItem(
            _l("Cities"),
            "organisations.cities",
            lambda user: user.has_role(Role.SYSTEM_ADMIN, Role.CITY_ADMIN, Role.BSN_REVIEWER),
            80,
        )
    )
    app.jinja_env.globals.update(
        city_kind_labels=CITY_KIND_LABELS,
        agency_kind_labels=AGENCY_KIND_LABELS,
        unit_kind_labels=UNIT_KIND_LABELS,
    )
    app.register_blueprint(views.bp)
