"""Reminders of corrective actions due and overdue, and their escalation to the city admins
(sent by `flask qms remind`, each once)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms.accounts.models import User
from qms.capa.models import PENDING_STATUSES, Nonconformity
from qms.capa.people import answerable, city_admins
from qms.capa.settings import setting
from qms.core.i18n import fmt_date
from qms.core.registry import Reminder
from qms.extensions import db


def _reminder(user: User, nc: Nonconformity, kind: str, subject: Any, body: Any) -> Reminder:
    link = url_for("capa.detail", nc_id=nc.id, _external=True)
    return Reminder(
        to=user.email,
        subject=str(subject),
        body=f"{body}\n\n{nc.number}: {nc.statement}\n{link}",
        key=f"capa:{nc.id}:{nc.due_date.isoformat()}:{kind}:{user.id}",
    )


def reminders(today: date) -> Iterator[Reminder]:
    """Before the due date (CAPA_REMIND_BEFORE_DAYS) and once overdue, the agency's quality
    officers are reminded; still overdue CAPA_ESCALATE_AFTER_DAYS later, the city admins are
    told. Each key holds the due date, so a new deadline (a re-opened plan) reminds afresh."""
    before = timedelta(days=setting("CAPA_REMIND_BEFORE_DAYS"))
    escalate = timedelta(days=setting("CAPA_ESCALATE_AFTER_DAYS"))
    due_soon = select(Nonconformity).where(
        Nonconformity.status.in_(PENDING_STATUSES),
        Nonconformity.archived_at.is_(None),
        Nonconformity.due_date <= today + before,
    )
    for nc in db.session.scalars(due_soon.order_by(Nonconformity.id)):
        for user in answerable(nc):
            with force_locale(user.locale):
                if nc.due_date >= today:
                    kind = "before"
                    subject = _("Corrective action due on %(day)s", day=fmt_date(nc.due_date))
                    body = _("This corrective action is due soon. Record its progress in qms.")
                else:
                    kind = "overdue"
                    subject = _(
                        "Corrective action overdue since %(day)s", day=fmt_date(nc.due_date)
                    )
                    body = _("This corrective action is past its due date.")
                yield _reminder(user, nc, kind, subject, body)
        if today >= nc.due_date + escalate:
            for user in city_admins(nc):
                with force_locale(user.locale):
                    yield _reminder(
                        user,
                        nc,
                        "escalated",
                        _("Escalation: %(number)s is overdue", number=nc.number),
                        _(
                            "%(agency)s has not implemented this corrective action, due on "
                            "%(day)s.",
                            agency=nc.agency.name,
                            day=fmt_date(nc.due_date),
                        ),
                    )
