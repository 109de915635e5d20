"""What the pages and the API read about nonconformities: the register with its filters, what
is overdue or waits for a user, the home and agency panels, and the choices the forms offer.
Everything goes through `access.scoped`: a user reads only what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from qms.accounts.models import User
from qms.accounts.queries import auditors_of_city
from qms.capa.models import CorrectiveAction, NcGrade, NcStatus, Nonconformity
from qms.core import access
from qms.core.filters import where_given
from qms.core.registry import Task
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.organisations.policies import agency_visibility
from qms.organisations.queries import AgencyFilter

#: the overdue items the home panel names (the register lists them all)
HOME_PANEL_OVERDUE = 10


@dataclass(frozen=True)
class RegisterFilter(AgencyFilter):
    status: str | None = None
    source: str | None = None
    grade: str | None = None
    overdue: bool = False
    #: only the plans to accept and actions to verify that wait for the user
    waiting: bool = False
    text: str = ""
    #: archived entries are left out unless asked for
    archived: bool = False


def register_query(user: User, filters: RegisterFilter, today: date | None = None) -> Select:
    scoped = access.scoped(Nonconformity, user, include_archived=filters.archived)
    query = where_given(
        filters.narrow(scoped, Nonconformity.agency_id),
        (Nonconformity.status, filters.status),
        (Nonconformity.source, filters.source),
        (Nonconformity.grade, filters.grade),
    )
    if filters.overdue:
        query = query.where(Nonconformity.is_overdue(today or local_today()))
    if filters.waiting:
        waiting = waiting_query(user)
        ids = waiting.with_only_columns(Nonconformity.id) if waiting is not None else []
        query = query.where(Nonconformity.id.in_(ids))
    if filters.text:
        like = f"%{filters.text.strip()}%"
        query = query.where(
            or_(Nonconformity.number.ilike(like), Nonconformity.statement.ilike(like))
        )
    return query.order_by(Nonconformity.raised_on.desc(), Nonconformity.id.desc())


def overdue(user: User, today: date | None = None, limit: int | None = None) -> list:
    query = (
        access.scoped(Nonconformity, user)
        .where(Nonconformity.is_overdue(today or local_today()))
        .order_by(Nonconformity.due_date, Nonconformity.id)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def linked_nonconformities(user: User, origin: Nonconformity) -> list[Nonconformity]:
    """Those raised elsewhere from the origin's "could this occur elsewhere?" answer."""
    query = access.scoped(Nonconformity, user).where(Nonconformity.origin_id == origin.id)
    return list(db.session.scalars(query))


def open_count(user: User) -> int:
    """The nonconformities the user may see that are not closed yet."""
    query = access.scoped(Nonconformity, user).where(Nonconformity.is_open)
    return db.session.scalar(query.with_only_columns(func.count())) or 0


def _reviews(user: User) -> Any:
    """SQL for policies.REVIEW: the agency's quality officers, and the city's internal auditor
    who raised the nonconformity or follows it up."""
    auditor_cities = user.city_ids(Role.INTERNAL_AUDITOR)
    return or_(
        Nonconformity.agency_id.in_(user.agency_ids(Role.QUALITY_OFFICER)),
        and_(
            Nonconformity.agency_id.in_(
                select(Agency.id).where(Agency.city_id.in_(auditor_cities))
            ),
            or_(Nonconformity.raised_by_id == user.id, Nonconformity.auditor_id == user.id),
        ),
    )


def waiting_query(user: User) -> Select | None:
    """What waits for this user as reviewer, as the workflow's table says (workflow.py):
    plans to accept (not their own) and actions to verify (not implemented by them), soonest
    due first; None for read-only users."""
    if user.is_read_only:
        return None
    admin_cities = user.city_ids(Role.CITY_ADMIN)
    verifies = or_(
        _reviews(user),
        Nonconformity.agency_id.in_(select(Agency.id).where(Agency.city_id.in_(admin_cities))),
    )
    did_an_action = (
        select(CorrectiveAction.id)
        .where(
            CorrectiveAction.nonconformity_id == Nonconformity.id,
            CorrectiveAction.plan_round == Nonconformity.plan_round,
            CorrectiveAction.done_by_id == user.id,
        )
        .exists()
    )
    to_accept = and_(
        Nonconformity.status == NcStatus.PLAN_SUBMITTED,
        _reviews(user),
        or_(
            Nonconformity.plan_submitted_by_id.is_(None),
            Nonconformity.plan_submitted_by_id != user.id,
        ),
    )
    to_verify = and_(
        Nonconformity.status == NcStatus.IMPLEMENTED,
        verifies,
        or_(Nonconformity.implemented_by_id.is_(None), Nonconformity.implemented_by_id != user.id),
        ~did_an_action,
    )
    return (
        access.scoped(Nonconformity, user)
        .where(or_(to_accept, to_verify))
        .order_by(Nonconformity.due_date, Nonconformity.id)
    )


