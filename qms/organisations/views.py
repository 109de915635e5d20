"""Pages for cities, agencies and units. Thin: parse, call one operation, commit, render."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.pagination import paginate
from qms.core.registry import agency_panels_for
from qms.core.timeutil import today
from qms.core.views import (
    FormPage,
    RecordPages,
    commit_and_redirect,
    form_flow,
    form_status,
    require_login,
    save_form,
)
from qms.organisations import days_off, operations, queries
from qms.organisations.forms import AgencyForm, CityForm, LocalDayOffForm, UnitForm
from qms.organisations.models import (
    Agency,
    AgencyKind,
    City,
    LocalDayOff,
    Unit,
)

bp = Blueprint("organisations", __name__)
require_login(bp)


def filtered_list(template: str, filters: Any, **context: Any) -> str:
    """A feature's list narrowed to a city or an agency (`filters`, with their city_id and
    agency_id), with the choices its filter offers the user."""
    return render_template(
        template,
        filters=filters,
        agency_choices=queries.agency_choices(current_user, filters.city_id, filters.agency_id),
        **context,
    )


CITIES = RecordPages(City, ".city", "city_id", ".cities", forbidden_on_form=True)
AGENCIES = RecordPages(Agency, ".agency", "agency_id", ".agencies", forbidden_on_form=True)
UNITS = RecordPages(Unit, ".unit", "unit_id", forbidden_on_form=True)


# --- cities -------------------------------------------------------------------------------------


@bp.get("/cities")
def cities():
    return render_template(
        "organisations/cities.html",
        cities=paginate(queries.cities_query(current_user)),
        may_create=access.can(current_user, access.CREATE, City()),
    )


@bp.route("/cities/new", methods=["GET", "POST"])
def new_city():
    access.authorize(current_user, access.CREATE, City())
    return form_flow(
        CityForm(),
        lambda values: operations.create_city(current_user, values),
        _("New city"),
        url_for(".cities"),
        CITIES.url,
        forbidden_on_form=True,
    )


@bp.get("/cities/<int:city_id>")
def city(city_id: int):
    record = CITIES.get(city_id)
    return render_template(
        "organisations/city.html",
        city=record,
        agencies=paginate(queries.agencies_query(current_user, record)),
    )


@bp.route("/cities/<int:city_id>/edit", methods=["GET", "POST"])
def edit_city(city_id: int):
    record = CITIES.editable(city_id)
    form = CityForm(obj=record)
    change = partial(operations.update, current_user, record)
    if save_form(form, change, forbidden_on_form=True):
        return redirect(CITIES.url(record))
    title = _("Edit %(name)s", name=record.name)
    page = render_template(
        "organisations/edit_city.html",
        form=form,
        title=title,
        cancel=CITIES.url(record),
        city=record,
    )
    return page, form_status(form)


# --- agencies -----------------------------------------------------------------------------------


@bp.get("/agencies")
def agencies():
    cities = queries.visible_cities(current_user)
    city = next((c for c in cities if str(c.id) == request.args.get("city")), None)
    kind_value = request.args.get("kind", "")
    kind = AgencyKind(kind_value) if kind_value in set(AgencyKind) else None
    return render_template(
        "organisations/agencies.html",
        agencies=paginate(
            queries.agencies_query(
                current_user,
                city,
                kind=kind,
                search=request.args.get("q", ""),
                include_archived=request.args.get("archived") == "1",
            )
        ),
        cities=cities,
        managed=queries.cities_managed_by(current_user),
        kinds=AgencyKind.labels(),
        selected={"city": city, "kind": kind},
    )


@bp.route("/cities/<int:city_id>/agencies/new", methods=["GET", "POST"])
def new_agency(city_id: int):
    city_record = CITIES.get(city_id)
    access.authorize(current_user, access.CREATE, Agency(city_id=city_record.id))
    title = _("New agency in %(city)s", city=city_record.name)
    return CITIES.change(AgencyForm(), city_record, operations.create_agency, title, AGENCIES.url)


@bp.get("/agencies/<int:agency_id>")
def agency(agency_id: int):
    record = AGENCIES.get(agency_id)
    panels = [
        (panel.template, panel.context(current_user, record))
        for panel in agency_panels_for(current_user, record)
    ]
    return render_template(
        "organisations/agency.html",
        agency=record,
        units=queries.unit_tree(queries.units_of(current_user, record)),
        panels=panels,
        may_add_unit=not record.is_archived
        and access.can(current_user, access.CREATE, Unit(agency_id=record.id)),
    )


@AGENCIES.form_page(bp, "/agencies/<int:agency_id>/edit")
def edit_agency(record: Agency) -> FormPage:
    return FormPage(AgencyForm(obj=record), operations.update, _("Edit %(name)s", name=record.name))


# --- units --------------------------------------------------------------------------------------


@bp.route("/agencies/<int:agency_id>/units/new", methods=["GET", "POST"])
def new_unit(agency_id: int):
    agency_record = AGENCIES.get(agency_id)
    access.authorize(current_user, access.CREATE, Unit(agency_id=agency_record.id))
    form = UnitForm(parents=queries.parent_choices(current_user, agency_record))
    if request.method == "GET" and request.args.get("parent", "").isdigit():
        form.parent_id.data = int(request.args["parent"])
    title = _("New unit in %(agency)s", agency=agency_record.name)
    return AGENCIES.change(form, agency_record, operations.create_unit, title)


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int):
    record = UNITS.get(unit_id)
    return render_template("organisations/unit.html", unit=record)


@UNITS.form_page(bp, "/units/<int:unit_id>/edit")
def edit_unit(record: Unit) -> FormPage:
    form = UnitForm(obj=record, parents=queries.parent_choices(current_user, record.agency, record))
    if request.method == "GET":
        form.parent_id.data = record.parent_id or 0
    return FormPage(form, operations.update, _("Edit %(name)s", name=record.name))


# --- archiving ----------------------------------------------------------------------------------


def _archive(record: Agency | Unit, target: str):
    operations.archive(current_user, record)
    return commit_and_redirect(target, _("“%(name)s” was archived.", name=record.record_label))


@bp.post("/agencies/<int:agency_id>/archive")
def archive_agency(agency_id: int):
    return _archive(AGENCIES.get(agency_id), url_for(".agencies"))


@bp.post("/units/<int:unit_id>/archive")
def archive_unit(unit_id: int):
    record = UNITS.get(unit_id)
    return _archive(record, url_for(".agency", agency_id=record.agency_id))


# --- the city's days off ------------------------------------------------------------------------


@bp.get("/cities/<int:city_id>/days-off")
def days_off_list(city_id: int):
    record = CITIES.get(city_id)
    year = request.args.get("year", type=int) or today().year
    year = min(max(year, 1900), 2100)
    return render_template(
        "organisations/days_off.html",
        city=record,
        year=year,
        local=days_off.listed(current_user, record, year),
        national=days_off.national(year),
        may_add=access.can(current_user, access.CREATE, LocalDayOff(city_id=record.id)),
    )


@bp.route("/cities/<int:city_id>/days-off/new", methods=["GET", "POST"])
def new_day_off(city_id: int):
    record = CITIES.get(city_id)
    access.authorize(current_user, access.CREATE, LocalDayOff(city_id=record.id))
    return form_flow(
        LocalDayOffForm(),
        partial(days_off.add, current_user, record),
        _("New day off in %(city)s", city=record.name),
        url_for(".days_off_list", city_id=city_id),
        lambda added: url_for(".days_off_list", city_id=city_id, year=added.day.year),
        forbidden_on_form=True,
    )


@bp.post("/days-off/<int:day_id>/archive")
def archive_day_off(day_id: int):
    record = access.get_visible(LocalDayOff, day_id, current_user)
    days_off.archive(current_user, record)
    target = url_for(".days_off_list", city_id=record.city_id, year=record.day.year)
    return commit_and_redirect(target, _("“%(name)s” was archived.", name=record.record_label))
