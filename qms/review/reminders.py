"""Reminders of management reviews (sent by `flask qms remind`, each once): a review's open
action due within REVIEW_REMIND_BEFORE_DAYS, and again once it is overdue, to the agency's
quality officers (its city's admins while it has none)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms.accounts.queries import answerable_for
from qms.core.i18n import fmt_date
from qms.core.registry import Reminder
from qms.extensions import db
from qms.review.models import ActionStatus, ManagementReview, ReviewAction
from qms.review.settings import setting


def reminders(today: date) -> Iterator[Reminder]:
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
        for user in answerable_for(review.agency_id, review.agency.city_id):
            with force_locale(user.locale):
                subject = (
                    _("Management review action overdue since %(day)s", day=day)
                    if stage == "overdue"
                    else _("Management review action due on %(day)s", day=day)
                )
                yield Reminder(
                    to=user.email,
                    subject=subject,
                    body=f"{action.description}\n{action.owner}\n\n{review.title}\n{link}",
                    key=f"review-action:{action.id}:{action.due_on.isoformat()}:{stage}:{user.id}",
                )