def awaiting(user: User, limit: int | None = None) -> list[Nonconformity]:
    """What waits for this user as reviewer: plans to accept, actions to verify."""
    query = waiting_query(user)
    if query is None:
        return []
    return list(db.session.scalars(query.limit(limit) if limit else query))


def waiting_tasks(user: User, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: the number of plans to accept and actions to verify,
    and the `limit` due soonest."""
    query = waiting_query(user)
    if query is None:
        return 0, []
    count = db.session.scalar(query.order_by(None).with_only_columns(func.count())) or 0
    today = local_today()
    kinds = {
        NcStatus.PLAN_SUBMITTED: _l("Accept or return the plan"),
        NcStatus.IMPLEMENTED: _l("Verify the effectiveness"),
    }
    return count, [
        Task(
            title=f"{nc.number} · {nc.statement[:80]}",
            url=url_for("capa.detail", nc_id=nc.id),
            due=nc.due_date,
            overdue=nc.due_date < today,
            kind=kinds[nc.status],
        )
        for nc in db.session.scalars(query.limit(limit))
    ]


def home_context(user: User) -> dict[str, Any]:
    """The register's panel; what waits for the user is on the "waiting for you" card."""
    return {
        "open": open_count(user),
        "overdue": overdue(user, limit=HOME_PANEL_OVERDUE),
    }


# --- one agency's register ----------------------------------------------------------------


@dataclass(frozen=True)
class AgencySummary:
    """An agency's register as one user may see it: open items by grade, and overdue."""

    agency: Agency
    open_by_grade: dict[NcGrade, int]
    overdue: int

    @property
    def open(self) -> int:
        return sum(self.open_by_grade.values())


def reads_register_of(user: User, agency: Agency) -> bool:
    """The agency's whole register: its officers, its city's readers, national readers."""
    whole = select(Agency.id).where(Agency.id == agency.id, agency_visibility(user, Agency.id))
    return db.session.scalar(whole) is not None


def sees_register_of(user: User, agency: Agency) -> bool:
    """The agency's whole register, or the items of it an auditor raised or follows."""
    if reads_register_of(user, agency):
        return True
    theirs = access.scoped(Nonconformity, user).where(Nonconformity.agency_id == agency.id)
    return db.session.scalar(theirs.limit(1)) is not None


def agency_summary(user: User, agency: Agency, today: date | None = None) -> AgencySummary:
    mine = access.scoped(Nonconformity, user).where(Nonconformity.agency_id == agency.id)
    open_items = mine.where(Nonconformity.is_open)
    counts = dict(
        db.session.execute(
            open_items.with_only_columns(Nonconformity.grade, func.count()).group_by(
                Nonconformity.grade
            )
        ).all()
    )
    overdue_items = mine.where(Nonconformity.is_overdue(today or local_today()))
    return AgencySummary(
        agency=agency,
        open_by_grade={grade: counts.get(grade, 0) for grade in NcGrade},
        overdue=db.session.scalar(overdue_items.with_only_columns(func.count())) or 0,
    )


def agency_panel_context(user: User, agency: Agency) -> dict[str, Any]:
    return {"summary": agency_summary(user, agency), "grade_labels": NcGrade.labels()}


# --- what the forms offer -----------------------------------------------------------------


def unit_choices(agencies: list[Agency]) -> list[tuple[int, str]]:
    """The units of these agencies, each named with its agency's code."""
    units = db.session.scalars(
        select(Unit).where(Unit.agency_id.in_([a.id for a in agencies])).order_by(Unit.name)
    )
    return [(u.id, f"{u.agency.code} · {u.path}") for u in units]


def auditor_choices(agencies: list[Agency]) -> list[tuple[int, str]]:
    """Who may follow up a nonconformity of these agencies: their cities' internal auditors."""
    city_ids = sorted({a.city_id for a in agencies})
    return [(u.id, u.name) for city_id in city_ids for u in auditors_of_city(city_id)]
