"""What the pages and the API read of context, objectives and risks: the lists with their
filters, one objective's chart, the home and agency panels, and what the forms offer. Everything
goes through `access.scoped`: a user reads only what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from qms.accounts.models import User
from qms.core import access
from qms.core.pagination import Page, paginate
from qms.core.registry import Task
from qms.core.roles import Role
from qms.core.tasks import due_tasks
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.organisations.queries import in_city
from qms.planning import figures, periods
from qms.planning.matrix import matrix
from qms.planning.models import ContextIssue, InterestedParty, Objective, Risk, Treatment
from qms.planning.settings import setting
from qms.planning.vocabulary import SCALE

#: the high risks an agency's page names (the register lists them all)
AGENCY_PANEL_RISKS = 5


@dataclass(frozen=True)
class PlanFilter:
    agency_id: int | None = None
    city_id: int | None = None
    year: int | None = None


def _filtered(query: Select, model: type, filters: PlanFilter) -> Select:
    query = in_city(query, model.agency_id, filters.city_id)
    if filters.agency_id:
        query = query.where(model.agency_id == filters.agency_id)
    return query


def issues_query(user: User, filters: PlanFilter) -> Select:
    query = _filtered(access.scoped(ContextIssue, user), ContextIssue, filters)
    return query.order_by(ContextIssue.agency_id, ContextIssue.side, ContextIssue.id)


def parties_query(user: User, filters: PlanFilter) -> Select:
    query = _filtered(access.scoped(InterestedParty, user), InterestedParty, filters)
    return query.order_by(InterestedParty.agency_id, InterestedParty.side, InterestedParty.id)


def objectives_query(user: User, filters: PlanFilter) -> Select:
    query = _filtered(access.scoped(Objective, user), Objective, filters)
    if filters.year:
        query = query.where(Objective.year == filters.year)
    return query.order_by(Objective.year.desc(), Objective.agency_id, Objective.id)


def risks_query(user: User, filters: PlanFilter) -> Select:
    return _filtered(access.scoped(Risk, user), Risk, filters).order_by(Risk.agency_id, Risk.id)


def risk_records(user: User, filters: PlanFilter) -> Select:
    """The risks as the API gives them: with their treatments and linked nonconformities
    loaded for the whole page."""
    query = risks_query(user, filters)
    return query.options(selectinload(Risk.treatments), selectinload(Risk.links))


def rows(query: Select, param: str = "page") -> Page:
    """The page of a list the request asks for (`param` names it when a page has two)."""
    return paginate(query, param=param)


# --- one objective --------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    """One period of an objective's year, measured or not."""

    period: periods.Period
    measurement: Any | None

    @property
    def is_met(self) -> bool | None:
        return None if self.measurement is None else self.measurement.is_met


def period_rows(objective: Objective) -> list[PeriodRow]:
    by_key = {m.period: m for m in objective.measurements}
    return [
        PeriodRow(period, by_key.get(period.key))
        for period in periods.periods_of(objective.year, objective.frequency)
        if period.end >= objective.starts_on
    ]


def chart(objective: Objective) -> dict[str, Any]:
    """Target against actual over the year's periods, for the line chart."""
    table = period_rows(objective)
    return {
        "xs": [row.period.label for row in table],
        "target": [float(objective.target) for _row in table],
        "actual": [
            float(row.measurement.value) if row.measurement is not None else None for row in table
        ],
        "top": max(
            [float(objective.target)]
            + [float(r.measurement.value) for r in table if r.measurement is not None]
        ),
    }


def measurable_periods(objective: Objective, today: date | None = None) -> list[periods.Period]:
    """The periods the measurement form offers: begun, from the objective's start."""
    today = today or local_today()
    return [p.period for p in period_rows(objective) if p.period.start <= today]


# --- risks ----------------------------------------------------------------------------------


def heat_cells(counts: list[list[int]]) -> dict[str, Any]:
    """The heat map as the template draws it: likelihood 5 on top, impact 1 on the left."""
    grid = matrix()
    return {
        "rows": [
            [
                {
                    "count": counts[likelihood - 1][impact - 1],
                    "level": grid.level(likelihood, impact),
                }
                for impact in SCALE
            ]
            for likelihood in reversed(SCALE)
        ],
        "likelihood": [(li, grid.likelihood_label(li)) for li in reversed(SCALE)],
        "impact": [(im, grid.impact_label(im)) for im in SCALE],
    }


def risk_choices(agency: Agency) -> tuple[list[Unit], list[ContextIssue], list[InterestedParty]]:
    """What a risk of the agency can name: its units, context issues and interested parties."""

    def of(model: type) -> list:
        query = select(model).where(model.agency_id == agency.id, model.archived_at.is_(None))
        return list(db.session.scalars(query.order_by(model.id)))

    return of(Unit), of(ContextIssue), of(InterestedParty)


# --- panels ---------------------------------------------------------------------------------


def sees_home_panel(user: User) -> bool:
    return user.has_role(Role.QUALITY_OFFICER, Role.CITY_ADMIN)


def home_context(user: User) -> dict[str, Any]:
    """A quality officer's home: objectives off target this year (the treatments and risk
    reviews due are on the "waiting for you" card: treatment_tasks, risk_review_tasks)."""
    today = local_today()
    return {"off_target": figures.off_target(user, today.year), "today": today}


def sees_tasks(user: User) -> bool:
    return sees_home_panel(user) and not user.is_read_only


def treatment_tasks(user: User, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: the open risk treatments due within the reminders'
    notice, overdue first."""
    today = local_today()
    due_by = today + timedelta(days=setting("TREATMENT_REMIND_BEFORE_DAYS"))
    risks = access.scoped(Risk, user).with_only_columns(Risk.id)
    query = (
        select(Treatment)
        .where(Treatment.risk_id.in_(risks), Treatment.is_due_by(due_by))
        .options(joinedload(Treatment.risk))
        .order_by(Treatment.due_on, Treatment.id)
    )

    def describe(t: Treatment) -> tuple[str, str, date]:
        url = url_for("planning.risk", risk_id=t.risk_id, _anchor="treatments")
        return f"{t.action[:80]} · {t.risk.agency.code}", url, t.due_on

    return due_tasks(query, limit, _l("Carry out the risk treatment"), today, describe)


def risk_review_tasks(user: User, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: the risks whose review date has come."""
    today = local_today()
    query = (
        access.scoped(Risk, user)
        .where(Risk.review_due(today))
        .order_by(Risk.next_review_on, Risk.id)
    )

    def describe(r: Risk) -> tuple[str, str, date | None]:
        url = url_for("planning.risk", risk_id=r.id)
        return f"{r.title} · {r.agency.code}", url, r.next_review_on

    return due_tasks(query, limit, _l("Review the risk"), today, describe)


def agency_panel_context(user: User, agency: Agency) -> dict[str, Any]:
    today = local_today()
    cells = figures.heat_map(user, agency_id=agency.id)
    return {
        "agency": agency,
        "year": today.year,
        "objectives": figures.objective_counts(user, agency.id, today.year),
        "levels": figures.level_counts(cells),
        "high": figures.high_risks(user, agency_id=agency.id)[:AGENCY_PANEL_RISKS],
        "overdue": len(
            [
                t
                for t in figures.treatments_due(user, today, agency_id=agency.id)
                if t.is_overdue(today)
            ]
        ),
    }
