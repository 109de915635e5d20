"""Changes to accounts: creating users, their details, unlocking and password resets by an
administrator, granting and revoking roles, the language preference."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from qms.accounts import sessions
from qms.accounts.authentication import check_password_rules, hash_password
from qms.accounts.models import RoleAssignment, SessionEnd, User
from qms.accounts.policies import is_own_admin_role, may_grant
from qms.accounts.queries import find_by_email
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied
from qms.core.mail import NOTIFY_CHOICES
from qms.core.roles import AGENCY_ROLES, NATIONAL_ROLES, Role
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Unknown language."))
    user.locale = locale
    db.session.flush()


def set_notification_preference(user: User, choice: str) -> None:
    """How the user hears of steps waiting for them: a mail per event, or the daily digest."""
    if choice not in NOTIFY_CHOICES:
        raise DomainError(_l("Choose one of the options offered."), field="notify")
    user.notify = choice
    db.session.flush()


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
    _grant(actor, user, role, city, agency, None)
    return user


def update_user(actor: User, user: User, *, name: str, active: bool) -> User:
    access.authorize(actor, access.EDIT, user)
    if user.id == actor.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    deactivated = user.active and not active
    user.name = name.strip()
    user.active = active
    db.session.flush()
    if deactivated:
        sessions.end_others(user, SessionEnd.DEACTIVATED)
    return user


def unlock(actor: User, user: User) -> None:
    access.authorize(actor, access.EDIT, user)
    user.locked_until = None
    user.failed_logins = 0
    db.session.flush()


def reset_password(actor: User, user: User, password: str) -> User:
    access.authorize(actor, access.EDIT, user)
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    db.session.flush()
    sessions.end_others(user, SessionEnd.PASSWORD_RESET)
    return user


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
    return _grant(actor, user, role, city, agency, unit)


def _grant(
    actor: User | None,
    user: User,
    role: Role,
    city: City | None,
    agency: Agency | None,
    unit: Unit | None,
) -> RoleAssignment:
    """`assign_role` without the check that the actor may change the user (a user created a
    moment ago with this first role is not yet in the actor's scope)."""
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


def revoke_role(actor: User, assignment: RoleAssignment) -> None:
    if not may_grant(actor, assignment):
        raise PermissionDenied(_l("You may not change this role."))
    if is_own_admin_role(actor, assignment):
        # nobody locks themselves (and perhaps everyone) out of administration by mistake
        raise DomainError(_l("You cannot remove your own administrator role."))
    assignment.user.roles.remove(assignment)
    db.session.flush()
