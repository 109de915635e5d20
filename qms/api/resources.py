"""The foundation's resources: cities, agencies, standards with their clauses."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from qms.api.core import api_route, json_body, ok, paginate, schemas, validate_form
from qms.core import access
from qms.core.errors import ValidationFailed
from qms.extensions import db
from qms.organisations import services as organisations
from qms.organisations.forms import AgencyForm, UnitForm
from qms.organisations.models import Agency, AgencyKind, City, Unit, UnitKind
from qms.standards import services as standards
from qms.standards.models import Clause, Standard

schemas.update(
    {
        "City": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "province": {"type": "string"},
            },
        },
        "Agency": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "city_id": {"type": "integer"},
                "code": {"type": "string"},
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "head_name": {"type": "string"},
                "address": {"type": "string"},
                "active": {"type": "boolean"},
                "archived": {"type": "boolean"},
            },
        },
        "AgencyInput": {
            "type": "object",
            "required": ["code", "name", "kind"],
            "properties": {
                "city_id": {"type": "integer", "description": "required when creating"},
                "code": {"type": "string", "maxLength": 32},
                "name": {"type": "string", "maxLength": 255},
                "kind": {"type": "string", "enum": [k.value for k in AgencyKind]},
                "head_name": {"type": "string"},
                "address": {"type": "string"},
                "active": {"type": "boolean"},
            },
        },
        "Unit": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "agency_id": {"type": "integer"},
                "parent_id": {"type": "integer", "nullable": True},
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "active": {"type": "boolean"},
                "archived": {"type": "boolean"},
            },
        },
        "UnitInput": {
            "type": "object",
            "required": ["name", "kind"],
            "properties": {
                "name": {"type": "string", "maxLength": 255},
                "kind": {"type": "string", "enum": [k.value for k in UnitKind]},
                "parent_id": {"type": "integer", "nullable": True},
                "active": {"type": "boolean"},
            },
        },
        "Standard": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "version": {"type": "string"},
                "title": {"type": "object"},
            },
        },
        "Clause": {
            "type": "object",
            "properties": {
                "number": {"type": "string"},
                "parent": {"type": "string", "nullable": True},
                "title": {"type": "object"},
                "documented_information": {"type": "string"},
                "questions": {"type": "array", "items": {"type": "object"}},
            },
        },
    }
)


def city_json(city: City) -> dict:
    return {
        "id": city.id,
        "code": city.code,
        "name": city.name,
        "kind": city.kind.value,
        "province": city.province,
    }


def agency_json(agency: Agency) -> dict:
    return {
        "id": agency.id,
        "city_id": agency.city_id,
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind.value,
        "head_name": agency.head_name,
        "address": agency.address,
        "active": agency.active,
        "archived": agency.is_archived,
    }


def unit_json(unit: Unit) -> dict:
    return {
        "id": unit.id,
        "agency_id": unit.agency_id,
        "parent_id": unit.parent_id,
        "name": unit.name,
        "kind": unit.kind.value,
        "active": unit.active,
        "archived": unit.is_archived,
    }


def _merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A PATCH changes only what it names; the form validates the whole result."""
    return {**current, **{k: v for k, v in changes.items() if k in current}}


def standard_json(standard: Standard) -> dict:
    return {
        "id": standard.id,
        "code": standard.code,
        "version": standard.version,
        "title": {"id": standard.title_id, "en": standard.title_en},
    }


def clause_json(clause: Clause, questions: list) -> dict:
    return {
        "number": clause.number,
        "parent": clause.parent.number if clause.parent else None,
        "title": {"id": clause.title_id, "en": clause.title_en},
        "documented_information": clause.documented_information.value,
        "questions": [
            {
                "key": q.key,
                "text": {"id": q.text_id, "en": q.text_en},
                "evidence": {"id": q.evidence_id, "en": q.evidence_en},
            }
            for q in questions
        ],
    }


@api_route(
    "/cities",
    summary="Cities the caller may see",
    tag="organisations",
    response_schema="City",
    many=True,
)
def list_cities():
    return paginate(access.scoped(City, current_user).order_by(City.name), city_json)


@api_route("/cities/<int:city_id>", summary="One city", tag="organisations", response_schema="City")
def get_city(city_id: int):
    return ok(city_json(access.get_visible(City, city_id, current_user)))


@api_route(
    "/agencies",
    summary="Agencies (OPD) the caller may see",
    tag="organisations",
    response_schema="Agency",
    many=True,
)
def list_agencies():
    return paginate(access.scoped(Agency, current_user).order_by(Agency.name), agency_json)


