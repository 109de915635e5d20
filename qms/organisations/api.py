"""/api/v1 for cities, agencies and their units: the same forms, operations and policies as the
pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_login import current_user
from wtforms.validators import InputRequired

from qms.api.records import Owner, Records
from qms.api.schema import Archived, Resource
from qms.core import access
from qms.core.forms import REQUIRED, WholeNumberField
from qms.core.labels import label_of
from qms.organisations import days_off, operations, queries
from qms.organisations.forms import AgencyForm, LocalDayOffForm, UnitForm
from qms.organisations.models import (
    Agency,
    AgencyKind,
    City,
    CityKind,
    LocalDayOff,
    Unit,
    UnitKind,
)


class CityOut(Resource):
    labels_from = City

    id: int
    code: str
    name: str
    kind: CityKind
    province: str


class AgencyOut(Resource):
    labels_from = Agency

    id: int
    city_id: int
    code: str
    name: str
    kind: AgencyKind
    head_name: str
    address: str
    active: bool
    archived: Archived


class UnitOut(Resource):
    labels_from = Unit

    id: int
    agency_id: int
    parent_id: int | None
    name: str
    kind: UnitKind
    active: bool
    archived: Archived


class DayOffOut(Resource):
    labels_from = LocalDayOff

    id: int
    city_id: int
    day: date
    name: str
    archived: Archived


class AgencyInput(AgencyForm):
    """The agency form, plus the city it is created in (the pages take it from the URL)."""

    city_id = WholeNumberField(label_of(Agency, "city_id"), validators=[InputRequired(REQUIRED)])


TAG = "organisations"

cities = Records("/cities", City, CityOut, TAG, "city_id")
cities.list(
    "list_cities",
    "Cities the caller may see",
    lambda user, _filters: access.scoped(City, user).order_by(City.name, City.id),
)
cities.get("get_city", "One city")

agencies = Records("/agencies", Agency, AgencyOut, TAG, "agency_id")
agencies.list(
    "list_agencies",
    "Agencies (OPD) the caller may see",
    lambda user, _filters: access.scoped(Agency, user).order_by(Agency.name, Agency.id),
)
agencies.get("get_agency", "One agency")
agencies.create(
    "create_agency",
    "Create an agency in a city the caller administers",
    AgencyInput,
    lambda user, city, form: operations.create_agency(user, city, form.values()),
    owner=Owner(City, "city_id"),
    prepare=lambda body: {"active": True, **body},
)
agencies.update(
    "update_agency",
    "Change an agency",
    AgencyForm,
    lambda user, agency, form: operations.update(user, agency, form.values()),
)
agencies.act(
    "archive_agency",
    "archive",
    "Archive an agency (records are never deleted)",
    lambda user, agency, _form: operations.archive(user, agency),
)
agencies.children(
    "list_units",
    "units",
    "An agency's units (parent_id gives the tree)",
    queries.units_of,
    UnitOut,
)


def _unit_data(data: dict[str, Any]) -> dict[str, Any]:
    """No parent (null) is the form's 0."""
    return {**data, "parent_id": data.get("parent_id") or 0}


def _new_unit_choices(agency: Agency) -> dict[str, Any]:
    access.owner_for_create(current_user, Unit, Agency, agency.id, "agency_id")
    return {"parents": queries.parent_choices(current_user, agency, None)}


agencies.add(
    "create_unit",
    "units",
    "Create a unit in an agency",
    UnitForm,
    lambda user, agency, form: operations.create_unit(user, agency, form.values()),
    UnitOut,
    prepare=lambda body: _unit_data({"active": True, **body}),
    choices=_new_unit_choices,
)

units = Records("/units", Unit, UnitOut, TAG, "unit_id")
units.get("get_unit", "One unit")
units.update(
    "update_unit",
    "Change a unit (name, kind, parent, active)",
    UnitForm,
    lambda user, unit, form: operations.update(user, unit, form.values()),
    prepare=_unit_data,
    choices=lambda unit: {"parents": queries.parent_choices(current_user, unit.agency, unit)},
)
units.act(
    "archive_unit",
    "archive",
    "Archive a unit",
    lambda user, unit, _form: operations.archive(user, unit),
)
cities.children(
    "list_days_off",
    "days-off",
    "The city's own days off (working-day limits skip them besides weekends and the national "
    "holidays and cuti bersama)",
    days_off.listed,
    DayOffOut,
)
cities.add(
    "create_day_off",
    "days-off",
    "Add a day off of the city (its city admin)",
    LocalDayOffForm,
    lambda user, city, form: days_off.add(user, city, form.values()),
    DayOffOut,
)
Records("/days-off", LocalDayOff, DayOffOut, TAG, "day_id").act(
    "archive_day_off",
    "archive",
    "Archive a day off of the city: it counts as a working day again",
    lambda user, record, _form: days_off.archive(user, record),
)
