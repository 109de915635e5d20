"""What the home page and the outbox show: the foundation's home panels, each with the test of
who sees it, and the pages of the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from qms.accounts.models import User
from qms.core import access
from qms.core.mail import OutboxMessage
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import Agency, City


def outbox(user: User) -> Select:
    """The messages the user may read, newest first (the outbox pages through them)."""
    return access.scoped(OutboxMessage, user).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
    )


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def admin_overview(user: User) -> dict[str, Any]:
    """Counts an administrator keeps an eye on, each within what they may see."""
    return {
        "cities": _count(access.scoped(City, user)),
        "agencies": _count(access.scoped(Agency, user)),
        "users": _count(access.scoped(User, user)),
        "locked": _count(access.scoped(User, user).where(User.locked_until > utcnow())),
        "unsent": _count(access.scoped(OutboxMessage, user).where(OutboxMessage.sent_at.is_(None))),
    }


def cities_overview(user: User) -> dict[str, Any]:
    """For national readers (BSN): every city they may see with its number of agencies."""
    agencies = (
        access.scoped(Agency, user)
        .with_only_columns(Agency.city_id, func.count(Agency.id))
        .group_by(Agency.city_id)
    )
    counts = dict(db.session.execute(agencies).all())
    cities = db.session.scalars(access.scoped(City, user).order_by(City.name)).all()
    return {"cities": [(city, counts.get(city.id, 0)) for city in cities]}


def is_national_reader(user: User) -> bool:
    return user.has_role(*access.NATIONAL_READERS)


def my_scope(user: User) -> dict[str, Any]:
    """Each role with the city or agency it covers, for links to them."""
    return {"assignments": user.roles}
