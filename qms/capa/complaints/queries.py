"""The complaints and imports a user may read, and where they may import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from qms.accounts.models import User
from qms.capa.models import Complaint, ComplaintImport, Nonconformity
from qms.core import access
from qms.core.errors import PermissionDenied
from qms.core.filters import where_given
from qms.extensions import db
from qms.organisations.models import City
from qms.organisations.queries import AgencyFilter


@dataclass(frozen=True)
class ComplaintFilter(AgencyFilter):
    channel: str | None = None
    #: only those that escalated to a nonconformity
    escalated: bool = False


def complaints_query(user: User, filters: ComplaintFilter, *, newest_first: bool = False) -> Select:
    """The complaints the user may see, oldest first (or newest first, as the page lists them)."""
    query = where_given(
        filters.narrow(access.scoped(Complaint, user), Complaint.agency_id),
        (Complaint.channel, filters.channel),
    )
    if filters.escalated:
        query = query.where(Complaint.nonconformity_id.is_not(None))
    if newest_first:
        return query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
    return query.order_by(Complaint.received_at, Complaint.id)


def complaint_list(user: User, filters: ComplaintFilter) -> Select:
    """The complaints page: newest first, with the nonconformity each escalated to."""
    query = complaints_query(user, filters, newest_first=True)
    return query.options(selectinload(Complaint.nonconformity))


def linked_complaints(user: User, nc: Nonconformity) -> list[Complaint]:
    """The complaints that escalated to this nonconformity, as far as the user may see them."""
    query = access.scoped(Complaint, user).where(Complaint.nonconformity_id == nc.id)
    return list(db.session.scalars(query.order_by(Complaint.received_at)))


def import_cities(user: User) -> list[City]:
    """The cities the user may import complaints for, by name."""
    cities = access.where_may_create(user, ComplaintImport, City)
    return sorted(cities, key=lambda city: city.name)


def import_city(user: User, city_id: Any) -> City:
    """The city an import goes to: the one chosen, which must be one the user may import for
    (a 422 naming `city_id` otherwise); when none is chosen, the only one the user may import
    for."""
    cities = import_cities(user)
    if not cities:
        raise PermissionDenied(_l("You may not import complaints."))
    if city_id in (None, "") and len(cities) == 1:
        return cities[0]
    return access.owner_for_create(user, ComplaintImport, City, city_id, "city_id")
