"""Users, their scoped role assignments and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.mail import NOTIFY_IMMEDIATELY
from qms.core.models import AuditedMixin, TimestampMixin, str_enum
from qms.core.roles import READ_ONLY_ROLES, Role
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit


class User(UserMixin, AuditedMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __record_label__ = "email"
    __history_exclude__ = frozenset(
        {"password_hash", "failed_logins", "last_login_at", "locked_until"}
    )

    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="id")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: how the user hears of steps waiting for them (qms.core.mail.NOTIFY_CHOICES): "immediately"
    #: one mail per event, or "daily" in the daily digest (migration 0024)
    notify: Mapped[str] = mapped_column(
        String(20), default=NOTIFY_IMMEDIATELY, server_default=NOTIFY_IMMEDIATELY
    )

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return self.active

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    def assignments(self, *roles: Role) -> list[RoleAssignment]:
        return [a for a in self.roles if not roles or a.role in roles]

    def has_role(self, *roles: Role) -> bool:
        return bool(self.assignments(*roles))

    @property
    def is_read_only(self) -> bool:
        return bool(self.roles) and all(a.role in READ_ONLY_ROLES for a in self.roles)

    def city_ids(self, *roles: Role) -> set[int]:
        return {a.city_id for a in self.assignments(*roles) if a.city_id is not None}

    def agency_ids(self, *roles: Role) -> set[int]:
        return {a.agency_id for a in self.assignments(*roles) if a.agency_id is not None}


class RoleAssignment(AuditedMixin, db.Model):
    """One role held by a user, with its scope: a city, an agency (and unit), or national."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "city_id", "agency_id"),)
    __deletable__ = True

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    city: Mapped[City | None] = relationship(lazy="joined")
    agency: Mapped[Agency | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        scope = self.agency.name if self.agency else (self.city.name if self.city else "")
        return f"{self.role.label}" + (f" — {scope}" if scope else "")


class ApiToken(TimestampMixin, db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class SessionEnd(enum.StrEnum):
    LOGOUT = "logout"
    ENDED_BY_USER = "ended_by_user"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    LOCKED = "locked"
    DEACTIVATED = "deactivated"


class UserSession(db.Model):
    """One browser session of a user, known to the server: the session cookie carries only its
    random id (stored here as a SHA-256), so ending the record ends the session wherever the
    cookie was copied to."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[SessionEnd | None] = mapped_column(str_enum(SessionEnd), default=None)
    address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_users_name", User.name, User.id)
