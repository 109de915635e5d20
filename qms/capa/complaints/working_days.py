"""Complaint limits in working days (SP4N-LAPOR: hari kerja), with the city's calendar
(qms/core/workdays.py): the working days a complaint took to be answered are stored on it
(`Complaint.response_working_days`, so that figures count them in SQL), written whenever a
complaint is added or changed and recounted when the city's days off change; an unanswered
complaint is late once more than COMPLAINT_RESPONSE_DAYS working days have passed, and its
agency is reminded on the last working day of the limit (`reply_reminders`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from qms.capa.models import Complaint
from qms.capa.people import holders
from qms.capa.settings import setting
from qms.core import workdays
from qms.core.registry import Reminder
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency


class Calendars:
    """One working-day calendar per city, for one request or job."""

    def __init__(self) -> None:
        self._by_city: dict[int, workdays.Calendar] = {}
        self._city_of_agency: dict[int, int] = {}

    def of_agency(self, agency_id: int) -> workdays.Calendar:
        if agency_id not in self._city_of_agency:
            with db.session.no_autoflush:
                city_id = db.session.scalar(select(Agency.city_id).where(Agency.id == agency_id))
            self._city_of_agency[agency_id] = city_id
        city_id = self._city_of_agency[agency_id]
        if city_id not in self._by_city:
            self._by_city[city_id] = workdays.Calendar(city_id)
        return self._by_city[city_id]


def _day(moment: date) -> date:
    """The calendar day of a stored time (a plain date as it may be given before a flush)."""
    return moment.date() if isinstance(moment, datetime) else moment


def count(complaint: Complaint, calendars: Calendars) -> int | None:
    """The working days from the day of receipt to the day of the answer; None unanswered."""
    if complaint.responded_at is None or complaint.received_at is None:
        return None
    calendar = calendars.of_agency(complaint.agency_id)
    return calendar.working_days_between(_day(complaint.received_at), _day(complaint.responded_at))


def reply_due_on(complaint: Complaint, calendars: Calendars) -> date:
    """The last day of the reply limit: COMPLAINT_RESPONSE_DAYS working days after receipt."""
    calendar = calendars.of_agency(complaint.agency_id)
    return calendar.add_working_days(
        _day(complaint.received_at), setting("COMPLAINT_RESPONSE_DAYS")
    )


def is_late(complaint: Complaint, today: date, calendars: Calendars) -> bool:
    """Answered after the limit, or still unanswered once the limit has passed: more than
    COMPLAINT_RESPONSE_DAYS working days after receipt, i.e. on or after the first working day
    that follows the limit's last day (the weekend after it does not make it late)."""
    calendar = calendars.of_agency(complaint.agency_id)
    first_late_day = calendar.add_working_days(reply_due_on(complaint, calendars), 1)
    answered = _day(complaint.responded_at) if complaint.responded_at else today
    return answered >= first_late_day


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    calendars: Calendars | None = None
    for record in (*session.new, *session.dirty):
        if isinstance(record, Complaint):
            calendars = calendars or Calendars()
            counted = count(record, calendars)
            if record.response_working_days != counted:
                record.response_working_days = counted


def recount_city(city_id: int) -> None:
    """The city's days off changed: recount its answered complaints."""
    calendars = Calendars()
    answered = select(Complaint).where(
        Complaint.responded_at.is_not(None),
        Complaint.agency_id.in_(select(Agency.id).where(Agency.city_id == city_id)),
    )
    for complaint in db.session.scalars(answered):
        counted = count(complaint, calendars)
        if complaint.response_working_days != counted:
            complaint.response_working_days = counted
    db.session.flush()


def register() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    workdays.add_calendar_listener(recount_city)


#: unanswered complaints older than this are the escalation rule's, not a reminder's
REMINDER_LOOKBACK_DAYS = 31


def reply_reminders(today: date) -> Iterator[Reminder]:
    """On the last working day of the reply limit, the agency's quality officers (or the
    city's admins while it has none) are told how many complaints still await an answer: one
    message per agency and day (each sent once)."""
    since = datetime.combine(today - timedelta(days=REMINDER_LOOKBACK_DAYS), time.min)
    waiting = db.session.scalars(
        select(Complaint)
        .where(
            Complaint.responded_at.is_(None),
            Complaint.nonconformity_id.is_(None),
            Complaint.received_at >= since,
        )
        .order_by(Complaint.agency_id, Complaint.received_at)
    )
    calendars = Calendars()
    due_today: dict[int, list[Complaint]] = {}
    for complaint in waiting:
        if reply_due_on(complaint, calendars) == today:
            due_today.setdefault(complaint.agency_id, []).append(complaint)
    for agency_id, complaints in due_today.items():
        agency = complaints[0].agency
        people = holders(Role.QUALITY_OFFICER, agency_id=agency_id) or holders(
            Role.CITY_ADMIN, city_id=agency.city_id
        )
        link = url_for("capa.complaint_list", agency_id=agency_id, _external=True)
        numbers = ", ".join(c.record_label for c in complaints[:20])
        for user in people:
            with force_locale(user.locale):
                yield Reminder(
                    to=user.email,
                    subject=_(
                        "%(count)s complaint(s) must be answered today",
                        count=len(complaints),
                    ),
                    body=_(
                        "Today is the last working day of the reply limit (%(days)s working "
                        "days) for these complaints to %(agency)s:",
                        days=setting("COMPLAINT_RESPONSE_DAYS"),
                        agency=agency.name,
                    )
                    + f"\n{numbers}\n{link}",
                    key=f"complaint-due:{agency_id}:{today.isoformat()}:{user.id}",
                )
