"""Who may see and change management reviews; registered by `register()` from `init_app`.

The agency's quality officers and its city's admin prepare and record its reviews; the city's
internal auditors and management viewers and the national readers (system admins, BSN
reviewers) read them; another agency's officer sees nothing. Attendees, discussions and actions
are seen and changed with their review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.policies import agency_visibility
from qms.review.models import Attendee, Discussion, ManagementReview, ReviewAction

#: who reads every agency's reviews in their city
CITY_READERS = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER, Role.INTERNAL_AUDITOR)


def reads_agency(user: access.User, column: InstrumentedAttribute) -> ColumnElement[bool]:
    return agency_visibility(user, column, city_roles=CITY_READERS)


def reads_reviews_of(user: access.User, agency: Agency) -> bool:
    """Whether the user reads this agency's reviews (and its readiness)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    query = select(Agency.id).where(Agency.id == agency.id, reads_agency(user, Agency.id))
    return db.session.scalar(query) is not None


class ReviewPolicy(access.Policy):
    def visible(self, user: access.User) -> ColumnElement[bool]:
        return reads_agency(user, ManagementReview.agency_id)

    def may_create_in(self, user: access.User, owner: Agency) -> bool:
        return access.manages_agency(user, owner)

    def allows(self, user: access.User, action: str, record: Any) -> bool:
        agency = record.agency or db.session.get(Agency, record.agency_id)
        return access.manages_agency(user, agency)


def register() -> None:
    access.register_policy(ManagementReview, ReviewPolicy())
    for model in (Attendee, Discussion, ReviewAction):
        # a part of a review: seen and changed with it
        access.register_policy(
            model, access.ChildPolicy(ManagementReview, model.review_id, "review")
        )
