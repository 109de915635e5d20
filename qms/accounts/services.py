"""Accounts: authentication with lock-out, passwords, role assignments, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, true
from werkzeug.security import check_password_hash, generate_password_hash

from qms.accounts.models import ApiToken, RoleAssignment, User
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied
from qms.core.history import HistoryEntry
from qms.core.roles import AGENCY_ROLES, NATIONAL_ROLES, Role
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit

TOKEN_PREFIX = "qms_"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise DomainError(
            _l("The password must have at least %(n)s characters.", n=minimum), field="password"
        )
    if password.isalpha() or password.isdigit():
        raise DomainError(
            _l("The password must mix letters with digits or symbols."), field="password"
        )


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """The user if the password is right; otherwise a readable refusal. Repeated failures lock
    the account for a while, and a locked account refuses even the right password."""
    user = find_by_email(email)
    generic = DomainError(_l("Wrong e-mail or password."))
    if user is None:
        raise generic
    now = utcnow()
    if user.is_locked(now):
        raise DomainError(
            _l(
                "This account is locked after too many failed logins. Try again later "
                "or ask your administrator to unlock it."
            )
        )
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        db.session.flush()
        raise generic
    if not user.active:
        raise DomainError(_l("This account is deactivated."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_l("The current password is wrong."), field="current_password")
    if new == current:
        raise DomainError(_l("Choose a password other than the current one."), field="password")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Unknown language."))
    user.locale = locale
    db.session.flush()


# --- user administration --------------------------------------------------------------------


def create_user(
    actor: User | None, *, email: str, name: str, password: str, locale: str = "id"
) -> User:
    """A new account. Created by an administrator (`actor`), its password is only a first one
    that must be changed at the first login; `actor` None is the CLI and the demo data."""
    email = email.strip().lower()
    user = User(email=email, name=name.strip(), locale=locale)
    if actor is not None:
        access.authorize(actor, access.CREATE, user)
        user.must_change_password = True
    if find_by_email(email):
        raise DomainError(_l("A user with this e-mail already exists."), field="email")
    check_password_rules(password)
    user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def register_user(
    actor: User,
    *,
    email: str,
    name: str,
    password: str,
    locale: str,
    role: Role,
    city: City | None = None,
    agency: Agency | None = None,
) -> User:
    """An administrator creates an account together with its first role, so that the account
    is in the administrator's scope from the start."""
    user = create_user(actor, email=email, name=name, password=password, locale=locale)
    _grant(actor, user, role, city=city, agency=agency)
    return user


def visible_users(actor: User, search: str = "") -> list[User]:
    query = access.scoped(User, actor).order_by(User.name)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
        )
    return list(db.session.scalars(query))


def role_holders(role: Role, city_id: int) -> list[User]:
    """The active users holding a city-scoped role in a city, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == role,
                RoleAssignment.city_id == city_id,
                User.active.is_(True),
            )
            .order_by(User.name)
            .distinct()
        )
    )


def auditors_of_city(city_id: int) -> list[User]:
    return role_holders(Role.INTERNAL_AUDITOR, city_id)


def update_user(actor: User, user: User, *, name: str, active: bool) -> None:
    access.authorize(actor, access.EDIT, user)
    if user.id == actor.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    user.name = name.strip()
    user.active = active
    db.session.flush()


def unlock(actor: User, user: User) -> None:
    access.authorize(actor, access.EDIT, user)
    user.locked_until = None
    user.failed_logins = 0
    db.session.flush()


def reset_password(actor: User, user: User, password: str) -> None:
    access.authorize(actor, access.EDIT, user)
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    db.session.flush()


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


def assign_role(
    actor: User | None,
    user: User,
    role: Role,
    *,
    city: City | None = None,
    agency: Agency | None = None,
    unit: Unit | None = None,
) -> RoleAssignment:
    """Give a role with the scope it needs: national roles none, agency roles an agency (its
    city follows), the other roles a city. `actor` None is the CLI and the demo data."""
    if actor is not None:
        access.authorize(actor, access.EDIT, user)
    return _grant(actor, user, role, city=city, agency=agency, unit=unit)


def _grant(
    actor: User | None,
    user: User,
    role: Role,
    *,
    city: City | None = None,
    agency: Agency | None = None,
    unit: Unit | None = None,
) -> RoleAssignment:
    if role in NATIONAL_ROLES:
        city = agency = unit = None
    elif role in AGENCY_ROLES:
        if agency is None:
            raise DomainError(_l("This role needs an agency."), field="agency_id")
        city = agency.city
    else:
        agency = unit = None
        if city is None:
            raise DomainError(_l("This role needs a city."), field="city_id")
    if unit is not None and unit.agency_id != agency.id:
        raise DomainError(_l("The unit does not belong to the agency."), field="unit_id")
    assignment = RoleAssignment(
        role=role,
        city_id=city.id if city else None,
        agency_id=agency.id if agency else None,
        unit_id=unit.id if unit else None,
    )
    if actor is not None and not may_grant(actor, assignment):
        raise PermissionDenied(_l("You may not grant this role."))
    key = (assignment.role, assignment.city_id, assignment.agency_id)
    if any((a.role, a.city_id, a.agency_id) == key for a in user.roles):
        raise DomainError(_l("The user already has this role."))
    user.roles.append(assignment)
    db.session.flush()
    return assignment


def _own_admin_role(actor: User, assignment: RoleAssignment) -> bool:
    return assignment.user_id == actor.id and assignment.role in (
        Role.SYSTEM_ADMIN,
        Role.CITY_ADMIN,
    )


def may_revoke(actor: User, assignment: RoleAssignment) -> bool:
    return may_grant(actor, assignment) and not _own_admin_role(actor, assignment)


def revoke_role(actor: User, assignment: RoleAssignment) -> None:
    if not may_grant(actor, assignment):
        raise PermissionDenied(_l("You may not change this role."))
    if _own_admin_role(actor, assignment):
        # nobody locks themselves (and perhaps everyone) out of administration by mistake
        raise DomainError(_l("You cannot remove your own administrator role."))
    assignment.user.roles.remove(assignment)
    db.session.flush()


# --- API tokens -------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip() or "token", prefix=plain[:12], token_hash=_digest(plain)
    )
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke_token(user: User, token: ApiToken) -> None:
    if token.user_id != user.id and not user.has_role(Role.SYSTEM_ADMIN):
        raise DomainError(_l("You may not revoke this token."))
    token.revoked_at = utcnow()
    db.session.flush()


def user_for_token(plain: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def role_history(user: User) -> list[HistoryEntry]:
    """The history of the user's role assignments, including revoked ones (whose removal entry
    keeps the old values)."""
    owner = HistoryEntry.changes[("user_id", 1)].as_integer()
    assignment_ids = select(HistoryEntry.record_id).where(
        HistoryEntry.record_type == RoleAssignment.__tablename__,
        HistoryEntry.action == "create",
        owner == user.id,
    )
    return list(
        db.session.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.record_type == RoleAssignment.__tablename__,
                HistoryEntry.record_id.in_(assignment_ids),
            )
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    )


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


access.register_policy(User, UserPolicy())


def user_names(ids: set[int]) -> dict[int, str]:
    """Names of users, for the history tables that show who changed a record."""
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
