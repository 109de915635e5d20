"""The daily digest (sent by `flask qms remind`): to each user who chose it instead of a mail per
event (users.notify), once a day, the "waiting for you" card of their home page as a mail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask import request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms.accounts.models import User
from qms.core.i18n import fmt_date
from qms.core.mail import NOTIFY_DAILY
from qms.core.registry import Reminder, waiting_for
from qms.extensions import db


def digest_reminders(today: date) -> Iterator[Reminder]:
    users = select(User).where(User.notify == NOTIFY_DAILY, User.active.is_(True))
    for user in db.session.scalars(users.order_by(User.id)):
        waiting = waiting_for(user)
        if not waiting.total:
            continue
        with force_locale(user.locale):
            lines = []
            for task in waiting.items:
                due = ""
                if task.due:
                    due = f" ({_('due')} {fmt_date(task.due)})"
                    if task.overdue:
                        due = f" ({_('Overdue since %(day)s', day=fmt_date(task.due))})"
                lines.append(f"- {task.kind}: {task.title}{due}\n  {_external(task.url)}")
            for source, count, link in waiting.sources:
                lines.append(f"{source.label}: {count} — {_external(link)}")
            yield Reminder(
                to=user.email,
                subject=_("Waiting for you in qms: %(n)s", n=waiting.total),
                body="\n".join(
                    [
                        _("Waiting for you on %(day)s:", day=fmt_date(today)),
                        "",
                        *lines,
                        "",
                        _("Home page: %(link)s", link=url_for("home.index", _external=True)),
                    ]
                ),
                key=f"digest:{user.id}:{today.isoformat()}",
            )


def _external(path: str) -> str:
    """A page's address as the mail shows it (the links of the card are relative)."""
    return request.host_url.rstrip("/") + path
