"""Who may see and change cities, agencies and units, and the tenancy building block every
feature's policies use: which agencies' records a user sees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute

from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, City, LocalDayOff, Place, Unit

#: who reads their own agency's records
AGENCY_READERS = (Role.QUALITY_OFFICER, Role.AGENCY_HEAD)


def agency_visibility(
    user: access.User,
    agency_column: InstrumentedAttribute,
    *,
    agency_roles: tuple[Role, ...] = AGENCY_READERS,
    city_roles: tuple[Role, ...] = access.CITY_READERS,
    national_roles: tuple[Role, ...] = access.NATIONAL_READERS,
) -> ColumnElement[bool]:
    """Records owned by an agency: national readers see all, city roles their city's agencies,
    agency roles (its quality officers and its head) their own agency."""
    if user.has_role(*national_roles):
        return true()
    conditions = []
    agency_ids = user.agency_ids(*agency_roles) if agency_roles else set()
    if agency_ids:
        conditions.append(agency_column.in_(agency_ids))
    city_ids = user.city_ids(*city_roles) if city_roles else set()
    if city_ids:
        conditions.append(agency_column.in_(select(Agency.id).where(Agency.city_id.in_(city_ids))))
    return access.any_of(conditions)


#: roles that see every agency of their city
CITY_WIDE_ROLES = (
    Role.CITY_ADMIN,
    Role.MANAGEMENT_VIEWER,
    Role.INTERNAL_AUDITOR,
    Role.COOP_OFFICER,
)


class CityPolicy(access.Policy):
    def visible(self, user: access.User):
        return access.city_visibility(user, City.id, city_roles=tuple(Role))

    def allows(self, user: access.User, action: str, record: City) -> bool:
        # a city admin keeps their city's details up to date, but a city comes and goes with
        # the system administrator
        if action in (access.CREATE, access.ARCHIVE):
            return user.has_role(Role.SYSTEM_ADMIN)
        return access.is_city_admin(user, record.id)


class AgencyPolicy(access.Policy):
    def visible(self, user: access.User):
        return agency_visibility(
            user,
            Agency.id,
            agency_roles=AGENCY_READERS,
            city_roles=CITY_WIDE_ROLES,
        )

    def allows(self, user: access.User, action: str, record: Agency) -> bool:
        return access.is_city_admin(user, record.city_id)

    def may_create_in(self, user: access.User, owner: City) -> bool:
        return access.is_city_admin(user, owner.id)


class PlacePolicy(access.Policy):
    """A city's places are read with the city; only loading the places file changes them."""

    def visible(self, user: access.User):
        return access.city_visibility(user, Place.city_id, city_roles=tuple(Role))


class LocalDayOffPolicy(access.Policy):
    """Everyone of the city reads its days off (its limits are counted with them); its city
    admin enters and archives them."""

    def visible(self, user: access.User):
        return access.city_visibility(user, LocalDayOff.city_id, city_roles=tuple(Role))

    def allows(self, user: access.User, action: str, record: LocalDayOff) -> bool:
        return access.is_city_admin(user, record.city_id)

    def may_create_in(self, user: access.User, owner: City) -> bool:
        return access.is_city_admin(user, owner.id)


def register() -> None:
    access.register_policy(City, CityPolicy())
    access.register_policy(Agency, AgencyPolicy())
    # an agency's units are read by its internal auditors too
    access.register_policy(
        Unit,
        AgencyRecordPolicy(
            Unit,
            CITY_WIDE_ROLES,
            agency_roles=(*AGENCY_READERS, Role.INTERNAL_AUDITOR),
        ),
    )
    access.register_policy(Place, PlacePolicy())
    access.register_policy(LocalDayOff, LocalDayOffPolicy())


#: who reads every agency's quality records in their city (documents, reviews, surveys, risks,
#: resources): its admin, its management viewers and its internal auditors
CITY_RECORD_READERS = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER, Role.INTERNAL_AUDITOR)


class AgencyRecordPolicy(access.Policy):
    """A record owned by an agency through `agency_id` (a risk, an instrument, a unit…): the
    agency's quality officers and its city's admin write; the `agency_roles` of the agency, the
    `city_roles` of its city and the national readers read; another agency's officer sees
    nothing."""

    def __init__(
        self,
        model: Any,
        city_roles: tuple[Role, ...] = access.CITY_READERS,
        *,
        agency_roles: tuple[Role, ...] = AGENCY_READERS,
    ) -> None:
        self.model = model
        self.city_roles = city_roles
        self.agency_roles = agency_roles

    def visible(self, user: access.User) -> ColumnElement[bool]:
        return agency_visibility(
            user, self.model.agency_id, agency_roles=self.agency_roles, city_roles=self.city_roles
        )

    def may_create_in(self, user: access.User, owner: Agency) -> bool:
        return access.manages_agency(user, owner)

    def allows(self, user: access.User, action: str, record: Any) -> bool:
        agency = record.agency or db.session.get(Agency, record.agency_id)
        return access.manages_agency(user, agency)
