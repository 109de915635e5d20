"""The figures of corrective actions that a quality objective can be measured by (registered
in `qms.core.registry` from `init_app`): complaints answered within the limit, and corrective
actions closed on time. Each is a percentage for one agency over one period, counted in SQL
with the rules the models define (`Complaint.answered_within`, `Nonconformity.closed_at`
against its due date); None when the period holds nothing to count."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from qms.capa.models import Complaint, Nonconformity
from qms.capa.settings import setting
from qms.core.models import days_between
from qms.core.registry import IndicatorSource, add_indicator_source
from qms.core.timeutil import today as local_today
from qms.extensions import db


def _share(total: int, counted: int) -> float | None:
    return round(100 * counted / total, 2) if total else None


def complaints_answered_in_time(agency_id: int, first: date, last: date) -> float | None:
    """Of the complaints received in the period, the share answered within
    COMPLAINT_RESPONSE_DAYS (unanswered ones count as late)."""
    within = Complaint.answered_within(setting("COMPLAINT_RESPONSE_DAYS"))
    total, counted = db.session.execute(
        select(func.count(Complaint.id), func.sum(case((within, 1), else_=0))).where(
            Complaint.agency_id == agency_id,
            Complaint.received_at >= datetime.combine(first, time.min),
            Complaint.received_at < datetime.combine(last + timedelta(days=1), time.min),
        )
    ).one()
    return _share(total, counted or 0)


def actions_closed_on_time(agency_id: int, first: date, last: date) -> float | None:
    """Of the nonconformities due in the period (those not yet due count once closed), the
    share closed by their due date. Archived ones count nowhere."""
    on_time = days_between(Nonconformity.closed_at, Nonconformity.due_date) <= 0
    total, counted = db.session.execute(
        select(
            func.count(Nonconformity.id),
            func.sum(case((Nonconformity.closed_at.is_not(None) & on_time, 1), else_=0)),
        ).where(
            Nonconformity.agency_id == agency_id,
            Nonconformity.archived_at.is_(None),
            Nonconformity.due_date.between(first, last),
            or_(Nonconformity.closed_at.is_not(None), Nonconformity.due_date < local_today()),
        )
    ).one()
    return _share(total, counted or 0)


def register() -> None:
    add_indicator_source(
        IndicatorSource(
            "complaints_answered_in_time",
            _l("Complaints answered within the time limit (%)"),
            "percent",
            complaints_answered_in_time,
            order=10,
        )
    )
    add_indicator_source(
        IndicatorSource(
            "corrective_actions_closed_on_time",
            _l("Corrective actions closed by their due date (%)"),
            "percent",
            actions_closed_on_time,
            order=20,
        )
    )
