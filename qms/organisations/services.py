"""Cities, agencies and units: who may see and change them, and the changes themselves."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from qms.core import access
from qms.core.access import User
from qms.core.errors import DomainError
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import Agency, AgencyKind, City, Unit


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


def create_city(actor: User, values: dict[str, Any]) -> City:
    city = City()
    _apply(city, values, CITY_FIELDS)
    city.code = city.code.strip().upper()
    access.authorize(actor, access.CREATE, city)
    if db.session.scalar(select(City.id).where(City.code == city.code)):
        raise DomainError(_l("A city with this code already exists."), field="code")
    db.session.add(city)
    db.session.flush()
    return city


def update_city(actor: User, city: City, values: dict[str, Any]) -> City:
    access.authorize(actor, access.EDIT, city)
    _refuse_archived(city)
    _apply(city, values, CITY_FIELDS)
    city.code = city.code.strip().upper()
    if db.session.scalar(select(City.id).where(City.code == city.code, City.id != city.id)):
        raise DomainError(_l("A city with this code already exists."), field="code")
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


def visible_cities(user: User) -> list[City]:
    return list(db.session.scalars(access.scoped(City, user).order_by(City.name)))


def visible_agencies(
    user: User,
    city: City | None = None,
    *,
    kind: AgencyKind | None = None,
    search: str = "",
    include_archived: bool = False,
) -> list[Agency]:
    """The agencies the user may see, optionally narrowed by city, kind and a search on the
    code or name."""
    query = access.scoped(Agency, user, include_archived=include_archived).order_by(Agency.name)
    if city is not None:
        query = query.where(Agency.city_id == city.id)
    if kind is not None:
        query = query.where(Agency.kind == kind)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(Agency.name).like(pattern), func.lower(Agency.code).like(pattern))
        )
    return list(db.session.scalars(query))


def cities_managed_by(user: User) -> list[City]:
    """Cities whose agencies the user may create and change."""
    return [c for c in visible_cities(user) if access.is_city_admin(user, c.id)]


def units_of(user: User, agency: Agency, *, include_archived: bool = False) -> list[Unit]:
    """The agency's units the user may see, parents before children, by name."""
    query = (
        access.scoped(Unit, user, include_archived=include_archived)
        .where(Unit.agency_id == agency.id)
        .order_by(Unit.name)
    )
    return list(db.session.scalars(query))


def unit_tree(units: list[Unit]) -> list[tuple[Unit, int]]:
    """(unit, depth) in tree order; a unit whose parent is not in the list starts a branch."""
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def parent_choices(user: User, agency: Agency, unit: Unit | None = None) -> list[tuple[int, str]]:
    """Units a unit may be placed in: the agency's, except the unit itself and what lies inside
    it (the service refuses those too; the list just does not offer them)."""
    units = units_of(user, agency)
    excluded: set[int] = set()
    if unit is not None and unit.id is not None:
        children: dict[int | None, list[int]] = {}
        for candidate in units:
            children.setdefault(candidate.parent_id, []).append(candidate.id)
        stack = [unit.id]
        while stack:
            current = stack.pop()
            excluded.add(current)
            stack.extend(children.get(current, []))
    return [
        (u.id, "\u00a0\u00a0" * depth + u.name)
        for u, depth in unit_tree(units)
        if u.id not in excluded
    ]
