"""Reminders of management reviews (sent by `flask qms remind`, each once): a review's open
action due within REVIEW_REMIND_BEFORE_DAYS, and again once it is overdue, to the agency's
quality officers (its city's admins while it has none); a review not held yet, within
REVIEW_REMIND_BEFORE_DAYS of its planned day and again once that day has passed, to the same
people as they chose (at once, or in the daily digest: qms.core.mail.notices)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from qms.accounts.queries import answerable_for
from qms.core.i18n import fmt_date
from qms.core.mail import notices, reminders_to
from qms.core.registry import Reminder
from qms.extensions import db
from qms.review.models import ActionStatus, ManagementReview, ReviewAction
from qms.review.queries import NOT_HELD
from qms.review.settings import setting


def reminders(today: date) -> Iterator[Reminder]:
    yield from _reviews_due(today)
    yield from _actions_due(today)


def _reviews_due(today: date) -> Iterator[Reminder]:
    due_by = today + timedelta(days=setting("REVIEW_REMIND_BEFORE_DAYS"))
    reviews = db.session.scalars(
        select(ManagementReview)
        .where(
            ManagementReview.status.in_(NOT_HELD),
            ManagementReview.planned_on <= due_by,
            ManagementReview.archived_at.is_(None),
        )
        .order_by(ManagementReview.id)
    )
    for review in reviews:
        overdue = review.planned_on < today

        def compose(_user: Any, review: ManagementReview = review, overdue: bool = overdue) -> Any:
            link = url_for("review.show", review_id=review.id, _external=True)
            day = fmt_date(review.planned_on)
            subject = (
                _("Management review not held, planned for %(day)s", day=day)
                if overdue
                else _("Management review due on %(day)s", day=day)
            )
            return subject, f"{review.title} · {review.agency.name}\n{link}"

        stage = "overdue" if overdue else "before"
        yield from notices(
            answerable_for(review.agency_id, review.agency.city_id),
            None,
            f"review-due:{review.id}:{review.planned_on.isoformat()}:{stage}",
            compose,
        )


def _actions_due(today: date) -> Iterator[Reminder]:
    due_by = today + timedelta(days=setting("REVIEW_REMIND_BEFORE_DAYS"))
    actions = db.session.scalars(
        select(ReviewAction)
        .join(ManagementReview, ManagementReview.id == ReviewAction.review_id)
        .where(
            ReviewAction.status == ActionStatus.OPEN,
            ReviewAction.due_on <= due_by,
            ManagementReview.archived_at.is_(None),
        )
        .order_by(ReviewAction.id)
    )
    for action in actions:
        review = action.review
        stage = "overdue" if action.is_overdue(today) else "before"
        link = url_for("review.show", review_id=review.id, _external=True)
        day = fmt_date(action.due_on)
        yield from reminders_to(
            answerable_for(review.agency_id, review.agency.city_id),
            f"review-action:{action.id}:{action.due_on.isoformat()}:{stage}",
            (lambda day=day: _("Management review action overdue since %(day)s", day=day))
            if stage == "overdue"
            else (lambda day=day: _("Management review action due on %(day)s", day=day)),
            lambda action=action: f"{action.description}\n{action.owner}",
            review.title,
            link,
        )
