"""The review's own contributions: the input "status of actions from previous management
reviews" (9.3.2 a), its records as evidence of 9.3 (retain), and the readiness condition "a
management review held within REVIEW_INTERVAL_MONTHS"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core import readiness
from qms.core.review_inputs import InputProvider, add_input_provider
from qms.extensions import db
from qms.review.models import HELD, ManagementReview, ReviewAction
from qms.review.queries import latest_held_of, months_between
from qms.review.settings import setting

LABELS = {
    "actions": _l("Actions decided by earlier reviews"),
    "done": _l("Done by the cut-off"),
    "open": _l("Still open"),
    "overdue": _l("Overdue at the cut-off"),
}


def previous_actions(agency: Any, cut_off: date) -> dict[str, Any]:
    """The actions of the agency's reviews held before the cut-off, as they stand."""
    actions = list(
        db.session.scalars(
            select(ReviewAction)
            .join(ManagementReview, ManagementReview.id == ReviewAction.review_id)
            .where(
                ManagementReview.agency_id == agency.id,
                ManagementReview.archived_at.is_(None),
                ManagementReview.status.in_(HELD),
                ManagementReview.held_on <= cut_off,
            )
            .order_by(ReviewAction.due_on, ReviewAction.id)
        )
    )
    done = [a for a in actions if a.is_done and a.done_on <= cut_off]
    still_open = [a for a in actions if a not in done]
    return {
        "counts": {
            "actions": len(actions),
            "done": len(done),
            "open": len(still_open),
            "overdue": sum(1 for a in still_open if a.due_on < cut_off),
        },
        "rows": [
            {
                "text": f"{a.review.title}: {a.description}",
                "value": (
                    _("done on %(day)s", day=a.done_on.isoformat())
                    if a in done
                    else _("open, due %(day)s", day=a.due_on.isoformat())
                ),
            }
            for a in actions
        ],
    }


def review_records(agency_ids: Sequence[int], today: date) -> readiness.FoundEvidence:
    return readiness.latest_records(
        agency_ids,
        ManagementReview,
        ManagementReview.title,
        ManagementReview.held_on,
        "9.3",
        lambda review_id: readiness.address("review.show", review_id=review_id),
        ManagementReview.status.in_(HELD),
    )


def _recency(review: ManagementReview | None, today: date) -> readiness.Outcome:
    months = setting("REVIEW_INTERVAL_MONTHS")
    if review is None:
        return readiness.Outcome(False, _("No management review has been held."))
    link = [readiness.Evidence(review.title, readiness.address("review.show", review_id=review.id))]
    if months_between(review.held_on, today) > months:
        return readiness.Outcome(
            False,
            _(
                "The latest management review was held on %(day)s, more than %(n)s months ago.",
                day=review.held_on.isoformat(),
                n=months,
            ),
            link,
        )
    return readiness.Outcome(
        True,
        _("A management review was held on %(day)s.", day=review.held_on.isoformat()),
        link,
    )


def held_recently(agency_ids: Sequence[int], today: date) -> dict[int, readiness.Outcome]:
    latest = latest_held_of(agency_ids)
    return {agency_id: _recency(latest.get(agency_id), today) for agency_id in agency_ids}


def register() -> None:
    add_input_provider(
        InputProvider(
            "a",
            "previous-actions",
            _l("Status of actions from previous reviews"),
            previous_actions,
            LABELS,
        )
    )
    readiness.add_evidence_source(
        readiness.EvidenceSource(
            "reviews", _l("Management review minutes"), readiness.RETAIN, review_records, 60
        )
    )
    readiness.add_condition(
        readiness.Condition(
            "review-held",
            _l("A management review held within the interval"),
            held_recently,
            order=30,
        )
    )
