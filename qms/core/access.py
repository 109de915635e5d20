"""The one place that answers "may this user do this to this record" and "what may they see".

Each feature registers a Policy for each of its models. Views and the API never filter by agency
by hand: listings go through `scoped()`, single records through `get_visible()`, and changes
through `authorize()` (or the services, which call it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from qms.core.errors import PermissionDenied, ValidationFailed
from qms.core.inputs import MAX_ID
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

NOT_HERE = _l("You may not add a record there: choose one of the options offered to you.")


class Policy:
    """Answers for one model. `visible` is the SQL truth of who may see a record."""

    def visible(self, user: User) -> ColumnElement[bool]:
        return false()

    def allows(self, user: User, action: str, record: Any) -> bool:
        return False

    def may_create_in(self, user: User, owner: Any) -> bool:
        """Whether the user may create a record of this model in `owner` (an agency, a city)."""
        return False


class ChildPolicy(Policy):
    """A record inside a parent record (a risk's treatment, an instrument's calibration, a
    document's revision): seen with its parent, changed by whoever may edit the parent, which
    `relation` names (or, for a record without it, `parent_key`)."""

    def __init__(self, parent: type, parent_key: InstrumentedAttribute, relation: str) -> None:
        self.parent = parent
        self.parent_key = parent_key
        self.relation = relation

    def visible(self, user: User) -> ColumnElement[bool]:
        parents = select(self.parent.id).where(policy_for(self.parent).visible(user))
        return self.parent_key.in_(parents)

    def allows(self, user: User, action: str, record: Any) -> bool:
        parent = getattr(record, self.relation, None)
        if parent is None:
            parent = db.session.get(self.parent, getattr(record, self.parent_key.key))
        return can(user, EDIT, parent)


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


def where_may_create(user: Any, model: type, owner_model: type[M]) -> list[M]:
    """The owners (agencies, cities…) in which the user may create a record of `model`, by
    name: what forms offer, and the only owners `owner_for_create` accepts."""
    if not _usable(user) or user.is_read_only:
        return []
    policy = policy_for(model)
    owners = db.session.scalars(scoped(owner_model, user)).all()
    allowed = [owner for owner in owners if policy.may_create_in(user, owner)]
    return sorted(allowed, key=lambda owner: (owner.name, owner.id))


def owner_for_create(user: Any, model: type, owner_model: type[M], owner_id: Any, field: str) -> M:
    """The owner a new record of `model` goes to, or a 422 naming `field` when the user may not
    create one there (whether the owner exists is not revealed)."""
    owner = db.session.get(owner_model, owner_id) if _is_id(owner_id) else None
    if (
        owner is None
        or not _usable(user)
        or user.is_read_only
        or getattr(owner, "archived_at", None) is not None
        or not is_visible(user, owner)
        or not policy_for(model).may_create_in(user, owner)
    ):
        raise ValidationFailed({field: [str(NOT_HERE)]})
    return owner


def _is_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and 0 < value <= MAX_ID


def is_visible(user: Any, record: Any) -> bool:
    model = type(record)
    if record.id is None:
        return False
    stmt = select(model.id).where(model.id == record.id, policy_for(model).visible(user))
    return db.session.scalar(stmt) is not None


def get_visible(model: type[M], record_id: Any, user: Any) -> M:
    """The record if the user may see it; 404 otherwise (its existence is not revealed)."""
    record = db.session.get(model, record_id) if _is_id(record_id) else None
    if record is None or not _usable(user) or not is_visible(user, record):
        abort(404)
    return record


def get_editable(model: type[M], record_id: Any, user: Any) -> M:
    """The record if the user may change it: 404 when they may not see it, else 403 when they
    may not change it."""
    record = get_visible(model, record_id, user)
    authorize(user, EDIT, record)
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
