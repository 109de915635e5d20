"""Who reads the outbox: administrators, each the mail of the users they administer."""

from __future__ import annotations

from sqlalchemy import false, true

from qms.accounts.models import User
from qms.core import access
from qms.core.mail import OutboxMessage
from qms.core.roles import Role

ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.CITY_ADMIN)


class OutboxPolicy(access.Policy):
    """Mail can carry what its addressee may see: system admins read all of it, city admins
    the mail to the users they administer. Nobody edits the outbox."""

    def visible(self, user: User):
        if user.has_role(Role.SYSTEM_ADMIN):
            return true()
        if not user.has_role(Role.CITY_ADMIN):
            return false()
        addressees = access.scoped(User, user).with_only_columns(User.email)
        return OutboxMessage.to.in_(addressees)


def is_admin(user: User) -> bool:
    return user.has_role(*ADMIN_ROLES)


def register() -> None:
    access.register_policy(OutboxMessage, OutboxPolicy())
