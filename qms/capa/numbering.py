"""The number of a nonconformity: KTS-<year>-<agency code>-<sequence>, counted per agency and
year without gaps or doubles however many requests raise at once."""

from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError

from qms.capa.models import NcCounter
from qms.core.numbering import draw_next
from qms.extensions import db
from qms.organisations.models import Agency


def next_sequence(agency_id: int, year: int) -> int:
    """Atomically take the next number of the agency's year (its counter row is created on the
    year's first number)."""
    where = (NcCounter.agency_id == agency_id, NcCounter.year == year)
    value = draw_next(NcCounter, "last", *where)
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.add(NcCounter(agency_id=agency_id, year=year, last=0))
        except IntegrityError:
            pass  # another request created the counter meanwhile; drawing waits for its lock
        value = draw_next(NcCounter, "last", *where)
    assert value is not None
    return value


def reserve_sequence(agency_id: int, year: int, sequence: int) -> None:
    """Move the agency's counter of the year up to a number an imported nonconformity keeps, so
    that the next one raised is drawn after it (the unique (agency, year, sequence) still
    refuses a number that is taken)."""
    where = (NcCounter.agency_id == agency_id, NcCounter.year == year)
    if db.session.get(NcCounter, (agency_id, year)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(NcCounter(agency_id=agency_id, year=year, last=0))
        except IntegrityError:
            pass  # created meanwhile by another request
    db.session.execute(
        update(NcCounter)
        .where(*where)
        .values(last=case((NcCounter.last < sequence, sequence), else_=NcCounter.last)),
        execution_options={"synchronize_session": False},
    )


def sequence_of_number(agency: Agency, year: int, number: str) -> int | None:
    """The sequence behind a number written as this agency's of that year, or None."""
    prefix = f"KTS-{year}-{agency.code}-"
    if not number.startswith(prefix) or not number[len(prefix) :].isdigit():
        return None
    sequence = int(number[len(prefix) :])
    return sequence if sequence > 0 and format_number(agency, year, sequence) == number else None


def format_number(agency: Agency, year: int, sequence: int) -> str:
    return f"KTS-{year}-{agency.code}-{sequence:03d}"
