"""The support registers' figures, counted in SQL: instruments due and overdue, competence
gaps (each required competence of a person's position that no valid training gives), the
latest evaluation of each provider, certificates expiring; read by the pages, the panels, the
reminders and `resources_summary`, the plain data of an agency's resources (for the agency
report's resources section and management review)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, select

from qms.core import access
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.support.models import (
    Instrument,
    Person,
    Position,
    PositionCompetence,
    Provider,
    ProviderEvaluation,
    Training,
)
from qms.support.settings import due_notice_days
from qms.support.vocabulary import InstrumentState


def _scoped(model: type, user: Any | None) -> Select:
    """Every row for the reminders and the report (user None), else what the user sees."""
    if user is None:
        return select(model).where(model.archived_at.is_(None))
    return access.scoped(model, user)


def instruments_due(user: Any | None, by: date, agency_id: int | None = None) -> list[Instrument]:
    """In use, due on or before `by` (the overdue ones first)."""
    query = _scoped(Instrument, user).where(Instrument.is_due_by(by))
    if agency_id is not None:
        query = query.where(Instrument.agency_id == agency_id)
    return list(db.session.scalars(query.order_by(Instrument.next_due_on, Instrument.id)))


def instrument_counts(agency_id: int, today: date) -> dict[str, int]:
    """How many of the agency's instruments are in the register, due, overdue, out of service."""
    due_by = today + timedelta(days=due_notice_days())
    live = and_(Instrument.agency_id == agency_id, Instrument.archived_at.is_(None))
    row = db.session.execute(
        select(
            func.count(Instrument.id),
            func.count(Instrument.id).filter(Instrument.is_due_by(due_by)),
            func.count(Instrument.id).filter(Instrument.is_overdue(today)),
            func.count(Instrument.id).filter(
                Instrument.state == InstrumentState.OUT_OF_SERVICE.value
            ),
        ).where(live)
    ).one()
    total, due, overdue, out = row
    return {"total": total, "due": due - overdue, "overdue": overdue, "out_of_service": out}


def gaps(agency_id: int | None, today: date, person_ids: list[int] | None = None) -> list[tuple]:
    """(person id, person name, position title, competence) for each competence a person's
    position requires that none of their trainings with a valid certificate gives."""
    given = exists().where(
        Training.person_id == Person.id,
        func.lower(func.trim(Training.competence)) == func.lower(PositionCompetence.name),
        (Training.certificate_expires_on.is_(None)) | (Training.certificate_expires_on >= today),
    )
    query = (
        select(Person.id, Person.name, Position.title, PositionCompetence.name)
        .join(Position, Position.id == Person.position_id)
        .join(PositionCompetence, PositionCompetence.position_id == Position.id)
        .where(Person.archived_at.is_(None), ~given)
        .order_by(Person.name, Person.id, PositionCompetence.id)
    )
    if agency_id is not None:
        query = query.where(Person.agency_id == agency_id)
    if person_ids is not None:
        query = query.where(Person.id.in_(person_ids))
    return [tuple(row) for row in db.session.execute(query)]


def latest_evaluations(agency_id: int) -> list[tuple[Provider, ProviderEvaluation | None]]:
    """Each provider of the agency in the register with its latest evaluation (or None)."""
    latest = (
        select(ProviderEvaluation.provider_id, func.max(ProviderEvaluation.id).label("last_id"))
        .group_by(ProviderEvaluation.provider_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Provider, ProviderEvaluation)
        .outerjoin(latest, latest.c.provider_id == Provider.id)
        .outerjoin(ProviderEvaluation, ProviderEvaluation.id == latest.c.last_id)
        .where(Provider.agency_id == agency_id, Provider.archived_at.is_(None))
        .order_by(Provider.name, Provider.id)
    )
    return [(provider, evaluation) for provider, evaluation in rows]


def certificates_expiring(user: Any | None, by: date, today: date) -> list[Training]:
    """Staff certificates that expire from today up to `by`."""
    people = _scoped(Person, user).with_only_columns(Person.id)
    query = (
        select(Training)
        .where(
            Training.person_id.in_(people),
            Training.certificate_expires_on >= today,
            Training.certificate_expires_on <= by,
        )
        .order_by(Training.certificate_expires_on, Training.id)
    )
    return list(db.session.scalars(query))


def evaluations_due(user: Any | None, by: date, agency_id: int | None = None) -> list[Provider]:
    query = _scoped(Provider, user).where(Provider.evaluation_due_by(by))
    if agency_id is not None:
        query = query.where(Provider.agency_id == agency_id)
    return list(db.session.scalars(query.order_by(Provider.next_evaluation_on, Provider.id)))


def resources_summary(agency: Agency, today: date | None = None) -> dict[str, Any]:
    """An agency's resources as plain data: its instruments (counts, the due and overdue ones),
    its staff's competence gaps, and its providers' latest evaluations."""
    today = today or local_today()
    due_by = today + timedelta(days=due_notice_days())

    def instrument(i: Instrument) -> dict[str, Any]:
        return {
            "identifier": i.identifier,
            "description": i.description,
            "location": i.location,
            "next_due_on": i.next_due_on,
        }

    due = instruments_due(None, due_by, agency.id)
    return {
        "agency": agency.name,
        "on": today,
        "instruments": instrument_counts(agency.id, today),
        "instruments_overdue": [instrument(i) for i in due if i.next_due_on < today],
        "instruments_due": [instrument(i) for i in due if i.next_due_on >= today],
        "competence_gaps": [
            {"person": name, "position": position, "competence": competence}
            for _id, name, position, competence in gaps(agency.id, today)
        ],
        "providers": [
            {
                "name": provider.name,
                "status": provider.status.value,
                "evaluated_on": evaluation.evaluated_on if evaluation else None,
                "score": evaluation.score if evaluation else None,
                "comments": evaluation.comments if evaluation else "",
                "next_evaluation_on": provider.next_evaluation_on,
            }
            for provider, evaluation in latest_evaluations(agency.id)
        ],
    }
