"""The people a nonconformity concerns: who may take its steps, who is reminded of it."""

from __future__ import annotations

from sqlalchemy import select

from qms.accounts.models import RoleAssignment, User
from qms.capa.models import Nonconformity
from qms.core.roles import Role
from qms.extensions import db


def holders(role: Role, *, agency_id: int | None = None, city_id: int | None = None) -> list:
    """The active users holding a role in an agency or a city."""
    query = (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == role, User.active.is_(True))
    )
    if agency_id is not None:
        query = query.where(RoleAssignment.agency_id == agency_id)
    if city_id is not None:
        query = query.where(RoleAssignment.city_id == city_id)
    return list(db.session.scalars(query.order_by(User.id).distinct()))


def step_takers(nc: Nonconformity) -> list[User]:
    """Whoever may hold a role in this nonconformity's workflow: the agency's quality officers,
    the city's admins, the auditor who raised it and the follow-up auditor."""
    people = [
        *holders(Role.QUALITY_OFFICER, agency_id=nc.agency_id),
        *holders(Role.CITY_ADMIN, city_id=nc.agency.city_id),
        *(u for u in (nc.raised_by, nc.auditor) if u is not None and u.active),
    ]
    return list({u.id: u for u in people}.values())


def answerable(nc: Nonconformity) -> list[User]:
    """Who answers for the corrective action: the agency's quality officers, or the city's
    admins while the agency has none."""
    return holders(Role.QUALITY_OFFICER, agency_id=nc.agency_id) or city_admins(nc)


def city_admins(nc: Nonconformity) -> list[User]:
    return holders(Role.CITY_ADMIN, city_id=nc.agency.city_id)
