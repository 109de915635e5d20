"""What the pages and the API read of management reviews: the list with its filters, the
latest review held, whether a review came late, the agency panel, the actions' links as the
outlets describe them — through `access.scoped` for signed-in users."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from qms.accounts.models import User
from qms.core import access
from qms.core.filters import where_given
from qms.core.readiness import address, first_of_each
from qms.core.registry import Task
from qms.core.review_inputs import ActionOrigin, action_outlet
from qms.core.roles import Role
from qms.core.tasks import due_tasks
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.queries import in_city
from qms.review.models import HELD, ActionStatus, ManagementReview, ReviewAction, ReviewStatus
from qms.review.readiness import readiness
from qms.review.settings import setting

#: the most rows each list of the home panel shows (the rest are a link away)
HOME_PANEL_ROWS = 10
NOT_HELD = (ReviewStatus.PLANNED, ReviewStatus.PREPARED)


class Attention(enum.StrEnum):
    """What the list can be narrowed to: the reviews that need someone now."""

    #: planned for a day that has passed, and not held
    OVERDUE = "overdue"
    #: with an open action due within the reminders' notice, or overdue
    ACTIONS_DUE = "actions_due"


ATTENTION_LABELS = {
    Attention.OVERDUE: _l("Planned date passed, not held"),
    Attention.ACTIONS_DUE: _l("Open actions due or overdue"),
}


@dataclass(frozen=True)
class ReviewFilter:
    agency_id: int | None = None
    city_id: int | None = None
    status: str | None = None
    attention: str | None = None


def overdue_review(today: date) -> ColumnElement[bool]:
    """A review planned for a day before `today` and not held yet."""
    return and_(ManagementReview.status.in_(NOT_HELD), ManagementReview.planned_on < today)


def actions_due_query(user: User, today: date) -> Select:
    """The open actions of the reviews the user may see due within the reminders' notice (or
    overdue), the earliest first."""
    due_by = today + timedelta(days=setting("REVIEW_REMIND_BEFORE_DAYS"))
    reviews = access.scoped(ManagementReview, user).with_only_columns(ManagementReview.id)
    return (
        select(ReviewAction)
        .where(
            ReviewAction.review_id.in_(reviews),
            ReviewAction.status == ActionStatus.OPEN,
            ReviewAction.due_on <= due_by,
        )
        .order_by(ReviewAction.due_on, ReviewAction.id)
    )


def reviews_query(user: User, filters: ReviewFilter) -> Select:
    query = where_given(
        in_city(access.scoped(ManagementReview, user), ManagementReview.agency_id, filters.city_id),
        (ManagementReview.agency_id, filters.agency_id),
        (ManagementReview.status, filters.status),
    )
    if filters.attention == Attention.OVERDUE:
        query = query.where(overdue_review(local_today()))
    elif filters.attention == Attention.ACTIONS_DUE:
        actions = actions_due_query(user, local_today()).with_only_columns(ReviewAction.review_id)
        query = query.where(ManagementReview.id.in_(actions.order_by(None)))
    return query.order_by(ManagementReview.planned_on.desc(), ManagementReview.id.desc())


def review_records(user: User, filters: ReviewFilter) -> Select:
    """The reviews as the API gives them, with their attendees loaded for the whole page."""
    return reviews_query(user, filters).options(selectinload(ManagementReview.attendees))


def months_between(earlier: date, later: date) -> int:
    """Months from one day to a later one, a month begun counting whole: 12 from 2025-03-10
    to 2026-03-10, 13 to 2026-03-11 (a review due every twelve months is late by then)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months + 1 if later.day > earlier.day else months


def _held() -> Select:
    return select(ManagementReview).where(
        ManagementReview.archived_at.is_(None), ManagementReview.status.in_(HELD)
    )


def latest_held(agency_id: int, before: date | None = None) -> ManagementReview | None:
    """The agency's review held last (before a day, when given)."""
    query = _held().where(ManagementReview.agency_id == agency_id)
    if before is not None:
        query = query.where(ManagementReview.held_on < before)
    return db.session.scalar(
        query.order_by(ManagementReview.held_on.desc(), ManagementReview.id.desc()).limit(1)
    )


def latest_held_of(agency_ids: Sequence[int]) -> dict[int, ManagementReview]:
    """Each agency's review held last (agencies without one left out), in one query."""
    latest = first_of_each(
        _held()
        .with_only_columns(ManagementReview.id)
        .where(ManagementReview.agency_id.in_(agency_ids)),
        ManagementReview.agency_id,
        ManagementReview.held_on.desc(),
        ManagementReview.id.desc(),
    )
    reviews = db.session.scalars(select(ManagementReview).where(ManagementReview.id.in_(latest)))
    return {review.agency_id: review for review in reviews}


def previous_of(review: ManagementReview) -> ManagementReview | None:
    """The review the agency held before this one (held, or still to be held today)."""
    return latest_held(review.agency_id, before=review.held_on or local_today())


def _late(previous: date | None, held_on: date) -> int | None:
    if previous is None:
        return None
    gap = months_between(previous, held_on)
    return gap if gap > setting("REVIEW_INTERVAL_MONTHS") else None


