"""Reminders of periodic reviews: due within the notice period and overdue, mailed to each of
the agency's quality officers (`flask qms remind` runs every feature's reminders daily)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms.accounts.models import RoleAssignment, User
from qms.core.i18n import fmt_date
from qms.core.registry import Reminder
from qms.core.roles import Role
from qms.documents.models import Document, ReviewState
from qms.extensions import db


def _officers_by_agency(agency_ids: set[int]) -> dict[int, list[User]]:
    rows = db.session.execute(
        select(RoleAssignment.agency_id, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.QUALITY_OFFICER,
            RoleAssignment.agency_id.in_(agency_ids),
            User.active.is_(True),
        )
        .order_by(User.id)
    )
    officers: dict[int, list[User]] = {}
    for agency_id, user in rows:
        officers.setdefault(agency_id, []).append(user)
    return officers


def review_reminders(today: date) -> Iterator[Reminder]:
    """Reviews due within the notice period and overdue ones, to each of the agency's quality
    officers; the key makes each (document, due date, stage, officer) mail go out once."""
    documents = list(
        db.session.scalars(
            select(Document)
            .where(Document.archived_at.is_(None), Document.review_state(today).is_not(None))
            .order_by(Document.id)
        )
    )
    officers = _officers_by_agency({d.agency_id for d in documents})
    for document in documents:
        stage = document.review_state(today)
        for officer in officers.get(document.agency_id, []):
            with force_locale(officer.locale):
                yield _review_reminder(document, officer, stage)


def _review_reminder(document: Document, officer: User, stage: ReviewState | None) -> Reminder:
    values = {"code": document.code, "title": document.title}
    if stage == ReviewState.OVERDUE:
        subject = _("Review overdue: %(code)s %(title)s", **values)
        opening = _(
            "The periodic review of this document was due on %(date)s and has not been recorded.",
            date=fmt_date(document.next_review_on),
        )
    else:
        subject = _("Review due: %(code)s %(title)s", **values)
        opening = _(
            "The periodic review of this document is due on %(date)s.",
            date=fmt_date(document.next_review_on),
        )
    link = url_for("documents.show", document_id=document.id, _external=True)
    body = "\n\n".join(
        [
            _("Dear %(name)s,", name=officer.name),
            opening,
            _(
                "Record the review: “no change” moves the next review date on; otherwise start "
                "a new revision."
            ),
            link,
        ]
    )
    return Reminder(
        to=officer.email,
        subject=subject,
        body=body,
        key=f"doc-review:{document.id}:{document.next_review_on.isoformat()}:{stage}:{officer.id}",
    )
