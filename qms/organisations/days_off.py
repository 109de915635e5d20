"""A city's own days off (LocalDayOff): entered and archived by its city admin, read by the
working-day calendar of qms/core/workdays.py through the query registered here."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core import access, archiving, workdays
from qms.core.access import User
from qms.core.errors import DomainError
from qms.extensions import db
from qms.organisations.models import City, LocalDayOff


def days_off_of(city_id: int, first: date, last: date) -> dict[date, str]:
    """The calendar's query: the city's days off (not archived) between first and last."""
    rows = db.session.execute(
        select(LocalDayOff.day, LocalDayOff.name).where(
            LocalDayOff.city_id == city_id,
            LocalDayOff.archived_at.is_(None),
            LocalDayOff.day.between(first, last),
        )
    )
    return dict(rows.all())


def register() -> None:
    workdays.set_local_days_off_source(days_off_of)


def listed(user: User, city: City, year: int | None = None) -> list[LocalDayOff]:
    query = access.scoped(LocalDayOff, user).where(LocalDayOff.city_id == city.id)
    if year is not None:
        query = query.where(LocalDayOff.day.between(date(year, 1, 1), date(year, 12, 31)))
    return list(db.session.scalars(query.order_by(LocalDayOff.day, LocalDayOff.id)))


def national(year: int) -> list[tuple[date, str]]:
    """The national days off of the year (holidays and cuti bersama), shown beside the city's."""
    return list(workdays.national_days_off(year).items())


def add(actor: User, city: City, values: dict[str, Any]) -> LocalDayOff:
    """A new day off of the city; a weekend, a national day off or a day already entered is
    refused, since it would change nothing."""
    record = LocalDayOff(city_id=city.id, day=values["day"], name=values["name"].strip())
    access.authorize(actor, access.CREATE, record)
    if city.is_archived:
        raise DomainError(_l("An archived record cannot be changed."))
    off = workdays.Calendar(city.id).day_off(record.day)
    if off is not None:
        raise DomainError(_l("This day is not a working day already."), field="day")
    db.session.add(record)
    db.session.flush()
    workdays.calendar_changed(city.id)
    return record


def archive(actor: User, record: LocalDayOff) -> None:
    """The day counts as a working day again."""
    archiving.archive(actor, record, _l("This record is already archived."))
    workdays.calendar_changed(record.city_id)
