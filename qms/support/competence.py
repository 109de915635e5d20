"""Competence (ISO 9001 7.2): an agency's positions with the competences each requires, its
staff, their trainings and certificates, and the matrix of each person's gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import archiving
from qms.core.errors import DomainError, not_in_future
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.support import common, figures
from qms.support.models import Person, Position, PositionCompetence, Training, competence_lines
from qms.support.vocabulary import BAD_NIP, NIP_PATTERN

POSITION_FIELDS = ("title", "required_education")
PERSON_FIELDS = ("name", "nip", "position_id", "unit_id", "education", "user_id")
TRAINING_FIELDS = (
    "title",
    "provider",
    "competence",
    "started_on",
    "finished_on",
    "certificate_number",
    "certificate_expires_on",
    "effectiveness",
    "effective",
)


def _check_position(position: Position, values: dict[str, Any]) -> None:
    """A position has a title; its required competences are given one a line (those no longer
    listed are dropped, those kept keep their rows)."""
    common.required_text(position.title, "title", _l("Name the position."))
    if "required_competences" in values:
        wanted = competence_lines(values["required_competences"] or "")
        if any(len(name) > 255 for name in wanted):
            raise DomainError(
                _l("At most %(max)d characters.", max=255), field="required_competences"
            )
        kept = [r for r in position.requirements if r.name in wanted]
        position.requirements = kept + [
            PositionCompetence(name=name) for name in wanted if name not in position.competences
        ]


def _check_person(person: Person, _values: dict[str, Any]) -> None:
    common.required_text(person.name, "name", _l("Give the person's name."))
    if person.nip and not NIP_PATTERN.match(person.nip):
        raise DomainError(BAD_NIP, field="nip")
    if person.position_id is not None:
        position = db.session.get(Position, person.position_id)
        if position is None or position.agency_id != person.agency_id:
            raise DomainError(_l("Choose one of the agency's positions."), field="position_id")
    common.own_unit(person.unit_id, person.agency_id)
    if person.user_id is not None and db.session.get(User, person.user_id) is None:
        raise DomainError(_l("Unknown user account."), field="user_id")


save_position = common.saving(Position, POSITION_FIELDS, _check_position)
save_person = common.saving(Person, PERSON_FIELDS, _check_person)


def add_training(
    actor: User, person: Person, values: dict[str, Any], today: date | None = None
) -> Training:
    archiving.authorize_change(actor, person)
    today = today or local_today()
    training = Training(person_id=person.id, person=person)
    common.apply(training, values, TRAINING_FIELDS)
    common.required_text(training.title, "title", _l("Name the training or certification."))
    if training.finished_on is None:
        raise DomainError(_l("Give the date it was completed."), field="finished_on")
    not_in_future(training.finished_on, "finished_on", today)
    if training.started_on and training.started_on > training.finished_on:
        raise DomainError(_l("A training cannot end before it starts."), field="finished_on")
    if training.certificate_expires_on and training.certificate_expires_on <= training.finished_on:
        raise DomainError(
            _l("A certificate cannot expire before it was issued."),
            field="certificate_expires_on",
        )
    db.session.add(training)
    db.session.flush()
    common.attach_upload(actor, training, values, training.certificate_number)
    return training


# --- the competence matrix ------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    """One person against their position: each required competence held or not."""

    person: Person
    held: dict[str, bool]

    @property
    def gaps(self) -> list[str]:
        return [c for c, ok in self.held.items() if not ok]


def matrix(people: list[Person], today: date) -> list[MatrixRow]:
    """Each person's required competences, held or not (the gaps counted in SQL, one query)."""
    missing: dict[int, set[str]] = {}
    for person_id, _name, _position, competence in figures.gaps(
        None, today, [p.id for p in people]
    ):
        missing.setdefault(person_id, set()).add(competence)
    return [
        MatrixRow(
            person,
            {
                c: c not in missing.get(person.id, set())
                for c in (person.position.competences if person.position else [])
            },
        )
        for person in people
    ]
