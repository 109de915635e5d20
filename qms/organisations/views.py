"""Pages for cities, agencies and units. Thin: parse, call one operation, commit, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from qms.core import access
from qms.core.pagination import paginate
from qms.core.registry import agency_panels_for
from qms.core.timeutil import today
from qms.core.views import commit_and_redirect, form_status, require_login, saved
from qms.organisations import days_off, operations, queries
from qms.organisations.forms import AgencyForm, CityForm, LocalDayOffForm, UnitForm
from qms.organisations.models import (
    AGENCY_KIND_LABELS,
    Agency,
    AgencyKind,
    City,
    LocalDayOff,
    Unit,
)

bp = Blueprint("organisations", __name__)
require_login(bp)


def _form_page(form: FlaskForm, title: Any, cancel: str, status: int | None = None):
    status = status or form_status(form)
    return render_template("form_page.html", form=form, title=title, cancel=cancel), status


def _save(form: FlaskForm, change: Callable[[dict[str, Any]], Any]) -> Any:
    """`saved`, with the form's values, and "Saved." said."""
    record = saved(form, lambda: change(form.values()))
    if record is not None:
        flash(_("Saved."), "success")
    return record


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
    form = CityForm()
    city = _save(form, lambda values: operations.create_city(current_user, values))
    if city is not None:
        return redirect(url_for(".city", city_id=city.id))
    return _form_page(form, _("New city"), url_for(".cities"))


@bp.get("/cities/<int:city_id>")
def city(city_id: int):
    record = access.get_visible(City, city_id, current_user)
    return render_template(
        "organisations/city.html",
        city=record,
        agencies=paginate(queries.agencies_query(current_user, record)),
    )


@bp.route("/cities/<int:city_id>/edit", methods=["GET", "POST"])
def edit_city(city_id: int):
    record = access.get_visible(City, city_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = CityForm(obj=record)
    if _save(form, lambda values: operations.update(current_user, record, values)):
        return redirect(url_for(".city", city_id=record.id))
    title = _("Edit %(name)s", name=record.name)
    cancel = url_for(".city", city_id=city_id)
    page = render_template(
        "organisations/edit_city.html", form=form, title=title, cancel=cancel, city=record
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
        kinds=AGENCY_KIND_LABELS,
        selected={"city": city, "kind": kind},
    )


@bp.route("/cities/<int:city_id>/agencies/new", methods=["GET", "POST"])
def new_agency(city_id: int):
    city_record = access.get_visible(City, city_id, current_user)
    access.authorize(current_user, access.CREATE, Agency(city_id=city_record.id))
    form = AgencyForm()
    agency = _save(form, lambda values: operations.create_agency(current_user, city_record, values))
    if agency is not None:
        return redirect(url_for(".agency", agency_id=agency.id))
    return _form_page(
        form,
        _("New agency in %(city)s", city=city_record.name),
        url_for(".city", city_id=city_id),
    )


@bp.get("/agencies/<int:agency_id>")
def agency(agency_id: int):
    record = access.get_visible(Agency, agency_id, current_user)
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


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
def edit_agency(agency_id: int):
    record = access.get_visible(Agency, agency_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = AgencyForm(obj=record)
    if _save(form, lambda values: operations.update(current_user, record, values)):
        return redirect(url_for(".agency", agency_id=record.id))
    return _form_page(
        form, _("Edit %(name)s", name=record.name), url_for(".agency", agency_id=agency_id)
    )


# --- units --------------------------------------------------------------------------------------


@bp.route("/agencies/<int:agency_id>/units/new", methods=["GET", "POST"])
def new_unit(agency_id: int):
    agency_record = access.get_visible(Agency, agency_id, current_user)
    access.authorize(current_user, access.CREATE, Unit(agency_id=agency_record.id))
    form = UnitForm(parents=queries.parent_choices(current_user, agency_record))
    if request.method == "GET" and request.args.get("parent", "").isdigit():
        form.parent_id.data = int(request.args["parent"])
    unit = _save(form, lambda values: operations.create_unit(current_user, agency_record, values))
    if unit is not None:
        return redirect(url_for(".agency", agency_id=agency_id))
    return _form_page(
        form,
        _("New unit in %(agency)s", agency=agency_record.name),
        url_for(".agency", agency_id=agency_id),
    )


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int):
    record = access.get_visible(Unit, unit_id, current_user)
    return render_template("organisations/unit.html", unit=record)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    record = access.get_visible(Unit, unit_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = UnitForm(obj=record, parents=queries.parent_choices(current_user, record.agency, record))
    if request.method == "GET":
        form.parent_id.data = record.parent_id or 0
    if _save(form, lambda values: operations.update(current_user, record, values)):
        return redirect(url_for(".unit", unit_id=record.id))
    return _form_page(form, _("Edit %(name)s", name=record.name), url_for(".unit", unit_id=unit_id))


# --- archiving ----------------------------------------------------------------------------------


def _archive(record: Agency | Unit, target: str):
    operations.archive(current_user, record)
    return commit_and_redirect(target, _("“%(name)s” was archived.", name=record.record_label))


@bp.post("/agencies/<int:agency_id>/archive")
def archive_agency(agency_id: int):
    return _archive(access.get_visible(Agency, agency_id, current_user), url_for(".agencies"))


@bp.post("/units/<int:unit_id>/archive")
def archive_unit(unit_id: int):
    record = access.get_visible(Unit, unit_id, current_user)
    return _archive(record, url_for(".agency", agency_id=record.agency_id))


# --- the city's days off ------------------------------------------------------------------------


@bp.get("/cities/<int:city_id>/days-off")
def days_off_list(city_id: int):
    record = access.get_visible(City, city_id, current_user)
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
    record = access.get_visible(City, city_id, current_user)
    access.authorize(current_user, access.CREATE, LocalDayOff(city_id=record.id))
    form = LocalDayOffForm()
    added = _save(form, lambda values: days_off.add(current_user, record, values))
    target = url_for(".days_off_list", city_id=city_id)
    if added is not None:
        return redirect(url_for(".days_off_list", city_id=city_id, year=added.day.year))
    return _form_page(form, _("New day off in %(city)s", city=record.name), target)


@bp.post("/days-off/<int:day_id>/archive")
def archive_day_off(day_id: int):
    record = access.get_visible(LocalDayOff, day_id, current_user)
    days_off.archive(current_user, record)
    target = url_for(".days_off_list", city_id=record.city_id, year=record.day.year)
    return commit_and_redirect(target, _("“%(name)s” was archived.", name=record.record_label))
