"""Reminders of the support registers (sent by `flask qms remind`, each once): instruments due
within each of CALIBRATION_REMIND_DAYS and once overdue, staff certificates expiring within
CERTIFICATE_REMIND_DAYS, provider evaluations due within PROVIDER_REMIND_DAYS and once
overdue; to the agency's quality officers (its city's admins while it has none). Each key holds
the date and the stage, so a new date reminds afresh."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from qms.accounts.queries import answerable_for
from qms.core.i18n import fmt_date
from qms.core.mail import reminders_to
from qms.core.registry import Reminder
from qms.organisations.models import Agency
from qms.support import figures
from qms.support.settings import setting


def _mails(
    agency: Agency, key: str, subject: Callable[[], Any], body: Callable[[], Any], link: str
) -> Iterator[Reminder]:
    people = answerable_for(agency.id, agency.city_id)
    return reminders_to(people, key, subject, body, agency.name, link)


def _stage(due_on: date, today: date, notices: tuple[int, ...]) -> str:
    """ "overdue", or the nearest notice the due date falls within ("7d")."""
    if due_on < today:
        return "overdue"
    left = (due_on - today).days
    return f"{min(n for n in notices if n >= left)}d"


def reminders(today: date) -> Iterator[Reminder]:
    notices = tuple(setting("CALIBRATION_REMIND_DAYS"))
    for instrument in figures.instruments_due(None, today + timedelta(days=max(notices))):
        stage = _stage(instrument.next_due_on, today, notices)
        day = fmt_date(instrument.next_due_on)
        label = instrument.record_label
        yield from _mails(
            instrument.agency,
            f"calibration:{instrument.id}:{instrument.next_due_on.isoformat()}:{stage}",
            (lambda day=day: _("Calibration overdue since %(day)s: not fit for use", day=day))
            if stage == "overdue"
            else (lambda day=day: _("Calibration due on %(day)s", day=day)),
            lambda label=label: label,
            url_for("support.instrument", instrument_id=instrument.id, _external=True),
        )
    by = today + timedelta(days=setting("CERTIFICATE_REMIND_DAYS"))
    for training in figures.certificates_expiring(None, by, today):
        day = fmt_date(training.certificate_expires_on)
        label = training.record_label
        yield from _mails(
            training.person.agency,
            f"certificate:{training.id}:{training.certificate_expires_on.isoformat()}",
            lambda day=day: _("Certificate expires on %(day)s", day=day),
            lambda label=label: label,
            url_for("support.person", person_id=training.person_id, _external=True),
        )
    by = today + timedelta(days=setting("PROVIDER_REMIND_DAYS"))
    for provider in figures.evaluations_due(None, by):
        stage = "overdue" if provider.next_evaluation_on < today else "due"
        day = fmt_date(provider.next_evaluation_on)
        yield from _mails(
            provider.agency,
            f"provider-evaluation:{provider.id}:{provider.next_evaluation_on.isoformat()}:{stage}",
            lambda day=day: _("Provider evaluation due on %(day)s", day=day),
            lambda name=provider.name: name,
            url_for("support.provider", provider_id=provider.id, _external=True),
        )
