"""Who may see and manage user accounts, and which roles an administrator may grant or revoke."""

from __future__ import annotations

from sqlalchemy import select, true

from qms.accounts.models import RoleAssignment, User
from qms.core import access
from qms.core.roles import NATIONAL_ROLES, Role


def grantable_roles(actor: User) -> list[Role]:
    """Roles the actor may hand out: everything for a system admin, a city admin only the
    roles scoped to their city."""
    if actor.has_role(Role.SYSTEM_ADMIN):
        return list(Role)
    if actor.has_role(Role.CITY_ADMIN):
        return [r for r in Role if r not in NATIONAL_ROLES]
    return []


def may_grant(actor: User, assignment: RoleAssignment) -> bool:
    if actor.has_role(Role.SYSTEM_ADMIN):
        return True
    return (
        assignment.role not in NATIONAL_ROLES
        and assignment.city_id is not None
        and assignment.city_id in actor.city_ids(Role.CITY_ADMIN)
    )


def is_own_admin_role(actor: User, assignment: RoleAssignment) -> bool:
    return assignment.user_id == actor.id and assignment.role in (
        Role.SYSTEM_ADMIN,
        Role.CITY_ADMIN,
    )


def may_revoke(actor: User, assignment: RoleAssignment) -> bool:
    return may_grant(actor, assignment) and not is_own_admin_role(actor, assignment)


class UserPolicy(access.Policy):
    """System admins see and manage everyone. City admins see the users holding a role in their
    city and manage those whose every role lies in their city (never a national role)."""

    def visible(self, user: User):
        if user.has_role(Role.SYSTEM_ADMIN):
            return true()
        city_ids = user.city_ids(Role.CITY_ADMIN)
        conditions = [User.id == user.id]
        if city_ids:
            conditions.append(
                User.id.in_(
                    select(RoleAssignment.user_id).where(RoleAssignment.city_id.in_(city_ids))
                )
            )
        return access.any_of(conditions)

    def allows(self, user: User, action: str, record: User) -> bool:
        if user.has_role(Role.SYSTEM_ADMIN):
            return True
        if not user.has_role(Role.CITY_ADMIN):
            return False
        if action == access.CREATE:
            return True
        own_cities = user.city_ids(Role.CITY_ADMIN)
        return bool(record.roles) and all(
            a.role not in NATIONAL_ROLES and a.city_id in own_cities for a in record.roles
        )


def register() -> None:
    access.register_policy(User, UserPolicy())
