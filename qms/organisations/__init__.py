"""Cities, agencies (OPD) and their units, and the places (kecamatan, kelurahan) of a city."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.core.registry import NavItem, add_demo_seeder, add_nav
    from qms.core.roles import Role
    from qms.organisations import (  # noqa: F401  (api: routes)
        api,
        days_off,
        demo,
        places,
        policies,
        views,
    )
    from qms.organisations.models import AGENCY_KIND_LABELS, CITY_KIND_LABELS, UNIT_KIND_LABELS

    policies.register()
    days_off.register()
    places.register_checklist_kind()
    # before every feature's demo data, which may name the demo city's places
    add_demo_seeder(demo.seed, order=0)
    add_nav(NavItem(_l("Agencies"), "organisations.agencies", lambda user: bool(user.roles), 20))
    add_nav(
        NavItem(
            _l("Cities"),
            "organisations.cities",
            lambda user: user.has_role(Role.SYSTEM_ADMIN, Role.CITY_ADMIN, Role.BSN_REVIEWER),
            80,
            group="admin",
        )
    )
    app.jinja_env.globals.update(
        city_kind_labels=CITY_KIND_LABELS,
        agency_kind_labels=AGENCY_KIND_LABELS,
        unit_kind_labels=UNIT_KIND_LABELS,
    )
    app.register_blueprint(views.bp)
    _register_history_labels()


def _register_history_labels() -> None:
    """Fields every feature's records share, and the names of cities, agencies, units and places
    that history entries point to."""
    from qms.core.features import names_by_id
    from qms.core.registry import add_history_labels, add_history_resolver
    from qms.organisations import models

    add_history_labels(
        fields={
            "city_id": _l("City"),
            "agency_id": _l("Agency"),
            "code": _l("Code"),
            "name": _l("Name"),
            "title": _l("Title"),
            "kind": _l("Kind"),
            "status": _l("Status"),
            "address": _l("Address"),
            "active": _l("Active"),
        },
        # the action ("archived", "restored") and its time say it
        hidden={"archived_at"},
    )
    for model in (models.City, models.Agency, models.Unit, models.Place):
        add_history_resolver(model.__tablename__, names_by_id(model))
