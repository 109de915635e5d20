"""What the support pages and the API read: the registers with their agency filter, what the
forms offer, and the agency panel. Everything goes through `access.scoped`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from qms.accounts.models import User
from qms.accounts.queries import auditors_of_city
from qms.core import access
from qms.core.pagination import Page, paginate
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit
from qms.organisations.queries import AgencyFilter
from qms.support import figures
from qms.support.models import (
    AuditorEvaluation,
    AuditorQualification,
    Instrument,
    Person,
    Position,
    Provider,
)
from qms.support.settings import setting

#: a list not narrowed to a city or agency
EVERYWHERE = AgencyFilter()


def reads_support(user: Any) -> bool:
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def _filtered(model: type, user: User, chosen: AgencyFilter) -> Select:
    return chosen.narrow(access.scoped(model, user), model.agency_id)


def instruments_query(user: User, chosen: AgencyFilter = EVERYWHERE) -> Select:
    return _filtered(Instrument, user, chosen).order_by(Instrument.agency_id, Instrument.identifier)


def positions_query(user: User, chosen: AgencyFilter = EVERYWHERE) -> Select:
    return _filtered(Position, user, chosen).order_by(Position.agency_id, Position.title)


def position_records(user: User, chosen: AgencyFilter = EVERYWHERE) -> Select:
    """The positions as the API gives them, with their competences loaded for the page."""
    return positions_query(user, chosen).options(selectinload(Position.requirements))


def people_query(user: User, chosen: AgencyFilter = EVERYWHERE) -> Select:
    # the matrix reads each person's position and its competences: loaded with the page
    return (
        _filtered(Person, user, chosen)
        .options(selectinload(Person.position).selectinload(Position.requirements))
        .order_by(Person.agency_id, Person.name, Person.id)
    )


def providers_query(user: User, chosen: AgencyFilter = EVERYWHERE) -> Select:
    return _filtered(Provider, user, chosen).order_by(Provider.agency_id, Provider.name)


def qualifications_query(user: User) -> Select:
    return (
        access.scoped(AuditorQualification, user)
        .options(selectinload(AuditorQualification.trainings))
        .order_by(AuditorQualification.city_id, AuditorQualification.id)
    )


def evaluations_query(user: User, auditor_id: int | None = None) -> Select:
    query = access.scoped(AuditorEvaluation, user).options(
        joinedload(AuditorEvaluation.auditor), joinedload(AuditorEvaluation.evaluator)
    )
    if auditor_id:
        query = query.where(AuditorEvaluation.auditor_id == auditor_id)
    return query.order_by(AuditorEvaluation.evaluated_on.desc(), AuditorEvaluation.id.desc())


def rows(query: Select, param: str = "page") -> Page:
    """The page of a list the request asks for (`param` names it when a page has two)."""
    return paginate(query, param=param)


def unqualified_auditors(cities: list[City]) -> list[User]:
    """The internal auditors of these cities with no qualification on record yet."""
    known = set(db.session.scalars(select(AuditorQualification.user_id)))
    return [user for city in cities for user in auditors_of_city(city.id) if user.id not in known]


def units_of(agency_id: int) -> list[tuple[int, str]]:
    return [
        (u.id, u.path) for u in db.session.scalars(select(Unit).where(Unit.agency_id == agency_id))
    ]


def positions_of(agency_id: int) -> list[tuple[int, str]]:
    return [
        (p.id, p.title)
        for p in db.session.scalars(
            select(Position)
            .where(Position.agency_id == agency_id, Position.archived_at.is_(None))
            .order_by(Position.title)
        )
    ]


def accounts_of(agency: Agency) -> list[tuple[int, str]]:
    """The user accounts a person of this agency may be linked to: those of its city."""
    from qms.accounts.models import RoleAssignment

    in_city = select(RoleAssignment.user_id).where(RoleAssignment.city_id == agency.city_id)
    users = db.session.scalars(select(User).where(User.id.in_(in_city)).order_by(User.name))
    return [(u.id, u.name) for u in users]


# --- the agency panel -----------------------------------------------------------------------


def agency_panel_context(user: User, agency: Agency) -> dict[str, Any]:
    today = local_today()
    return {
        "agency": agency,
        "today": today,
        "instruments": figures.instrument_counts(agency.id, today),
        "overdue": [
            i for i in figures.instruments_due(user, today, agency.id) if i.is_overdue(today)
        ],
        "gaps": figures.gaps(agency.id, today),
        "providers": figures.latest_evaluations(agency.id),
        "evaluations_due": figures.evaluations_due(
            user, today + timedelta(days=setting("PROVIDER_REMIND_DAYS")), agency.id
        ),
    }
