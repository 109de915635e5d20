"""Reminders of the risk register (sent by `flask qms remind`, each once): risk reviews due
within RISK_REVIEW_NOTICE_DAYS or overdue, and treatments due within
TREATMENT_REMIND_BEFORE_DAYS or overdue, to the agency's quality officers (its city's admins
while it has none). Each key holds the date, so a new date reminds afresh."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from qms.accounts.queries import answerable_for
from qms.core.i18n import fmt_date
from qms.core.mail import reminders_to
from qms.core.registry import Reminder
from qms.planning import figures
from qms.planning.models import Risk
from qms.planning.settings import setting


def _mails(risk: Risk, key: str, subject: Any, body: Any) -> Iterator[Reminder]:
    link = url_for("planning.risk", risk_id=risk.id, _external=True)
    people = answerable_for(risk.agency_id, risk.agency.city_id)
    return reminders_to(people, key, subject, body, f"{risk.title} ({risk.agency.name})", link)


def reminders(today: date) -> Iterator[Reminder]:
    notice = today + timedelta(days=setting("RISK_REVIEW_NOTICE_DAYS"))
    for risk in figures.reviews_due(None, notice):
        stage = "overdue" if risk.next_review_on < today else "due"
        day = fmt_date(risk.next_review_on)
        yield from _mails(
            risk,
            f"risk-review:{risk.id}:{risk.next_review_on.isoformat()}:{stage}",
            lambda day=day: _("Risk review due on %(day)s", day=day),
            lambda: _("Review this risk: its rating, controls and treatments."),
        )
    due_by = today + timedelta(days=setting("TREATMENT_REMIND_BEFORE_DAYS"))
    for treatment in figures.treatments_due(None, due_by):
        overdue = treatment.is_overdue(today)
        day = fmt_date(treatment.due_on)
        yield from _mails(
            treatment.risk,
            f"risk-treatment:{treatment.id}:{treatment.due_on.isoformat()}:"
            + ("overdue" if overdue else "before"),
            (lambda day=day: _("Risk treatment overdue since %(day)s", day=day))
            if overdue
            else (lambda day=day: _("Risk treatment due on %(day)s", day=day)),
            lambda action=treatment.action: action,
        )
