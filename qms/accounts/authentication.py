"""Logging in with lock-out, passwords and their rules, personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from qms.accounts.models import ApiToken, User
from qms.accounts.queries import find_by_email
from qms.core.errors import DomainError
from qms.core.roles import Role
from qms.core.timeutil import utcnow
from qms.extensions import db

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