@api_route(
    "/agencies/<int:agency_id>", summary="One agency", tag="organisations", response_schema="Agency"
)
def get_agency(agency_id: int):
    return ok(agency_json(access.get_visible(Agency, agency_id, current_user)))


@api_route(
    "/agencies",
    ("POST",),
    summary="Create an agency in a city the caller administers",
    tag="organisations",
    request_schema="AgencyInput",
    response_schema="Agency",
)
def create_agency():
    data = json_body()
    city_id = data.get("city_id")
    if not isinstance(city_id, int) or isinstance(city_id, bool):
        raise ValidationFailed({"city_id": [_("This field is required.")]})
    city = access.get_visible(City, city_id, current_user)
    form = validate_form(AgencyForm, {"active": True, **data})
    agency = organisations.create_agency(current_user, city, form.values())
    db.session.commit()
    return ok(agency_json(agency), 201)


@api_route(
    "/agencies/<int:agency_id>",
    ("PATCH",),
    summary="Change an agency",
    tag="organisations",
    request_schema="AgencyInput",
    response_schema="Agency",
)
def update_agency(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    access.authorize(current_user, access.EDIT, agency)
    form = validate_form(AgencyForm, _merged(agency_json(agency), json_body()))
    organisations.update_agency(current_user, agency, form.values())
    db.session.commit()
    return ok(agency_json(agency))


@api_route(
    "/agencies/<int:agency_id>/archive",
    ("POST",),
    summary="Archive an agency (records are never deleted)",
    tag="organisations",
    response_schema="Agency",
)
def archive_agency(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    organisations.archive(current_user, agency)
    db.session.commit()
    return ok(agency_json(agency))


@api_route(
    "/agencies/<int:agency_id>/units",
    summary="An agency's units (parent_id gives the tree)",
    tag="organisations",
    response_schema="Unit",
    many=True,
)
def list_units(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    return ok([unit_json(u) for u in organisations.units_of(current_user, agency)])


def _unit_form(agency: Agency, data: dict[str, Any], unit: Unit | None = None) -> UnitForm:
    parents = organisations.parent_choices(current_user, agency, unit)
    return validate_form(
        UnitForm, {**data, "parent_id": data.get("parent_id") or 0}, parents=parents
    )


@api_route(
    "/agencies/<int:agency_id>/units",
    ("POST",),
    summary="Create a unit in an agency",
    tag="organisations",
    request_schema="UnitInput",
    response_schema="Unit",
)
def create_unit(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    access.authorize(current_user, access.CREATE, Unit(agency_id=agency.id))
    form = _unit_form(agency, {"active": True, **json_body()})
    unit = organisations.create_unit(current_user, agency, form.values())
    db.session.commit()
    return ok(unit_json(unit), 201)


@api_route("/units/<int:unit_id>", summary="One unit", tag="organisations", response_schema="Unit")
def get_unit(unit_id: int):
    return ok(unit_json(access.get_visible(Unit, unit_id, current_user)))


@api_route(
    "/units/<int:unit_id>",
    ("PATCH",),
    summary="Change a unit (name, kind, parent, active)",
    tag="organisations",
    request_schema="UnitInput",
    response_schema="Unit",
)
def update_unit(unit_id: int):
    unit = access.get_visible(Unit, unit_id, current_user)
    access.authorize(current_user, access.EDIT, unit)
    form = _unit_form(unit.agency, _merged(unit_json(unit), json_body()), unit)
    organisations.update_unit(current_user, unit, form.values())
    db.session.commit()
    return ok(unit_json(unit))


@api_route(
    "/units/<int:unit_id>/archive",
    ("POST",),
    summary="Archive a unit",
    tag="organisations",
    response_schema="Unit",
)
def archive_unit(unit_id: int):
    unit = access.get_visible(Unit, unit_id, current_user)
    organisations.archive(current_user, unit)
    db.session.commit()
    return ok(unit_json(unit))


@api_route(
    "/standards", summary="Loaded standards", tag="standards", response_schema="Standard", many=True
)
def list_standards():
    return ok([standard_json(s) for s in standards.standards()])


@api_route(
    "/standards/<int:standard_id>/clauses",
    summary="A standard's clause tree with its audit questions",
    tag="standards",
    response_schema="Clause",
    many=True,
)
def list_clauses(standard_id: int):
    standard = access.get_visible(Standard, standard_id, current_user)
    clauses = standards.current_clauses(standard)
    by_clause: dict[int, list] = {}
    for question in standards.current_questions([c.id for c in clauses]):
        by_clause.setdefault(question.clause_id, []).append(question)
    return ok([clause_json(c, by_clause.get(c.id, [])) for c in clauses])
