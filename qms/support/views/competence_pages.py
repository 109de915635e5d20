"""Competence (ISO 9001 7.2): the positions with their required competences, the staff with
the competence matrix of their gaps, one person with their trainings and certificates."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core.timeutil import today
from qms.core.views import FormPage, RecordPages
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list
from qms.support import common, competence, queries
from qms.support.forms import (
    NewPersonForm,
    NewPositionForm,
    PersonForm,
    PositionForm,
    TrainingForm,
)
from qms.support.models import Person, Position
from qms.support.views import bp, chosen_filter, prefixed


@bp.get("/competence")
def competence_matrix():
    chosen = chosen_filter()
    people = queries.rows(queries.people_query(current_user, chosen))
    return filtered_list(
        "support/competence.html",
        chosen,
        people=people,
        positions=queries.rows(queries.positions_query(current_user, chosen), "positions_page"),
        matrix=competence.matrix(people, today()),
        may_create=bool(PEOPLE.creatable_owners()),
    )


POSITIONS = RecordPages(Position, ".position", "position_id", ".competence_matrix", owner=Agency)
PEOPLE = RecordPages(Person, ".person", "person_id", ".competence_matrix", owner=Agency)


@POSITIONS.new_page(bp, "/positions/new", refusal=_l("You may not add to an agency's positions."))
def new_position(agencies: list[Agency]) -> FormPage:
    return FormPage(
        NewPositionForm(),
        common.creating(competence.save_position),
        _("New position"),
        then=url_for(".competence_matrix"),
    )


@bp.get("/positions/<int:position_id>")
def position(position_id: int):
    return POSITIONS.page("support/position.html", "position", POSITIONS.get(position_id))


@POSITIONS.form_page(bp, "/positions/<int:position_id>/edit")
def edit_position(record: Position) -> FormPage:
    return FormPage(
        PositionForm(obj=record), common.changing(competence.save_position), record.title
    )


POSITIONS.archive_page(
    bp, "/positions/<int:position_id>/archive", "archive_position", common.archive
)


def _offer_person(form: PersonForm, agencies: list[Agency]) -> None:
    form.offer(
        position_id=prefixed(agencies, lambda a: queries.positions_of(a.id)),
        unit_id=prefixed(agencies, lambda a: queries.units_of(a.id)),
        user_id=prefixed(agencies, queries.accounts_of),
    )


@PEOPLE.new_page(bp, "/people/new", refusal=_l("You may not add to an agency's staff."))
def new_person(agencies: list[Agency]) -> FormPage:
    form = NewPersonForm()
    _offer_person(form, agencies)
    return FormPage(form, common.creating(competence.save_person), _("New member of staff"))


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    record = PEOPLE.get(person_id)
    (row,) = competence.matrix([record], today())
    return PEOPLE.page(
        "support/person.html",
        "person",
        record,
        row=row,
        today=today(),
        certificates={t.id: files_of(t) for t in record.trainings},
    )


@PEOPLE.form_page(bp, "/people/<int:person_id>/edit")
def edit_person(record: Person) -> FormPage:
    form = PersonForm(obj=record)
    _offer_person(form, [record.agency])
    return FormPage(form, common.changing(competence.save_person), record.name)


PEOPLE.archive_page(bp, "/people/<int:person_id>/archive", "archive_person", common.archive)


@PEOPLE.form_page(bp, "/people/<int:person_id>/trainings/new")
def new_training(record: Person) -> FormPage:
    return FormPage(TrainingForm(), competence.add_training, _("Training or certification"))
