"""Sessions that can be ended: each login starts a server-side session record; the session
cookie carries only its random id. A request whose session was ended (logout, a password change
or reset, a lock-out, a deactivation, or "end" on the account page) is anonymous, wherever the
cookie was copied to. Ending a user's sessions for a security reason also revokes their API
tokens: a new token must be made."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from qms.accounts.models import ApiToken, SessionEnd, User, UserSession
from qms.core.mail import tell
from qms.core.timeutil import utcnow
from qms.extensions import db

SESSION_KEY = "sid"
#: how often a session's "last seen" is written (not on every request)
SEEN_EVERY = timedelta(minutes=5)

#: why a user's sessions were ended, as the mail that tells them says it
_REASONS = {
    SessionEnd.PASSWORD_RESET: _l("an administrator reset your password"),
    SessionEnd.LOCKED: _l("your account was locked after several wrong passwords"),
    SessionEnd.DEACTIVATED: _l("an administrator deactivated your account"),
}


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start(user: User) -> UserSession:
    """A new session for a user who just logged in; its id goes into the (new) cookie."""
    sid = secrets.token_urlsafe(32)
    record = UserSession(
        user_id=user.id,
        sid_hash=_digest(sid),
        address=(request.remote_addr or "")[:45],
        user_agent=(request.user_agent.string or "")[:255],
    )
    db.session.add(record)
    db.session.flush()
    session[SESSION_KEY] = sid
    return record


def current() -> UserSession | None:
    """The live session record of this request's cookie, or None (no cookie, or ended)."""
    sid = session.get(SESSION_KEY)
    if not isinstance(sid, str):
        return None
    record = db.session.scalar(select(UserSession).where(UserSession.sid_hash == _digest(sid)))
    return record if record is not None and record.is_active else None


def user_of_request(user_id: str) -> User | None:
    """The user whose session this request carries, if that session is still live."""
    record = current()
    if record is None or str(record.user_id) != str(user_id) or not record.user.active:
        return None
    now = utcnow()
    if now - record.last_seen_at > SEEN_EVERY:
        record.last_seen_at = now
        db.session.commit()
    return record.user


def end(record: UserSession, reason: SessionEnd) -> None:
    if record.is_active:
        record.ended_at = utcnow()
        record.end_reason = reason
        db.session.flush()


def end_others(user: User, reason: SessionEnd, keep: UserSession | None = None) -> int:
    """End every live session of the user but `keep`, and revoke their API tokens. Returns how
    many sessions were ended."""
    now = utcnow()
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    ended = db.session.execute(query.values(ended_at=now, end_reason=reason)).rowcount
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.flush()
    if reason in _REASONS:
        _tell(user, reason, now)
    return ended


def _tell(user: User, reason: SessionEnd, now) -> None:
    tell(
        user,
        f"sessions-ended:{user.id}:{reason}:{now.isoformat()}",
        _l("Your qms sessions were ended"),
        _l(
            "Because %(reason)s, every session of your account was ended and your "
            "API tokens were revoked. Log in again, and make a new token if a "
            "program needs one.",
            reason=_REASONS[reason],
        ),
    )


def live_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    )
