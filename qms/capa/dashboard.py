"""Figures of the CAPA dashboard, computed over what the user may see."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from qms.accounts.models import User
from qms.capa.models import (
    CHANNEL_LABELS,
    Channel,
    Complaint,
    NcGrade,
    Nonconformity,
)
from qms.capa.settings import setting
from qms.core import access
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
    return summarise(
        list(db.session.scalars(access.scoped(Nonconformity, user))),
        list(db.session.scalars(access.scoped(Complaint, user))),
        today,
    )


def summarise(
    ncs: Iterable[Nonconformity], complaints: Iterable[Complaint], today: date
) -> Dashboard:
    """The figures of these nonconformities and complaints (the PDF reports pass an agency's
    or a city's; the dashboard page what the user may see)."""
    result = Dashboard()
    agency_names = dict(db.session.execute(select(Agency.id, Agency.name)).all())
    grades: dict[int, Counter] = defaultdict(Counter)
    ages: Counter = Counter()
    close_days = []
    for nc in ncs:
        if not nc.is_open:
            close_days.append((nc.closed_at.date() - nc.raised_on).days)
            continue
        grades[nc.agency_id][nc.grade] += 1
        ages[bucket_of((today - nc.raised_on).days, AGEING_BUCKETS)] += 1
        if nc.is_overdue(today):
            result.overdue.append(nc)
    result.open_by_agency = sorted(
        ((agency_names[a], c[NcGrade.MAJOR], c[NcGrade.MINOR]) for a, c in grades.items()),
        key=lambda row: (-(row[1] + row[2]), row[0]),
    )
    result.open_total = sum(sum(c.values()) for c in grades.values())
    result.overdue.sort(key=lambda nc: (nc.due_date, nc.id))
    result.ageing = [(label, ages[label]) for _low, _high, label in AGEING_BUCKETS]
    result.closed_count = len(close_days)
    result.mean_days_to_close = sum(close_days) / len(close_days) if close_days else None

    limit = setting("COMPLAINT_RESPONSE_DAYS")
    by_channel: dict[Channel, list[Complaint]] = defaultdict(list)
    buckets: Counter = Counter()
    for complaint in complaints:
        by_channel[complaint.channel].append(complaint)
        days = complaint.response_days()
        if days is None:
            result.unanswered += 1
        else:
            buckets[bucket_of(days, RESPONSE_BUCKETS)] += 1
    for channel in Channel:
        items = by_channel.get(channel, [])
        if not items:
            continue
        label = str(CHANNEL_LABELS[channel])
        result.complaints_by_channel.append((label, len(items)))
        answered = [d for d in (c.response_days() for c in items) if d is not None]
        mean = sum(answered) / len(answered) if answered else None
        in_time = sum(1 for c in items if c.answered_within(limit)) / len(items)
        result.response_by_channel.append((label, len(answered), mean, in_time))
    result.response_buckets = [(label, buckets[label]) for _l, _h, label in RESPONSE_BUCKETS]
    return result
