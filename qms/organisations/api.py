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
from qms.core.forms import REQUIRED, WholeNumberField, column_field
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

    city_id = column_field(WholeNumberField, Agency, "city_id", InputRequired(REQUIRED))


TAG = "organisations"

cities = Records("/cities", City, CityOut, TAG, "city_id")
agencies = Records("/agencies", Agency, AgencyOut, TAG, "agency_id")
units = Records("/units", Unit, UnitOut, TAG, "unit_id")


@cities.list()
def list_cities(user: Any, _filters: None) -> Any:
    """Cities the caller may see"""
    return access.scoped(City, user).order_by(City.name, City.id)


cities.get("get_city", "One city")


@agencies.list()
def list_agencies(user: Any, _filters: None) -> Any:
    """Agencies (OPD) the caller may see"""
    return access.scoped(Agency, user).order_by(Agency.name, Agency.id)


agencies.get("get_agency", "One agency")


@agencies.create(
    AgencyInput, owner=Owner(City, "city_id"), prepare=lambda body: {"active": True, **body}
)
def create_agency(user: Any, city: City, form: AgencyInput) -> Agency:
    """Create an agency in a city the caller administers"""
    return operations.create_agency(user, city, form.values())


@agencies.update(AgencyForm)
def update_agency(user: Any, agency: Agency, form: AgencyForm) -> None:
    """Change an agency"""
    operations.update(user, agency, form.values())


@agencies.act("archive")
def archive_agency(user: Any, agency: Agency, _form: None) -> None:
    """Archive an agency (records are never deleted)"""
    operations.archive(user, agency)


@agencies.children("units", UnitOut)
def list_units(user: Any, agency: Agency) -> list[Unit]:
    """An agency's units (parent_id gives the tree)"""
    return queries.units_of(user, agency)


def _unit_data(data: dict[str, Any]) -> dict[str, Any]:
    """No parent (null) is the form's 0."""
    return {**data, "parent_id": data.get("parent_id") or 0}


def _new_unit_choices(agency: Agency) -> dict[str, Any]:
    access.owner_for_create(current_user, Unit, Agency, agency.id, "agency_id")
    return {"parents": queries.parent_choices(current_user, agency, None)}


@agencies.add(
    "units",
    UnitForm,
    UnitOut,
    prepare=lambda body: _unit_data({"active": True, **body}),
    choices=_new_unit_choices,
)
def create_unit(user: Any, agency: Agency, form: UnitForm) -> Unit:
    """Create a unit in an agency"""
    return operations.create_unit(user, agency, form.values())


units.get("get_unit", "One unit")


@units.update(
    UnitForm,
    prepare=_unit_data,
    choices=lambda unit: {"parents": queries.parent_choices(current_user, unit.agency, unit)},
)
def update_unit(user: Any, unit: Unit, form: UnitForm) -> None:
    """Change a unit (name, kind, parent, active)"""
    operations.update(user, unit, form.values())


@units.act("archive")
def archive_unit(user: Any, unit: Unit, _form: None) -> None:
    """Archive a unit"""
    operations.archive(user, unit)


@cities.children("days-off", DayOffOut)
def list_days_off(user: Any, city: City) -> list[LocalDayOff]:
    """The city's own days off (working-day limits skip them besides weekends and the national
    holidays and cuti bersama)"""
    return days_off.listed(user, city)


@cities.add("days-off", LocalDayOffForm, DayOffOut)
def create_day_off(user: Any, city: City, form: LocalDayOffForm) -> LocalDayOff:
    """Add a day off of the city (its city admin)"""
    return days_off.add(user, city, form.values())


@Records("/days-off", LocalDayOff, DayOffOut, TAG, "day_id").act("archive")
def archive_day_off(user: Any, record: LocalDayOff, _form: None) -> None:
    """Archive a day off of the city: it counts as a working day again"""
    days_off.archive(user, record)
