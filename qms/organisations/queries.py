"""Reading cities, agencies and units as a user may see them, the unit tree and the choices
forms offer, and the places of a city."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from qms.core import access
from qms.core.access import User
from qms.extensions import db
from qms.organisations.models import Agency, AgencyKind, City, Place, PlaceKind, Unit


def visible_cities(user: User) -> list[City]:
    return list(db.session.scalars(access.scoped(City, user).order_by(City.name)))


def visible_agencies(user: User, city: City | None = None) -> list[Agency]:
    """The agencies the user may see (of the city, when one is given), by name."""
    return list(db.session.scalars(agencies_query(user, city)))


@dataclass(frozen=True)
class AgencyChoices:
    """The agencies a list's filter offers, among the cities the user sees. A reader of
    several cities (BSN reads hundreds of agencies) chooses the city first, and `agencies` are
    then those of the chosen city only (none before a city is chosen)."""

    cities: list[City]
    agencies: list[Agency]
    city: City | None = None

    @property
    def city_first(self) -> bool:
        return len(self.cities) > 1


def agency_choices(
    user: User, city_id: int | None = None, agency_id: int | None = None
) -> AgencyChoices:
    """The choices when the list is narrowed to this city or agency (an agency chosen without
    its city, as links from other pages do, brings its city)."""
    cities = visible_cities(user)
    if len(cities) <= 1:
        return AgencyChoices(cities, visible_agencies(user), next(iter(cities), None))
    if agency_id and not city_id:
        city_id = db.session.scalar(select(Agency.city_id).where(Agency.id == agency_id))
    chosen = next((city for city in cities if city.id == city_id), None)
    return AgencyChoices(cities, visible_agencies(user, chosen) if chosen else [], chosen)


@dataclass(frozen=True)
class AgencyFilter:
    """Where a list is narrowed to: a city, an agency, both or neither."""

    city_id: int | None = None
    agency_id: int | None = None

    def narrow(self, query: Select, agency_column: Any) -> Select:
        """`query` narrowed to the rows of the city or agency (by their `agency_column`)."""
        query = in_city(query, agency_column, self.city_id)
        return query.where(agency_column == self.agency_id) if self.agency_id else query


def in_city(query: Select, agency_column: Any, city_id: int | None) -> Select:
    """`query` narrowed to the rows of the city's agencies (by their `agency_column`), when a
    city was chosen."""
    if not city_id:
        return query
    return query.where(agency_column.in_(select(Agency.id).where(Agency.city_id == city_id)))


def cities_query(user: User) -> Select:
    """The cities the user may see, by name (the cities page pages through it)."""
    return (
        access.scoped(City, user).options(selectinload(City.agencies)).order_by(City.name, City.id)
    )


def agencies_query(
    user: User,
    city: City | None = None,
    *,
    kind: AgencyKind | None = None,
    search: str = "",
    include_archived: bool = False,
) -> Select:
    """The agencies the user may see, optionally narrowed by city, kind and a search on the
    code or name (the agencies page pages through it)."""
    query = access.scoped(Agency, user, include_archived=include_archived).order_by(
        Agency.name, Agency.id
    )
    if city is not None:
        query = query.where(Agency.city_id == city.id)
    if kind is not None:
        query = query.where(Agency.kind == kind)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(Agency.name).like(pattern), func.lower(Agency.code).like(pattern))
        )
    return query


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
    it (the operation refuses those too; the list just does not offer them)."""
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


def kelurahan_by_kecamatan(city: City) -> dict[str, tuple[str, ...]]:
    """The city's kecamatan, each with its kelurahan, in the order of the loaded places file;
    empty when none is loaded for the city."""
    kecamatan = aliased(Place)
    rows = db.session.execute(
        select(kecamatan.name, Place.name)
        .join(kecamatan, Place.parent_id == kecamatan.id)
        .where(
            Place.city_id == city.id,
            Place.kind == PlaceKind.KELURAHAN,
            Place.retired_at.is_(None),
            kecamatan.retired_at.is_(None),
        )
        .order_by(kecamatan.position, Place.position)
    )
    grouped: dict[str, list[str]] = {}
    for kecamatan_name, kelurahan_name in rows:
        grouped.setdefault(kecamatan_name, []).append(kelurahan_name)
    return {name: tuple(kelurahan) for name, kelurahan in grouped.items()}


def kecamatan_of(city: City, kelurahan: str) -> str | None:
    """The kecamatan of the city a kelurahan lies in (the name compared ignoring case and
    surrounding blanks), or None for a name the loaded places do not know."""
    wanted = kelurahan.strip().casefold()
    for kecamatan, names in kelurahan_by_kecamatan(city).items():
        if any(name.casefold() == wanted for name in names):
            return kecamatan
    return None
