"""Complaint limits in working days (SP4N-LAPOR: hari kerja), with the city's calendar
(qms/core/workdays.py): the working days a complaint took to be answered are stored on it
(`Complaint.response_working_days`, so that figures count them in SQL), written whenever a
complaint is added or changed and recounted when the city's days off change; an unanswered
complaint is late once more than COMPLAINT_RESPONSE_DAYS working days have passed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from qms.capa.models import Complaint
from qms.capa.settings import setting
from qms.core import workdays
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


def count(complaint: Complaint, calendars: Calendars) -> int | None:
    """The working days from the day of receipt to the day of the answer; None unanswered."""
    if complaint.responded_at is None or complaint.received_at is None:
        return None
    calendar = calendars.of_agency(complaint.agency_id)
    return calendar.working_days_between(
        complaint.received_at.date(), complaint.responded_at.date()
    )


def reply_due_on(complaint: Complaint, calendars: Calendars) -> date:
    """The last day of the reply limit: COMPLAINT_RESPONSE_DAYS working days after receipt."""
    calendar = calendars.of_agency(complaint.agency_id)
    return calendar.add_working_days(
        complaint.received_at.date(), setting("COMPLAINT_RESPONSE_DAYS")
    )


def is_late(complaint: Complaint, today: date, calendars: Calendars) -> bool:
    """Answered after the limit, or still unanswered once the limit has passed: more than
    COMPLAINT_RESPONSE_DAYS working days after receipt, i.e. on or after the first working day
    that follows the limit's last day (the weekend after it does not make it late)."""
    calendar = calendars.of_agency(complaint.agency_id)
    first_late_day = calendar.add_working_days(reply_due_on(complaint, calendars), 1)
    answered = complaint.responded_at.date() if complaint.responded_at else today
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
