"""/api/v1 for cities, agencies and their units: the same forms, operations and policies as the
pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_login import current_user
from wtforms.validators import InputRequired

from qms.api.core import (
    api_children,
    api_record,
    api_route,
    json_body,
    ok,
    paginate,
    patched,
    validate_form,
)
from qms.api.schema import Resource
from qms.core import access
from qms.core.forms import REQUIRED, WholeNumberField
from qms.core.labels import label_of
from qms.extensions import db
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
    archived: bool

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        return cls.from_record(agency, archived=agency.is_archived)


class UnitOut(Resource):
    labels_from = Unit

    id: int
    agency_id: int
    parent_id: int | None
    name: str
    kind: UnitKind
    active: bool
    archived: bool

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        return cls.from_record(unit, archived=unit.is_archived)


class DayOffOut(Resource):
    labels_from = LocalDayOff

    id: int
    city_id: int
    day: date
    name: str
    archived: bool

    @classmethod
    def of(cls, record: LocalDayOff) -> DayOffOut:
        return cls.from_record(record, archived=record.is_archived)


class AgencyInput(AgencyForm):
    """The agency form, plus the city it is created in (the pages take it from the URL)."""

    city_id = WholeNumberField(label_of(Agency, "city_id"), validators=[InputRequired(REQUIRED)])


@api_route(
    "/cities",
    summary="Cities the caller may see",
    tag="organisations",
    response=CityOut,
    paged=True,
)
def list_cities():
    return paginate(access.scoped(City, current_user).order_by(City.name, City.id), CityOut)


api_record("get_city", "/cities/<int:city_id>", City, CityOut, "One city", "organisations")


@api_route(
    "/agencies",
    summary="Agencies (OPD) the caller may see",
    tag="organisations",
    response=AgencyOut,
    paged=True,
)
def list_agencies():
    query = access.scoped(Agency, current_user).order_by(Agency.name, Agency.id)
    return paginate(query, AgencyOut)


api_record(
    "get_agency", "/agencies/<int:agency_id>", Agency, AgencyOut, "One agency", "organisations"
)


@api_route(
    "/agencies",
    ("POST",),
    summary="Create an agency in a city the caller administers",
    tag="organisations",
    body=AgencyInput,
    response=AgencyOut,
    status=201,
)
def create_agency():
    form = validate_form(AgencyInput, {"active": True, **json_body()})
    city = access.owner_for_create(current_user, Agency, City, form.city_id.data, "city_id")
    agency = operations.create_agency(current_user, city, form.values())
    db.session.commit()
    return ok(AgencyOut.of(agency))


@api_route(
    "/agencies/<int:agency_id>",
    ("PATCH",),
    summary="Change an agency",
    tag="organisations",
    body=AgencyForm,
    response=AgencyOut,
)
def update_agency(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    access.authorize(current_user, access.EDIT, agency)
    form = validate_form(AgencyForm, patched(AgencyOut.of(agency), json_body()))
    operations.update(current_user, agency, form.values())
    db.session.commit()
    return ok(AgencyOut.of(agency))


@api_route(
    "/agencies/<int:agency_id>/archive",
    ("POST",),
    summary="Archive an agency (records are never deleted)",
    tag="organisations",
    response=AgencyOut,
)
def archive_agency(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    operations.archive(current_user, agency)
    db.session.commit()
    return ok(AgencyOut.of(agency))


api_children(
    "list_units",
    "/agencies/<int:agency_id>/units",
    Agency,
    lambda user, agency: queries.units_of(user, agency),
    UnitOut,
    "An agency's units (parent_id gives the tree)",
    "organisations",
)


def _unit_form(agency: Agency, data: dict[str, Any], unit: Unit | None = None) -> UnitForm:
    parents = queries.parent_choices(current_user, agency, unit)
    return validate_form(
        UnitForm, {**data, "parent_id": data.get("parent_id") or 0}, parents=parents
    )


@api_route(
    "/agencies/<int:agency_id>/units",
    ("POST",),
    summary="Create a unit in an agency",
    tag="organisations",
    body=UnitForm,
    response=UnitOut,
    status=201,
)
def create_unit(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    access.owner_for_create(current_user, Unit, Agency, agency.id, "agency_id")
    form = _unit_form(agency, {"active": True, **json_body()})
    unit = operations.create_unit(current_user, agency, form.values())
    db.session.commit()
    return ok(UnitOut.of(unit))


api_record("get_unit", "/units/<int:unit_id>", Unit, UnitOut, "One unit", "organisations")


@api_route(
    "/units/<int:unit_id>",
    ("PATCH",),
    summary="Change a unit (name, kind, parent, active)",
    tag="organisations",
    body=UnitForm,
    response=UnitOut,
)
def update_unit(unit_id: int):
    unit = access.get_visible(Unit, unit_id, current_user)
    access.authorize(current_user, access.EDIT, unit)
    form = _unit_form(unit.agency, patched(UnitOut.of(unit), json_body()), unit)
    operations.update(current_user, unit, form.values())
    db.session.commit()
    return ok(UnitOut.of(unit))


@api_route(
    "/units/<int:unit_id>/archive",
    ("POST",),
    summary="Archive a unit",
    tag="organisations",
    response=UnitOut,
)
def archive_unit(unit_id: int):
    unit = access.get_visible(Unit, unit_id, current_user)
    operations.archive(current_user, unit)
    db.session.commit()
    return ok(UnitOut.of(unit))


api_children(
    "list_days_off",
    "/cities/<int:city_id>/days-off",
    City,
    lambda user, city: days_off.listed(user, city),
    DayOffOut,
    "The city's own days off (working-day limits skip them besides weekends and the national "
    "holidays and cuti bersama)",
    "organisations",
)


@api_route(
    "/cities/<int:city_id>/days-off",
    ("POST",),
    summary="Add a day off of the city (its city admin)",
    tag="organisations",
    body=LocalDayOffForm,
    response=DayOffOut,
    status=201,
)
def create_day_off(city_id: int):
    city = access.get_visible(City, city_id, current_user)
    form = validate_form(LocalDayOffForm, json_body())
    record = days_off.add(current_user, city, form.values())
    db.session.commit()
    return ok(DayOffOut.of(record))


@api_route(
    "/days-off/<int:day_id>/archive",
    ("POST",),
    summary="Archive a day off of the city: it counts as a working day again",
    tag="organisations",
    response=DayOffOut,
)
def archive_day_off(day_id: int):
    record = access.get_visible(LocalDayOff, day_id, current_user)
    days_off.archive(current_user, record)
    db.session.commit()
    return ok(DayOffOut.of(record))
