"""Who may see and change management reviews; registered by `register()` from `init_app`.

The agency's quality officers and its city's admin prepare and record its reviews; the city's
internal auditors and management viewers and the national readers (system admins, BSN
reviewers) read them; another agency's officer sees nothing. Attendees, discussions and actions
are seen and changed with their review."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from qms.core import access
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.policies import CITY_RECORD_READERS, AgencyRecordPolicy, agency_visibility
from qms.review.models import Attendee, Discussion, ManagementReview, ReviewAction


def reads_agency(user: access.User, column: InstrumentedAttribute) -> ColumnElement[bool]:
    return agency_visibility(user, column, city_roles=CITY_RECORD_READERS)


def reads_reviews_of(user: access.User, agency: Agency) -> bool:
    """Whether the user reads this agency's reviews (and its readiness)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    query = select(Agency.id).where(Agency.id == agency.id, reads_agency(user, Agency.id))
    return db.session.scalar(query) is not None


def register() -> None:
    access.register_policy(
        ManagementReview, AgencyRecordPolicy(ManagementReview, CITY_RECORD_READERS)
    )
    for model in (Attendee, Discussion, ReviewAction):
        # a part of a review: seen and changed with it
        access.register_policy(
            model, access.ChildPolicy(ManagementReview, model.review_id, "review")
        )