def late_by(review: ManagementReview) -> int | None:
    """Months between the previous review and this one beyond REVIEW_INTERVAL_MONTHS (None:
    on time, or no previous review to measure from)."""
    previous = previous_of(review)
    return _late(previous.held_on if previous else None, review.held_on or local_today())


def late_by_of(reviews: Sequence[ManagementReview]) -> dict[int, int | None]:
    """`late_by` of held reviews (by id), in one query: each one's previous held day."""
    this = aliased(ManagementReview)
    previous = dict(
        db.session.execute(
            _held()
            .with_only_columns(this.id, func.max(ManagementReview.held_on))
            .join(
                this,
                and_(
                    this.agency_id == ManagementReview.agency_id,
                    ManagementReview.held_on < this.held_on,
                ),
            )
            .where(this.id.in_([r.id for r in reviews]))
            .group_by(this.id)
        ).all()
    )
    return {r.id: _late(previous.get(r.id), r.held_on or local_today()) for r in reviews}


@dataclass(frozen=True)
class LinkShown:
    label: str
    url: str | None
    #: the linked record's current status ("" when it is gone)
    status: str = ""


def link_of(action: ReviewAction, viewer: Any) -> LinkShown | None:
    """The record the action opened, as the outlet describes it to the viewer: a link only
    when the viewer may open that record."""
    if action.link_kind is None or action.link_id is None:
        return None
    outlet = action_outlet(action.link_kind)
    described = outlet.describe(action.link_id, viewer) if outlet else None
    if described is None:
        return LinkShown(f"{action.link_kind} #{action.link_id}", None)
    return LinkShown(described.label, described.url, described.status)


def origin_of(outlet_key: str, record_id: int, viewer: Any) -> ActionOrigin | None:
    """The action of a review that opened the record (registered in qms.core.review_inputs:
    the nonconformity's and the revision's pages link back), for a viewer who may see the
    review."""
    action = db.session.scalar(
        select(ReviewAction).where(
            ReviewAction.link_kind == outlet_key, ReviewAction.link_id == record_id
        )
    )
    if action is None or not access.can(viewer, access.VIEW, action.review):
        return None
    url = address("review.show", review_id=action.review_id, _anchor=f"action-{action.id}")
    return ActionOrigin(action.review.title, action.description, url)


# --- the home panel -------------------------------------------------------------------------


def sees_home_panel(user: User) -> bool:
    """Those who prepare reviews: the quality officers and the city's administrators."""
    return user.has_role(Role.QUALITY_OFFICER, Role.CITY_ADMIN)


@dataclass(frozen=True)
class ReviewGap:
    """An agency whose latest review was held more than the interval ago, or never."""

    agency: Agency
    last_held_on: date | None


def review_gaps(user: User, today: date) -> list[ReviewGap]:
    """The agencies the user prepares reviews for that held none within REVIEW_INTERVAL_MONTHS
    (the latest of each agency found by one aggregate query), those never reviewed first."""
    agencies = access.where_may_create(user, ManagementReview, Agency)
    if not agencies:
        return []
    latest = dict(
        db.session.execute(
            select(ManagementReview.agency_id, func.max(ManagementReview.held_on))
            .where(
                ManagementReview.agency_id.in_([a.id for a in agencies]),
                ManagementReview.archived_at.is_(None),
                ManagementReview.status.in_(HELD),
            )
            .group_by(ManagementReview.agency_id)
        ).all()
    )
    interval = setting("REVIEW_INTERVAL_MONTHS")
    gaps = [
        ReviewGap(a, latest.get(a.id))
        for a in agencies
        if latest.get(a.id) is None or months_between(latest[a.id], today) > interval
    ]
    return sorted(gaps, key=lambda g: (g.last_held_on is not None, g.last_held_on, g.agency.name))


def home_context(user: User) -> dict[str, Any]:
    """A quality officer's home: the agencies without a review within the interval (reviews
    overdue and actions due are on the "waiting for you" card: review_tasks, action_tasks)."""
    today = local_today()
    gaps = review_gaps(user, today)
    return {
        "today": today,
        "interval": setting("REVIEW_INTERVAL_MONTHS"),
        "gaps": gaps[:HOME_PANEL_ROWS],
        "gap_count": len(gaps),
    }


def sees_tasks(user: User) -> bool:
    """Those who hold and follow up the reviews (read-only roles only read them)."""
    return sees_home_panel(user) and not user.is_read_only


def review_tasks(user: User, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: reviews planned for a day passed and not held."""
    today = local_today()
    query = (
        access.scoped(ManagementReview, user)
        .where(overdue_review(today))
        .order_by(ManagementReview.planned_on, ManagementReview.id)
    )

    def describe(r: ManagementReview) -> tuple[str, str, date]:
        return f"{r.title} · {r.agency.code}", url_for("review.show", review_id=r.id), r.planned_on

    return due_tasks(query, limit, _l("Hold the management review"), today, describe)


def action_tasks(user: User, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: the review actions due or overdue."""
    today = local_today()
    query = actions_due_query(user, today).options(joinedload(ReviewAction.review))

    def describe(a: ReviewAction) -> tuple[str, str, date]:
        url = url_for("review.show", review_id=a.review_id, _anchor=f"action-{a.id}")
        return f"{a.description[:80]} · {a.review.agency.code}", url, a.due_on

    return due_tasks(query, limit, _l("Complete the review action"), today, describe)


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
