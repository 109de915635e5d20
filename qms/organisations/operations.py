"""Changes to cities, agencies and units: create, update, archive. Each checks the policy,
flushes and leaves the commit to the caller."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core import access
from qms.core.access import User
from qms.core.errors import DomainError
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit


def _refuse_archived(record: City | Agency | Unit) -> None:
    if record.is_archived:
        raise DomainError(_l("An archived record cannot be changed."))


def _apply(record: Any, values: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in values:
            setattr(record, name, values[name])


CITY_FIELDS = ("code", "name", "kind", "province")
AGENCY_FIELDS = ("code", "name", "kind", "head_name", "address", "active")
UNIT_FIELDS = ("name", "kind", "active", "parent_id")


def _check_city_code(city: City) -> None:
    clash = db.session.scalar(
        select(City.id).where(City.code == city.code, City.id != (city.id or 0))
    )
    if clash:
        raise DomainError(_l("A city with this code already exists."), field="code")


def create_city(actor: User, values: dict[str, Any]) -> City:
    city = City()
    _apply(city, values, CITY_FIELDS)
    city.code = city.code.strip().upper()
    access.authorize(actor, access.CREATE, city)
    _check_city_code(city)
    db.session.add(city)
    db.session.flush()
    return city


def update_city(actor: User, city: City, values: dict[str, Any]) -> City:
    access.authorize(actor, access.EDIT, city)
    _refuse_archived(city)
    _apply(city, values, CITY_FIELDS)
    city.code = city.code.strip().upper()
    _check_city_code(city)
    db.session.flush()
    return city


def _check_agency_code(agency: Agency) -> None:
    clash = db.session.scalar(
        select(Agency.id).where(
            Agency.city_id == agency.city_id,
            Agency.code == agency.code,
            Agency.id != (agency.id or 0),
        )
    )
    if clash:
        raise DomainError(_l("Another agency of this city has this code."), field="code")


def create_agency(actor: User, city: City, values: dict[str, Any]) -> Agency:
    agency = Agency(city_id=city.id)
    _apply(agency, values, AGENCY_FIELDS)
    agency.code = agency.code.strip().upper()
    access.authorize(actor, access.CREATE, agency)
    _refuse_archived(city)
    _check_agency_code(agency)
    db.session.add(agency)
    db.session.flush()
    return agency


def update_agency(actor: User, agency: Agency, values: dict[str, Any]) -> Agency:
    access.authorize(actor, access.EDIT, agency)
    _refuse_archived(agency)
    _apply(agency, values, AGENCY_FIELDS)
    agency.code = agency.code.strip().upper()
    _check_agency_code(agency)
    db.session.flush()
    return agency


def archive(actor: User, record: City | Agency | Unit) -> None:
    access.authorize(actor, access.ARCHIVE, record)
    if record.is_archived:
        raise DomainError(_l("This record is already archived."))
    record.archived_at = utcnow()
    record.archived_by_id = actor.id
    db.session.flush()


def _check_unit_parent(unit: Unit) -> None:
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id else None
    if unit.parent_id and (parent is None or parent.agency_id != unit.agency_id):
        raise DomainError(_l("The parent unit must belong to the same agency."), field="parent_id")
    while parent is not None:
        if parent.id == unit.id:
            raise DomainError(_l("A unit cannot be inside itself."), field="parent_id")
        parent = parent.parent


def create_unit(actor: User, agency: Agency, values: dict[str, Any]) -> Unit:
    unit = Unit(agency_id=agency.id)
    _apply(unit, values, UNIT_FIELDS)
    access.authorize(actor, access.CREATE, unit)
    _refuse_archived(agency)
    _check_unit_parent(unit)
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(actor: User, unit: Unit, values: dict[str, Any]) -> Unit:
    access.authorize(actor, access.EDIT, unit)
    _refuse_archived(unit)
    _apply(unit, values, UNIT_FIELDS)
    _check_unit_parent(unit)
    db.session.flush()
    return unit
