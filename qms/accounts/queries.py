"""Reading accounts: users in an administrator's scope, holders of a role in a city, tokens,
role history, names for history tables."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from qms.accounts.models import ApiToken, RoleAssignment, User
from qms.core import access
from qms.core.history import HistoryEntry
from qms.core.roles import Role
from qms.extensions import db


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def visible_users(actor: User, search: str = "") -> Select:
    """The users the actor may see, by name, searched by name or e-mail (the users page pages
    through it; each user's roles come with them)."""
    query = access.scoped(User, actor).order_by(User.name, User.id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
        )
    return query


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


def user_names(ids: set[int]) -> dict[int, str]:
    """Names of users, for the history tables that show who changed a record."""
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def answerable_for(agency_id: int, city_id: int) -> list[User]:
    """Who answers for an agency's records (and is reminded of them): its active quality
    officers, or the city's admins while the agency has none."""
    officers = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role == Role.QUALITY_OFFICER,
            RoleAssignment.agency_id == agency_id,
            User.active.is_(True),
        )
        .order_by(User.id)
        .distinct()
    ).all()
    return list(officers) or role_holders(Role.CITY_ADMIN, city_id)
