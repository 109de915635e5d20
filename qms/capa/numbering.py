"""The number of a nonconformity: KTS-<year>-<agency code>-<sequence>, counted per agency and
year without gaps or doubles however many requests raise at once."""

from __future__ import annotations

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


def format_number(agency: Agency, year: int, sequence: int) -> str:
    return f"KTS-{year}-{agency.code}-{sequence:03d}"
