"""The figures of corrective actions and complaints (the CAPA dashboard, and the sections of the
agency and city reports and dashboards in capa/reports.py), counted in SQL with the rules the
models define once for one record and for many (`Nonconformity.is_open` / `is_overdue`,
`Complaint.response_days` / `answered_within`): a city's thousands of records are never loaded
to be counted."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, extract, func, select
from sqlalchemy.orm import joinedload

from qms.accounts.models import User
from qms.capa.models import Channel, Complaint, NcGrade, Nonconformity
from qms.capa.settings import setting
from qms.core import access
from qms.core.models import days_between
from qms.extensions import db
from qms.organisations.models import Agency, City

#: how many agencies and overdue items the dashboard names (a national reader sees hundreds of
#: agencies and thousands of overdue items: the register lists them all)
DASHBOARD_LISTED = 20

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
    #: (agency name, major, minor) for nonconformities not closed, the agencies with most first,
    #: at most `DASHBOARD_LISTED` of them
    open_by_agency: list[tuple[str, int, int]] = field(default_factory=list)
    #: how many agencies have open nonconformities (more than are listed at national scale)
    agencies_with_open: int = 0
    open_total: int = 0
    #: the longest overdue first, at most `DASHBOARD_LISTED`
    overdue: list[Nonconformity] = field(default_factory=list)
    overdue_count: int = 0
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


#: a period's first and last day; None leaves that end open
Period = tuple[date | None, date | None]


def nonconformities_in(user: User, agency_ids: Sequence[int], period: Period) -> Select:
    """The agencies' nonconformities raised in the period that the user may see (archived
    ones count nowhere)."""
    query = access.scoped(Nonconformity, user).where(Nonconformity.agency_id.in_(agency_ids))
    if period[0]:
        query = query.where(Nonconformity.raised_on >= period[0])
    if period[1]:
        query = query.where(Nonconformity.raised_on <= period[1])
    return query


def complaints_in(user: User, agency_ids: Sequence[int], period: Period) -> Select:
    """The agencies' complaints received in the period that the user may see."""
    query = access.scoped(Complaint, user).where(Complaint.agency_id.in_(agency_ids))
    if period[0]:
        query = query.where(Complaint.received_at >= datetime.combine(period[0], time.min))
    if period[1]:
        query = query.where(Complaint.received_at <= datetime.combine(period[1], time.max))
    return query


def summarise(user: User, agency_ids: Sequence[int], period: Period, today: date) -> Dashboard:
    """The figures of the agencies' nonconformities and complaints of the period (the agency
    compliance report and dashboard)."""
    return _figures(
        nonconformities_in(user, agency_ids, period),
        complaints_in(user, agency_ids, period),
        today,
    )


def counts_per_agency(
    user: User, agency_ids: Sequence[int], period: Period, today: date
) -> dict[int, dict[str, int]]:
    """Per agency, what a city summary needs, counted in SQL (a city has thousands of
    nonconformities and complaints): open and overdue nonconformities, complaints, complaints
    answered in time."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"open": 0, "overdue": 0, "complaints": 0, "in_time": 0}
    )
    for agency_id, open_count, overdue in db.session.execute(
        nonconformities_in(user, agency_ids, period)
        .with_only_columns(
            Nonconformity.agency_id,
            _count_if(Nonconformity.is_open),
            _count_if(Nonconformity.is_overdue(today)),
        )
        .group_by(Nonconformity.agency_id)
    ):
        counts[agency_id].update(open=open_count, overdue=overdue)
    limit = setting("COMPLAINT_RESPONSE_DAYS")
    for agency_id, total, in_time in db.session.execute(
        complaints_in(user, agency_ids, period)
        .with_only_columns(
            Complaint.agency_id, func.count(), _count_if(Complaint.answered_within(limit))
        )
        .group_by(Complaint.agency_id)
    ):
        counts[agency_id].update(complaints=total, in_time=in_time)
    return counts


def raised_per_year(user: User, agency_ids: Sequence[int], period: Period) -> dict[int, int]:
    """How many nonconformities the agencies raised in each year of the period."""
    year = extract("year", Nonconformity.raised_on)
    return {
        int(y): n
        for y, n in db.session.execute(
            nonconformities_in(user, agency_ids, period)
            .with_only_columns(year, func.count())
            .group_by(year)
        )
    }


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group meet the condition."""
    return func.count(case((condition, 1)))


