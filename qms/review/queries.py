"""What the pages and the API read of management reviews: the list with its filters, the
latest review held, whether a review came late, the agency panel, the actions' links as the
outlets describe them — through `access.scoped` for signed-in users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from qms.accounts.models import User
from qms.core import access
from qms.core.review_inputs import action_outlet
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.review.models import ManagementReview, ReviewAction, ReviewStatus
from qms.review.policies import reads_reviews_of
from qms.review.readiness import readiness
from qms.review.settings import setting

HELD = (ReviewStatus.HELD, ReviewStatus.CLOSED)


@dataclass(frozen=True)
class ReviewFilter:
    agency_id: int | None = None
    status: str | None = None


def reviews_query(user: User, filters: ReviewFilter) -> Select:
    query = access.scoped(ManagementReview, user)
    if filters.agency_id:
        query = query.where(ManagementReview.agency_id == filters.agency_id)
    if filters.status:
        query = query.where(ManagementReview.status == filters.status)
    return query.order_by(ManagementReview.planned_on.desc(), ManagementReview.id.desc())


def review_records(user: User, filters: ReviewFilter) -> Select:
    """The reviews as the API gives them, with their attendees loaded for the whole page."""
    return reviews_query(user, filters).options(selectinload(ManagementReview.attendees))


def writable_agencies(user: User) -> list[Agency]:
    return sorted(access.where_may_create(user, ManagementReview, Agency), key=lambda a: a.name)


def months_between(earlier: date, later: date) -> int:
    """Months from one day to a later one, a month begun counting whole: 12 from 2025-03-10
    to 2026-03-10, 13 to 2026-03-11 (a review due every twelve months is late by then)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months + 1 if later.day > earlier.day else months


def latest_held(agency_id: int, before: date | None = None) -> ManagementReview | None:
    """The agency's review held last (before a day, when given)."""
    query = select(ManagementReview).where(
        ManagementReview.agency_id == agency_id,
        ManagementReview.archived_at.is_(None),
        ManagementReview.status.in_(HELD),
    )
    if before is not None:
        query = query.where(ManagementReview.held_on < before)
    return db.session.scalar(
        query.order_by(ManagementReview.held_on.desc(), ManagementReview.id.desc()).limit(1)
    )


def previous_of(review: ManagementReview) -> ManagementReview | None:
    """The review the agency held before this one (held, or still to be held today)."""
    return latest_held(review.agency_id, before=review.held_on or local_today())


def late_by(review: ManagementReview) -> int | None:
    """Months between the previous review and this one beyond REVIEW_INTERVAL_MONTHS (None:
    on time, or no previous review to measure from)."""
    previous = previous_of(review)
    if previous is None:
        return None
    gap = months_between(previous.held_on, review.held_on or local_today())
    interval = setting("REVIEW_INTERVAL_MONTHS")
    return gap if gap > interval else None


@dataclass(frozen=True)
class LinkShown:
    label: str
    url: str | None


def link_of(action: ReviewAction) -> LinkShown | None:
    if action.link_kind is None or action.link_id is None:
        return None
    outlet = action_outlet(action.link_kind)
    described = outlet.describe(action.link_id) if outlet else None
    if described is None:
        return LinkShown(f"{action.link_kind} #{action.link_id}", None)
    return LinkShown(*described)


def agency_panel_visible(user: User, agency: Agency) -> bool:
    return reads_reviews_of(user, agency)


def agency_panel_context(user: User, agency: Agency) -> dict[str, Any]:
    today = local_today()
    latest = latest_held(agency.id)
    upcoming = db.session.scalars(
        access.scoped(ManagementReview, user)
        .where(
            ManagementReview.agency_id == agency.id,
            ManagementReview.status.in_((ReviewStatus.PLANNED, ReviewStatus.PREPARED)),
        )
        .order_by(ManagementReview.planned_on)
    ).all()
    open_actions = db.session.scalars(
        access.scoped(ReviewAction, user)
        .join(ManagementReview, ManagementReview.id == ReviewAction.review_id)
        .where(ManagementReview.agency_id == agency.id, ReviewAction.done_on.is_(None))
        .order_by(ReviewAction.due_on)
    ).all()
    interval = setting("REVIEW_INTERVAL_MONTHS")
    return {
        "agency": agency,
        "latest": latest,
        "latest_late_by": late_by(latest) if latest else None,
        "overdue_review": latest is None or months_between(latest.held_on, today) > interval,
        "interval": interval,
        "upcoming": upcoming,
        "open_actions": open_actions,
        "today": today,
        "readiness": readiness(agency, today),
    }
