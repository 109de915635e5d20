"""Competence (ISO 9001 7.2): the positions with their required competences, the staff with
the competence matrix of their gaps, one person with their trainings and certificates."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.history import history_of
from qms.core.timeutil import today
from qms.core.views import commit_and_redirect, form_page, save_form
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.organisations.queries import visible_agencies
from qms.support import common, competence, queries
from qms.support.forms import (
    NewPersonForm,
    NewPositionForm,
    PersonForm,
    PositionForm,
    TrainingForm,
)
from qms.support.models import Person, Position
from qms.support.views import bp, chosen_agency, offer_agencies, prefixed, refused


@bp.get("/competence")
def competence_matrix():
    agency_id = chosen_agency()
    people = queries.rows(queries.people_query(current_user, agency_id))
    return render_template(
        "support/competence.html",
        people=people,
        positions=queries.rows(queries.positions_query(current_user, agency_id), "positions_page"),
        matrix=competence.matrix(people, today()),
        agency_id=agency_id,
        agencies=visible_agencies(current_user),
        may_create=bool(queries.writable_agencies(current_user, Person)),
    )


@bp.route("/positions/new", methods=["GET", "POST"])
def new_position():
    agencies = queries.writable_agencies(current_user, Position)
    if not agencies:
        return refused(_("You may not add to an agency's positions."))
    form = NewPositionForm()
    offer_agencies(form, agencies)

    def create(values: dict[str, Any]) -> Position:
        agency = access.owner_for_create(
            current_user, Position, Agency, form.agency_id.data, "agency_id"
        )
        return competence.save_position(current_user, values, agency=agency)

    if save_form(form, create) is not None:
        return redirect(url_for(".competence_matrix"))
    return form_page(form, _("New position"), url_for(".competence_matrix"))


@bp.get("/positions/<int:position_id>")
def position(position_id: int):
    record = access.get_visible(Position, position_id, current_user)
    return render_template(
        "support/position.html",
        position=record,
        may_edit=access.can(current_user, access.EDIT, record) and not record.is_archived,
        history=history_of(record),
    )


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
def edit_position(position_id: int):
    record = access.get_visible(Position, position_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = PositionForm(obj=record)
    if save_form(
        form, lambda values: competence.save_position(current_user, values, record=record)
    ):
        return redirect(url_for(".position", position_id=record.id))
    return form_page(form, record.title, url_for(".position", position_id=record.id))


@bp.post("/positions/<int:position_id>/archive")
def archive_position(position_id: int):
    record = access.get_visible(Position, position_id, current_user)
    common.archive(current_user, record)
    return commit_and_redirect(url_for(".competence_matrix"), _("Archived."))


def _offer_person(form: PersonForm, agencies: list[Agency]) -> None:
    form.offer(
        position_id=prefixed(agencies, lambda a: queries.positions_of(a.id)),
        unit_id=prefixed(agencies, lambda a: queries.units_of(a.id)),
        user_id=prefixed(agencies, queries.accounts_of),
    )


@bp.route("/people/new", methods=["GET", "POST"])
def new_person():
    agencies = queries.writable_agencies(current_user, Person)
    if not agencies:
        return refused(_("You may not add to an agency's staff."))
    form = NewPersonForm()
    offer_agencies(form, agencies)
    _offer_person(form, agencies)

    def create(values: dict[str, Any]) -> Person:
        agency = access.owner_for_create(
            current_user, Person, Agency, form.agency_id.data, "agency_id"
        )
        return competence.save_person(current_user, values, agency=agency)

    record = save_form(form, create)
    if record is not None:
        return redirect(url_for(".person", person_id=record.id))
    return form_page(form, _("New member of staff"), url_for(".competence_matrix"))


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    record = access.get_visible(Person, person_id, current_user)
    (row,) = competence.matrix([record], today())
    return render_template(
        "support/person.html",
        person=record,
        row=row,
        today=today(),
        certificates={t.id: files_of(t) for t in record.trainings},
        may_edit=access.can(current_user, access.EDIT, record) and not record.is_archived,
        history=history_of(record),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
def edit_person(person_id: int):
    record = access.get_visible(Person, person_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = PersonForm(obj=record)
    _offer_person(form, [record.agency])
    if save_form(form, lambda values: competence.save_person(current_user, values, record=record)):
        return redirect(url_for(".person", person_id=record.id))
    return form_page(form, record.name, url_for(".person", person_id=record.id))


@bp.post("/people/<int:person_id>/archive")
def archive_person(person_id: int):
    record = access.get_visible(Person, person_id, current_user)
    common.archive(current_user, record)
    return commit_and_redirect(url_for(".competence_matrix"), _("Archived."))


@bp.route("/people/<int:person_id>/trainings/new", methods=["GET", "POST"])
def new_training(person_id: int):
    record = access.get_visible(Person, person_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = TrainingForm()
    if save_form(form, lambda values: competence.add_training(current_user, record, values)):
        return redirect(url_for(".person", person_id=record.id))
    return form_page(form, _("Training or certification"), url_for(".person", person_id=record.id))
