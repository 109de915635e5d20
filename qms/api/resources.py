"""The foundation's resources: cities, agencies, standards with their clauses."""

from __future__ import annotations

from flask_login import current_user

from qms.api.core import api_route, ok, paginate, schemas
from qms.core import access
from qms.organisations.models import Agency, City
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
    }


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
