"""Logging in with lock-out, passwords and their rules, personal API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from qms.accounts import sessions
from qms.accounts.models import ApiToken, SessionEnd, User
from qms.accounts.queries import find_by_email
from qms.core.errors import DomainError
from qms.core.mail import tell
from qms.core.roles import Role
from qms.core.timeutil import utcnow
from qms.extensions import db

TOKEN_PREFIX = "qms_"

log = logging.getLogger(__name__)


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


def _dummy_hash() -> str:
    """A hash made with the configured method, checked when the address is unknown so that
    every login costs the same (the time of an answer tells nothing)."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


_DUMMY_HASHES: dict[str, str] = {}

#: the one answer to every refused login: an unknown address, a wrong password, a locked or a
#: deactivated account read the same, so nobody learns which addresses have accounts
WRONG_LOGIN = _l("Wrong e-mail or password.")


def authenticate(email: str, password: str) -> User:
    """The user if the password is right and the account usable; otherwise one refusal for
    every reason, after the same work. Repeated failures lock the account for a while (the
    holder is told by mail); a locked account refuses even the right password."""
    user = find_by_email(email)
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None:
        raise DomainError(WRONG_LOGIN)
    now = utcnow()
    if not password_ok:
        _count_failure(user, now)
        raise DomainError(WRONG_LOGIN)
    if user.is_locked(now) or not user.active:
        raise DomainError(WRONG_LOGIN)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def _count_failure(user: User, now: datetime) -> None:
    if user.is_locked(now):
        return
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        minutes = current_app.config["LOGIN_LOCK_MINUTES"]
        user.locked_until = now + timedelta(minutes=minutes)
        user.failed_logins = 0
        log.warning("account %s locked for %s minutes after failed logins", user.email, minutes)
        _tell_the_holder(user, now, minutes)
        sessions.end_others(user, SessionEnd.LOCKED)
    db.session.flush()


def _tell_the_holder(user: User, now: datetime, minutes: int) -> None:
    tell(
        user,
        f"account-locked:{user.id}:{now.isoformat()}",
        _l("Your qms account was locked"),
        _l(
            "After several wrong passwords your account is locked for %(minutes)s "
            "minutes. If it was not you who tried, tell your administrator.",
            minutes=minutes,
        ),
    )


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
