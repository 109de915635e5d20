"""The one place that answers "may this user do this to this record" and "what may they see".

Each feature registers a Policy for each of its models. Views and the API never filter by agency
by hand: listings go through `scoped()`, single records through `get_visible()`, and changes
through `authorize()` (or the services, which call it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from qms.core.errors import PermissionDenied
from qms.core.roles import Role
from qms.extensions import db

M = TypeVar("M")


class User(Protocol):
    """What a policy asks of the person acting (the accounts feature's User answers it)."""

    id: int
    is_authenticated: bool
    is_active: bool
    is_read_only: bool

    def has_role(self, *roles: Role) -> bool: ...

    def city_ids(self, *roles: Role) -> set[int]: ...

    def agency_ids(self, *roles: Role) -> set[int]: ...

VIEW = "view"
CREATE = "create"
EDIT = "edit"
ARCHIVE = "archive"

NATIONAL_READERS = (Role.SYSTEM_ADMIN, Role.BSN_REVIEWER)
CITY_READERS = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER)


class Policy:
    """Answers for one model. `visible` is the SQL truth of who may see a record."""

    def visible(self, user: User) -> ColumnElement[bool]:
        return false()

    def allows(self, user: User, action: str, record: Any) -> bool:
        return False


_policies: dict[type, Policy] = {}


def register_policy(model: type, policy: Policy) -> None:
    _policies[model] = policy


def policy_for(model: type) -> Policy:
    for klass in model.__mro__:
        if klass in _policies:
            return _policies[klass]
    raise LookupError(f"No access policy registered for {model.__name__}")


def _usable(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can(user: Any, action: str, record: Any) -> bool:
    if not _usable(user):
        return False
    if action == VIEW:
        return is_visible(user, record)
    if user.is_read_only:
        return False
    return policy_for(type(record)).allows(user, action, record)


def authorize(user: Any, action: str, record: Any) -> None:
    """Raise PermissionDenied unless the user may take the action on the record."""
    if not can(user, action, record):
        raise PermissionDenied("You are not allowed to do this.")


def scoped(model: type[M], user: Any, *, include_archived: bool = False) -> Select[tuple[M]]:
    """A SELECT of the model limited to what the user may see."""
    query = select(model)
    if not _usable(user):
        return query.where(false())
    query = query.where(policy_for(model).visible(user))
    if not include_archived and hasattr(model, "archived_at"):
        query = query.where(model.archived_at.is_(None))
    return query


def is_visible(user: Any, record: Any) -> bool:
    model = type(record)
    if record.id is None:
        return False
    stmt = select(model.id).where(model.id == record.id, policy_for(model).visible(user))
    return db.session.scalar(stmt) is not None


def get_visible(model: type[M], record_id: Any, user: Any) -> M:
    """The record if the user may see it; 404 otherwise (its existence is not revealed)."""
    record = db.session.get(model, record_id) if str(record_id).isdigit() else None
    if record is None or not _usable(user) or not is_visible(user, record):
        abort(404)
    return record


# --- building blocks for policies --------------------------------------------------------


def any_of(conditions: Iterable[ColumnElement[bool]]) -> ColumnElement[bool]:
    conditions = list(conditions)
    if not conditions:
        return false()
    return or_(*conditions)


def city_visibility(
    user: User,
    city_column: InstrumentedAttribute,
    *,
    city_roles: tuple[Role, ...],
    national_roles: tuple[Role, ...] = NATIONAL_READERS,
) -> ColumnElement[bool]:
    if user.has_role(*national_roles):
        return true()
    city_ids = user.city_ids(*city_roles)
    return city_column.in_(city_ids) if city_ids else false()


def is_city_admin(user: User, city_id: int | None) -> bool:
    return user.has_role(Role.SYSTEM_ADMIN) or (
        city_id is not None and city_id in user.city_ids(Role.CITY_ADMIN)
    )


def manages_agency(user: User, agency: Any) -> bool:
    """The agency's own quality officer, its city's admin, or a system admin."""
    return is_city_admin(user, agency.city_id) or agency.id in user.agency_ids(Role.QUALITY_OFFICER)
