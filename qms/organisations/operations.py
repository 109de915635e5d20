"""Changes to cities, agencies and units: create, update, archive. Each checks the policy,
flushes and leaves the commit to the caller."""

from __future__ import annotations

from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core import access, archiving
from qms.core.access import User
from qms.core.errors import DomainError
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit

Organisation = TypeVar("Organisation", City, Agency, Unit)

#: what each kind of record takes from its form
FIELDS: dict[type, tuple[str, ...]] = {
    City: ("code", "name", "kind", "province"),
    Agency: ("code", "name", "kind", "head_name", "address", "active"),
    Unit: ("name", "kind", "active", "parent_id"),
}


def _refuse_archived(record: City | Agency | Unit) -> None:
    if record.is_archived:
        raise DomainError(_l("An archived record cannot be changed."))


def _take(record: City | Agency | Unit, values: dict[str, Any]) -> None:
    """The form's values the record takes; a code is kept in capitals."""
    for name in FIELDS[type(record)]:
        if name in values:
            setattr(record, name, values[name])
    if not isinstance(record, Unit):
        record.code = record.code.strip().upper()


def _check_city_code(city: City) -> None:
    clash = db.session.scalar(
        select(City.id).where(City.code == city.code, City.id != (city.id or 0))
    )
    if clash:
        raise DomainError(_l("A city with this code already exists."), field="code")


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


def _check_unit_parent(unit: Unit) -> None:
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id else None
    if unit.parent_id and (parent is None or parent.agency_id != unit.agency_id):
        raise DomainError(_l("The parent unit must belong to the same agency."), field="parent_id")
    while parent is not None:
        if parent.id == unit.id:
            raise DomainError(_l("A unit cannot be inside itself."), field="parent_id")
        parent = parent.parent


#: what a new or changed record must meet
_RULES = {City: _check_city_code, Agency: _check_agency_code, Unit: _check_unit_parent}


def _create(
    actor: User, record: Organisation, values: dict[str, Any], owner: City | Agency | None
) -> Organisation:
    """A new city, agency (owner: its city) or unit (owner: its agency) with its form's values;
    nothing is created in an archived owner."""
    _take(record, values)
    access.authorize(actor, access.CREATE, record)
    if owner is not None:
        _refuse_archived(owner)
    _RULES[type(record)](record)
    db.session.add(record)
    db.session.flush()
    return record


def create_city(actor: User, values: dict[str, Any]) -> City:
    return _create(actor, City(), values, owner=None)


def create_agency(actor: User, city: City, values: dict[str, Any]) -> Agency:
    return _create(actor, Agency(city_id=city.id), values, owner=city)


def create_unit(actor: User, agency: Agency, values: dict[str, Any]) -> Unit:
    return _create(actor, Unit(agency_id=agency.id), values, owner=agency)


def update(actor: User, record: Organisation, values: dict[str, Any]) -> Organisation:
    """Change a city, an agency or a unit with its form's values."""
    access.authorize(actor, access.EDIT, record)
    _refuse_archived(record)
    _take(record, values)
    _RULES[type(record)](record)
    db.session.flush()
    return record


def archive(actor: User, record: City | Agency | Unit) -> None:
    archiving.archive(actor, record, _l("This record is already archived."))
