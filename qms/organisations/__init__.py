"""Cities, agencies (OPD) and their units, and the places (kecamatan, kelurahan) of a city."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.core.features import HistoryLabels, names_by_id, register_feature
    from qms.core.registry import NavItem
    from qms.core.roles import Role
    from qms.organisations import demo, models, places, views

    places.register_checklist_kind()
    register_feature(
        app,
        __name__,
        declaring=("api",),
        registering=("policies", "days_off"),
        # before every feature's demo data, which may name the demo city's places
        demo=((demo.seed, 0),),
        nav=(
            NavItem(_l("Agencies"), "organisations.agencies", lambda user: bool(user.roles), 20),
            NavItem(
                _l("Cities"),
                "organisations.cities",
                lambda user: user.has_role(Role.SYSTEM_ADMIN, Role.CITY_ADMIN, Role.BSN_REVIEWER),
                80,
                group="admin",
            ),
        ),
        template_globals={
            "city_kind_labels": models.CityKind.labels(),
            "agency_kind_labels": models.AgencyKind.labels(),
            "unit_kind_labels": models.UnitKind.labels(),
        },
        blueprints=(views.bp,),
        # fields every feature's records share, and the names of cities, agencies, units and
        # places that history entries point to
        history=(
            HistoryLabels(
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
            ),
        ),
        history_names={
            model.__tablename__: names_by_id(model)
            for model in (models.City, models.Agency, models.Unit, models.Place)
        },
    )
