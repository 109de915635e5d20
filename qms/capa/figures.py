"""The figures of corrective actions and complaints (the CAPA dashboard, and the PDF reports'
CAPA section), counted in SQL with the rules the models define once for one record and for
many (`Nonconformity.is_open` / `is_overdue`, `Complaint.response_days` / `answered_within`):
a city's thousands of records are never loaded to be counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, func, select

from qms.accounts.models import User
from qms.capa.models import CHANNEL_LABELS, Channel, Complaint, NcGrade, Nonconformity
from qms.capa.settings import setting
from qms.core import access
from qms.core.models import days_between
from qms.extensions import db
from qms.organisations.models import Agency

AGEING_BUCKETS = ((0, 30, "0–30"), (31, 60, "31–60"), (61, 90, "61–90"), (91, None, "> 90"))
RESPONSE_BUCKETS = (
    (0, 1, "0–1"),
    (2, 3, "2–3"),
    (4, 5, "4–5"),
    (6, 10, "6–10"),
    (11, None, "> 10"),
)


def bucket_of(days: int, buckets: tuple) -> str:
    for low, high, label in buckets:
        if days >= low and (high is None or days <= high):
            return label
    return buckets[0][2]


@dataclass
class Dashboard:
    #: (agency name, major, minor) for nonconformities not closed
    open_by_agency: list[tuple[str, int, int]] = field(default_factory=list)
    open_total: int = 0
    overdue: list[Nonconformity] = field(default_factory=list)
    ageing: list[tuple[str, int]] = field(default_factory=list)
    closed_count: int = 0
    mean_days_to_close: float | None = None
    complaints_by_channel: list[tuple[str, int]] = field(default_factory=list)
    #: (channel, answered, mean days to answer or None, share answered in time or None)
    response_by_channel: list[tuple[str, int, float | None, float | None]] = field(
        default_factory=list
    )
    #: days to answer in buckets, plus the unanswered ones
    response_buckets: list[tuple[str, int]] = field(default_factory=list)
    unanswered: int = 0


def build(user: User, today: date) -> Dashboard:
    """The figures of what the user may see (the dashboard page)."""
    return _figures(access.scoped(Nonconformity, user), access.scoped(Complaint, user), today)


def summarise(
    ncs: Iterable[Nonconformity], complaints: Iterable[Complaint], today: date
) -> Dashboard:
    """The figures of these nonconformities and complaints (the PDF reports pass an agency's
    selection)."""
    return _figures(
        select(Nonconformity).where(Nonconformity.id.in_([nc.id for nc in ncs])),
        select(Complaint).where(Complaint.id.in_([c.id for c in complaints])),
        today,
    )


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group meet the condition."""
    return func.count(case((condition, 1)))


def _mean(value: Decimal | float | None) -> float | None:
    """An SQL average as a float (PostgreSQL averages integers as numeric)."""
    return None if value is None else float(value)


def _figures(ncs: Select, complaints: Select, today: date) -> Dashboard:
    result = Dashboard()
    _open_figures(result, ncs.where(Nonconformity.is_open), today)
    result.overdue = list(
        db.session.scalars(
            ncs.where(Nonconformity.is_overdue(today)).order_by(
                Nonconformity.due_date, Nonconformity.id
            )
        )
    )
    closed_count, mean_days = db.session.execute(
        ncs.where(~Nonconformity.is_open).with_only_columns(
            func.count(), func.avg(days_between(Nonconformity.closed_at, Nonconformity.raised_on))
        )
    ).one()
    result.closed_count = closed_count
    result.mean_days_to_close = _mean(mean_days)
    _complaint_figures(result, complaints)
    return result


def _open_figures(result: Dashboard, open_ncs: Select, today: date) -> None:
    """Open nonconformities by agency and grade, and by age."""
    counts: dict[int, Counter] = {}
    for agency_id, grade, count in db.session.execute(
        open_ncs.with_only_columns(
            Nonconformity.agency_id, Nonconformity.grade, func.count()
        ).group_by(Nonconformity.agency_id, Nonconformity.grade)
    ):
        counts.setdefault(agency_id, Counter())[grade] = count
    names = dict(
        db.session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(counts))).all()
    )
    result.open_by_agency = sorted(
        ((names[a], c[NcGrade.MAJOR], c[NcGrade.MINOR]) for a, c in counts.items()),
        key=lambda row: (-(row[1] + row[2]), row[0]),
    )
    result.open_total = sum(sum(c.values()) for c in counts.values())
    ages: Counter = Counter()
    for raised_on, count in db.session.execute(
        open_ncs.with_only_columns(Nonconformity.raised_on, func.count()).group_by(
            Nonconformity.raised_on
        )
    ):
        ages[bucket_of((today - raised_on).days, AGEING_BUCKETS)] += count
    result.ageing = [(label, ages[label]) for _low, _high, label in AGEING_BUCKETS]


def _complaint_figures(result: Dashboard, complaints: Select) -> None:
    """Complaints by channel with their answers, and the days taken to answer."""
    limit = setting("COMPLAINT_RESPONSE_DAYS")
    days = Complaint.response_days()
    by_channel = {
        channel: (total, answered, mean, in_time)
        for channel, total, answered, mean, in_time in db.session.execute(
            complaints.with_only_columns(
                Complaint.channel,
                func.count(),
                func.count(days),
                func.avg(days),
                _count_if(Complaint.answered_within(limit)),
            ).group_by(Complaint.channel)
        )
    }
    for channel in Channel:
        if channel not in by_channel:
            continue
        total, answered, mean, in_time = by_channel[channel]
        label = str(CHANNEL_LABELS[channel])
        result.complaints_by_channel.append((label, total))
        result.response_by_channel.append((label, answered, _mean(mean), in_time / total))
    buckets: Counter = Counter()
    for taken, count in db.session.execute(
        complaints.with_only_columns(days, func.count()).group_by(days)
    ):
        if taken is None:
            result.unanswered += count
        else:
            buckets[bucket_of(taken, RESPONSE_BUCKETS)] += count
    result.response_buckets = [(label, buckets[label]) for _l, _h, label in RESPONSE_BUCKETS]
