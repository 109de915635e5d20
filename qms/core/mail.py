"""Outgoing e-mail. Every message is kept in the outbox; with an SMTP server configured it is
also sent (in development the outbox, shown in the UI, and the log are where mail goes)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale
from sqlalchemy import Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from qms.core.registry import Reminder, reminder_sources
from qms.core.timeutil import utcnow
from qms.extensions import db

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    to: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def queue_mail(reminder: Reminder) -> OutboxMessage | None:
    """Put a message in the outbox unless one with the same key was already queued."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == reminder.key)):
        return None
    message = OutboxMessage(
        key=reminder.key, to=reminder.to, subject=reminder.subject, body=reminder.body
    )
    db.session.add(message)
    db.session.flush()
    log.info("mail to %s: %s", message.to, message.subject)
    if current_app.config.get("MAIL_SERVER"):
        try:
            _send_smtp(message)
            message.sent_at = utcnow()
        except (OSError, smtplib.SMTPException) as exc:
            message.error = str(exc)[:500]
    return message


#: a user's choice of how they hear of steps waiting for them (users.notify)
NOTIFY_IMMEDIATELY = "immediately"
NOTIFY_DAILY = "daily"
NOTIFY_CHOICES = (NOTIFY_IMMEDIATELY, NOTIFY_DAILY)


def notices(
    recipients: Iterable[Any],
    actor: Any,
    key: str,
    compose: Callable[[Any], tuple[Any, Any]],
) -> Iterator[Reminder]:
    """The mails of one event to the people it waits for, one each, in their language,
    composed by `compose(user) -> (subject, body)`: the actor is not told of their own step,
    inactive users are not told, and those who chose the daily digest read it there (the card
    of things waiting, qms/home/digest.py). `key` names the event: each recipient is told of
    it once. The events of a request go out through `notify`; the date-driven ones (something
    falls due) are yielded by a reminder source of the daily job."""
    told: set[int] = set()
    for user in recipients:
        if user.id in told or not user.active or (actor is not None and user.id == actor.id):
            continue
        told.add(user.id)
        if getattr(user, "notify", NOTIFY_IMMEDIATELY) != NOTIFY_IMMEDIATELY:
            continue
        with force_locale(user.locale):
            subject, body = compose(user)
            yield Reminder(user.email, str(subject), str(body), f"{key}:u{user.id}")


def reminders_to(
    recipients: Iterable[Any],
    key: str,
    subject: Callable[[], Any],
    body: Callable[[], Any],
    about: str,
    link: str,
) -> Iterator[Reminder]:
    """A reminder of one thing falling due to each of `recipients` (whatever they chose: the
    date-driven reminders of the registers): its subject and what is due written in the
    recipient's language, then the record it is `about` and the `link` to it. `key` names the
    thing and its stage; each recipient is reminded of it once."""
    for user in recipients:
        with force_locale(user.locale):
            yield Reminder(
                to=user.email,
                subject=str(subject()),
                body=f"{body()}\n\n{about}\n{link}",
                key=f"{key}:{user.id}",
            )


def tell(user: Any, key: str, subject: Any, body: Any) -> OutboxMessage | None:
    """Mail one person about their own account now, in their language (`subject` and `body`
    lazy texts, read in it); `key` names the event, so it is mailed once."""
    with force_locale(user.locale):
        return queue_mail(Reminder(to=user.email, subject=str(subject), body=str(body), key=key))


def notify(
    recipients: Iterable[Any],
    actor: Any,
    key: str,
    compose: Callable[[Any], tuple[Any, Any]],
) -> list[OutboxMessage]:
    """Tell the people a step now waits for, when it happens, through the outbox (`notices`)."""
    if not has_request_context():
        # the mail links to a page: that needs a request (as for the reminders)
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return notify(recipients, actor, key, compose)
    queued = [queue_mail(reminder) for reminder in notices(recipients, actor, key, compose)]
    return [message for message in queued if message is not None]


def run_reminders(today: date) -> list[OutboxMessage]:
    """Collect the reminders every feature has for `today` and queue the new ones."""
    if not has_request_context():
        # Reminders link to pages and speak the recipient's language: both need a request.
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return run_reminders(today)
    queued = []
    for source in reminder_sources:
        for reminder in source(today):
            message = queue_mail(reminder)
            if message is not None:
                queued.append(message)
    return queued


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_outbox_messages_created", OutboxMessage.created_at, OutboxMessage.id)