def _mean(value: Decimal | float | None) -> float | None:
    """An SQL average as a float (PostgreSQL averages integers as numeric)."""
    return None if value is None else float(value)


def _figures(ncs: Select, complaints: Select, today: date) -> Dashboard:
    result = Dashboard()
    _open_figures(result, ncs.where(Nonconformity.is_open), today)
    overdue = ncs.where(Nonconformity.is_overdue(today))
    result.overdue_count = db.session.scalar(overdue.with_only_columns(func.count())) or 0
    result.overdue = list(
        db.session.scalars(
            overdue.options(joinedload(Nonconformity.agency))
            .order_by(Nonconformity.due_date, Nonconformity.id)
            .limit(DASHBOARD_LISTED)
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
    listed = sorted(counts, key=lambda a: (-sum(counts[a].values()), a))[:DASHBOARD_LISTED]
    result.open_by_agency = sorted(
        (
            (name, counts[a][NcGrade.MAJOR], counts[a][NcGrade.MINOR])
            for a, name in _agency_names(listed).items()
        ),
        key=lambda row: (-(row[1] + row[2]), row[0]),
    )
    result.agencies_with_open = len(counts)
    result.open_total = sum(sum(c.values()) for c in counts.values())
    ages: Counter = Counter()
    for raised_on, count in db.session.execute(
        open_ncs.with_only_columns(Nonconformity.raised_on, func.count()).group_by(
            Nonconformity.raised_on
        )
    ):
        ages[bucket_of((today - raised_on).days, AGEING_BUCKETS)] += count
    result.ageing = [(label, ages[label]) for _low, _high, label in AGEING_BUCKETS]


def _agency_names(agency_ids: list[int]) -> dict[int, str]:
    """The agencies' names, each with its city's when they are of several cities (a national
    reader sees an "Inspektorat" in every city)."""
    rows = db.session.execute(
        select(Agency.id, Agency.name, City.name)
        .join(City, Agency.city_id == City.id)
        .where(Agency.id.in_(agency_ids))
    ).all()
    several_cities = len({city for _id, _name, city in rows}) > 1
    return {id_: f"{name} ({city})" if several_cities else name for id_, name, city in rows}


def _complaint_figures(result: Dashboard, complaints: Select) -> None:
    """Complaints by channel with their answers, and the days taken to answer: one pass over
    the complaints, grouped by channel and days taken (a few hundred groups for a country's
    120 000 complaints)."""
    limit = setting("COMPLAINT_RESPONSE_DAYS")
    days = Complaint.response_days()
    #: per channel: complaints, answered, working days taken in all, answered in time
    per_channel: dict[Channel, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    buckets: Counter = Counter()
    for channel, taken, count, in_time in db.session.execute(
        complaints.with_only_columns(
            Complaint.channel, days, func.count(), _count_if(Complaint.answered_within(limit))
        ).group_by(Complaint.channel, days)
    ):
        figures = per_channel[channel]
        figures[0] += count
        figures[3] += in_time
        if taken is None:
            result.unanswered += count
        else:
            figures[1] += count
            figures[2] += taken * count
            buckets[bucket_of(taken, RESPONSE_BUCKETS)] += count
    for channel in Channel:
        if channel not in per_channel:
            continue
        total, answered, days_taken, in_time = per_channel[channel]
        label = str(channel.label)
        result.complaints_by_channel.append((label, total))
        mean = days_taken / answered if answered else None
        result.response_by_channel.append((label, answered, mean, in_time / total))
    result.response_buckets = [(label, buckets[label]) for _l, _h, label in RESPONSE_BUCKETS]
