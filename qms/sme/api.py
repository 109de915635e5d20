"""/api/v1/sme: businesses, products, pathways (with their transitions), lab tests and guidance,
through the same forms, services and permissions as the HTML pages."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from qms.api.core import api_route, iso, json_body, ok, paginate, schemas, validate_form
from qms.core import access
from qms.core.errors import ValidationFailed
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import City
from qms.sme import services
from qms.sme.forms import (
    BusinessForm,
    LabTestForm,
    PathwayForm,
    ProductForm,
    TrainingForm,
    TransitionForm,
    VisitForm,
)
from qms.sme.models import (
    Business,
    GuidanceVisit,
    LabTest,
    Pathway,
    Product,
    ProductCategory,
    Stage,
    TrainingBatch,
)

TAG = "small businesses"


def business_json(b: Business) -> dict[str, Any]:
    return {
        "id": b.id,
        "city_id": b.city_id,
        "name": b.name,
        "owner_name": b.owner_name,
        "nib": b.nib,
        "npwp": b.npwp,
        "address": b.address,
        "kecamatan": b.kecamatan,
        "kelurahan": b.kelurahan,
        "phone": b.phone,
        "email": b.email,
        "scale": b.scale.value,
        "workers": b.workers,
        "registered_on": iso(b.registered_on),
        "archived": b.is_archived,
    }


def product_json(p: Product) -> dict[str, Any]:
    return {
        "id": p.id,
        "business_id": p.business_id,
        "name": p.name,
        "brand": p.brand,
        "category": p.category.value,
        "standard": p.standard.number if p.standard else None,
        "standard_id": p.standard_id,
    }


def lab_test_json(t: LabTest) -> dict[str, Any]:
    return {
        "id": t.id,
        "round": t.round,
        "lab_name": t.lab_name,
        "report_number": t.report_number,
        "sampled_on": iso(t.sampled_on),
        "tested_on": iso(t.tested_on),
        "passed": t.passed,
        "results": [
            {"parameter": r.parameter.key, "value": r.value, "passed": r.passed} for r in t.results
        ],
    }


def pathway_json(p: Pathway) -> dict[str, Any]:
    return {
        "id": p.id,
        "product_id": p.product_id,
        "standard": p.standard.number,
        "scheme": p.scheme.value,
        "scheme_type": p.scheme_type.value if p.scheme_type else None,
        "stage": p.stage.value,
        "held_stage": p.held_stage.value if p.held_stage else None,
        "hold_reason": p.hold_reason,
        "withdraw_reason": p.withdraw_reason,
        "lspro_name": p.lspro_name,
        "lspro_accreditation": p.lspro_accreditation,
        "stages": [
            {
                "stage": s.stage.value,
                "started_on": iso(s.started_on),
                "ended_on": iso(s.ended_on),
                "officer_id": s.officer_id,
                "notes": s.notes,
            }
            for s in p.stages
        ],
        "findings": [
            {
                "id": f.id,
                "grade": f.grade.value,
                "description": f.description,
                "due_on": iso(f.due_on),
                "closed_on": iso(f.closed_on),
            }
            for f in p.findings
        ],
        "certificates": [
            {
                "number": c.number,
                "issuer": c.issuer,
                "issued_on": iso(c.issued_on),
                "expires_on": iso(c.expires_on),
                "surveillance_due": [iso(s.due_on) for s in c.surveillances if not s.done_on],
            }
            for c in p.certificates
        ],
    }


def visit_json(v: GuidanceVisit) -> dict[str, Any]:
    return {
        "id": v.id,
        "business_id": v.business_id,
        "kind": v.kind.value,
        "held_on": iso(v.held_on),
        "officer_id": v.officer_id,
        "topics": v.topics,
        "notes": v.notes,
        "follow_up": v.follow_up,
        "follow_up_on": iso(v.follow_up_on),
    }


def training_json(t: TrainingBatch) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "held_on": iso(t.held_on),
        "trainer": t.trainer,
        "place": t.place,
        "business_ids": [a.business_id for a in t.attendances],
    }


def _object(properties: dict[str, str]) -> dict[str, Any]:
    return {"type": "object", "properties": {k: {"type": v} for k, v in properties.items()}}


schemas.update(
    {
        "SmeBusiness": _object(
            {
                "id": "integer",
                "city_id": "integer",
                "name": "string",
                "owner_name": "string",
                "nib": "string",
                "npwp": "string",
                "address": "string",
                "kecamatan": "string",
                "kelurahan": "string",
                "phone": "string",
                "email": "string",
                "scale": "string",
                "workers": "integer",
                "registered_on": "string",
            }
        ),
        "SmeProduct": _object(
            {
                "id": "integer",
                "business_id": "integer",
                "name": "string",
                "brand": "string",
                "category": "string",
                "standard_id": "integer",
            }
        ),
        "SmePathway": _object(
            {
                "id": "integer",
                "product_id": "integer",
                "scheme": "string",
                "scheme_type": "string",
                "stage": "string",
                "stages": "array",
                "findings": "array",
                "certificates": "array",
            }
        ),
        "SmePathwayNew": _object(
            {
                "product_id": "integer",
                "scheme": "string",
                "scheme_type": "string",
                "started_on": "string",
                "notes": "string",
            }
        ),
        "SmeTransition": _object(
            {
                "action": "string",
                "on": "string",
                "officer_id": "integer",
                "notes": "string",
                "reason": "string",
                "lspro_name": "string",
                "lspro_accreditation": "string",
                "certificate_number": "string",
                "issuer": "string",
                "issued_on": "string",
                "expires_on": "string",
            }
        ),
        "SmeLabTest": {
            "type": "object",
            "properties": {
                "lab_name": {"type": "string"},
                "report_number": {"type": "string"},
                "sampled_on": {"type": "string"},
                "tested_on": {"type": "string"},
                "results": {
                    "type": "object",
                    "description": "parameter key → result as reported",
                    "additionalProperties": {"type": "string"},
                },
                "passed": {"type": "boolean", "readOnly": True},
            },
        },
        "SmeVisit": _object(
            {
                "id": "integer",
                "business_id": "integer",
                "kind": "string",
                "held_on": "string",
                "officer_id": "integer",
                "topics": "string",
                "notes": "string",
                "follow_up": "string",
                "follow_up_on": "string",
            }
        ),
        "SmeTraining": _object(
            {
                "id": "integer",
                "title": "string",
                "held_on": "string",
                "trainer": "string",
                "place": "string",
                "business_ids": "array",
            }
        ),
    }
)


def _writable_city(data: dict[str, Any]) -> list[City]:
    """The cities the caller may write to (refused when none); a caller with one city need not
    name it."""
    cities = services.writable_cities(current_user)
    if not cities:
        access.authorize(current_user, access.CREATE, Business(city_id=None))
    if "city_id" not in data and len(cities) == 1:
        data["city_id"] = cities[0].id
    return cities


@api_route(
    "/sme/businesses",
    ("GET", "POST"),
    summary="Small businesses (filter: q, kecamatan, scale, city_id); POST registers one",
    tag=TAG,
    request_schema="SmeBusiness",
    response_schema="SmeBusiness",
    many=True,
)
def api_businesses():
    if request.method == "GET":
        query = services.search_businesses(
            current_user,
            text=request.args.get("q", ""),
            kecamatan=request.args.get("kecamatan", ""),
            scale=request.args.get("scale", ""),
            city_id=request.args.get("city_id", type=int),
        )
        return paginate(query, business_json)
    data = json_body()
    cities = _writable_city(data)
    form = validate_form(BusinessForm, data, cities=cities)
    business = services.create_business(
        current_user, db.session.get(City, form.city_id.data), form.values()
    )
    db.session.commit()
    return ok(business_json(business), 201)


@api_route(
    "/sme/businesses/<int:business_id>",
    ("GET", "PATCH"),
    summary="One small business; PATCH changes it",
    tag=TAG,
    request_schema="SmeBusiness",
    response_schema="SmeBusiness",
)
def api_business(business_id: int):
    business = access.get_visible(Business, business_id, current_user)
    if request.method == "GET":
        return ok(business_json(business))
    access.authorize(current_user, access.EDIT, business)
    data = {**business_json(business), **json_body(), "city_id": business.city_id}
    form = validate_form(BusinessForm, data, cities=[business.city])
    services.update_business(current_user, business, form.values())
    db.session.commit()
    return ok(business_json(business))


@api_route(
    "/sme/businesses/<int:business_id>/products",
    ("GET", "POST"),
    summary="A business's products; POST adds one",
    tag=TAG,
    request_schema="SmeProduct",
    response_schema="SmeProduct",
    many=True,
)
def api_products(business_id: int):
    business = access.get_visible(Business, business_id, current_user)
    if request.method == "GET":
        return ok([product_json(p) for p in business.products if p.archived_at is None])
    form = validate_form(ProductForm, json_body())
    product = services.create_product(current_user, business, form.values())
    db.session.commit()
    return ok(product_json(product), 201)


@api_route(
    "/sme/products",
    summary="Products of the businesses the caller sees (filter: category, standard_id)",
    tag=TAG,
    response_schema="SmeProduct",
    many=True,
)
def api_all_products():
    query = access.scoped(Product, current_user).where(Product.archived_at.is_(None))
    category = request.args.get("category", "")
    if category in {c.value for c in ProductCategory}:
        query = query.where(Product.category == ProductCategory(category))
    standard_id = request.args.get("standard_id", type=int)
    if standard_id:
        query = query.where(Product.standard_id == standard_id)
    return paginate(query.order_by(Product.id), product_json)


@api_route(
    "/sme/products/<int:product_id>",
    ("GET", "PATCH"),
    summary="One product; PATCH changes its name, brand, category or SNI",
    tag=TAG,
    request_schema="SmeProduct",
    response_schema="SmeProduct",
)
def api_product(product_id: int):
    product = access.get_visible(Product, product_id, current_user)
    if request.method == "GET":
        return ok(product_json(product))
    access.authorize(current_user, access.EDIT, product)
    current = {
        "name": product.name,
        "brand": product.brand,
        "category": product.category.value,
        "standard_id": product.standard_id or 0,
    }
    data = {**current, **json_body()}
    data["standard_id"] = data["standard_id"] or 0  # null: no SNI chosen yet, as the form's 0
    form = validate_form(ProductForm, data)
    services.update_product(current_user, product, form.values())
    db.session.commit()
    return ok(product_json(product))


@api_route(
    "/sme/pathways",
    ("GET", "POST"),
    summary="Certification pathways (filter: stage); POST opens one for a product",
    tag=TAG,
    request_schema="SmePathwayNew",
    response_schema="SmePathway",
    many=True,
)
def api_pathways():
    if request.method == "GET":
        query = access.scoped(Pathway, current_user).order_by(Pathway.id)
        stage = request.args.get("stage", "")
        if stage in {s.value for s in Stage}:
            query = query.where(Pathway.stage == Stage(stage))
        return paginate(query, pathway_json)
    data = json_body()
    product = access.get_visible(Product, data.get("product_id"), current_user)
    form = validate_form(PathwayForm, data)
    pathway = services.open_pathway(
        current_user,
        product,
        scheme=form.scheme.data,
        scheme_type=form.scheme_type.data or None,
        started_on=form.started_on.data,
        notes=form.notes.data or "",
    )
    db.session.commit()
    return ok(pathway_json(pathway), 201)


@api_route(
    "/sme/pathways/<int:pathway_id>",
    summary="One pathway with its stages, findings and certificates",
    tag=TAG,
    response_schema="SmePathway",
)
def api_pathway(pathway_id: int):
    return ok(pathway_json(access.get_visible(Pathway, pathway_id, current_user)))


@api_route(
    "/sme/pathways/<int:pathway_id>/transitions",
    ("POST",),
    summary="Move a pathway one step (action: start_readiness, …, hold, resume_<stage>, withdraw)",
    tag=TAG,
    request_schema="SmeTransition",
    response_schema="SmePathway",
)
def api_transition(pathway_id: int):
    pathway = access.get_visible(Pathway, pathway_id, current_user)
    data = json_body()
    data.setdefault("on", local_today().isoformat())
    form = validate_form(TransitionForm, data, city_id=pathway.city_id)
    services.transition(current_user, pathway, form.action.data, **form.values())
    db.session.commit()
    return ok(pathway_json(pathway))


@api_route(
    "/sme/pathways/<int:pathway_id>/lab-tests",
    ("GET", "POST"),
    summary="Lab test rounds of a pathway; POST records one with a result per SNI parameter",
    tag=TAG,
    request_schema="SmeLabTest",
    response_schema="SmeLabTest",
    many=True,
)
def api_lab_tests(pathway_id: int):
    pathway = access.get_visible(Pathway, pathway_id, current_user)
    if request.method == "GET":
        return ok([lab_test_json(t) for t in pathway.lab_tests])
    data = json_body()
    results = data.pop("results", None)
    if not isinstance(results, dict):
        raise ValidationFailed({"results": ["An object {parameter key: result} is required."]})
    form = validate_form(LabTestForm, data)
    lab_test = services.record_lab_test(
        current_user,
        pathway,
        lab_name=form.lab_name.data,
        report_number=form.report_number.data,
        sampled_on=form.sampled_on.data,
        tested_on=form.tested_on.data,
        results={str(k): str(v) for k, v in results.items()},
    )
    db.session.commit()
    return ok(lab_test_json(lab_test), 201)


@api_route(
    "/sme/businesses/<int:business_id>/visits",
    ("GET", "POST"),
    summary="A business's guidance visits and consultations; POST records one",
    tag=TAG,
    request_schema="SmeVisit",
    response_schema="SmeVisit",
    many=True,
)
def api_visits(business_id: int):
    business = access.get_visible(Business, business_id, current_user)
    if request.method == "GET":
        visits = [v for d, kind, v in services.guidance_history(business) if kind == "visit"]
        return ok([visit_json(v) for v in visits])
    form = validate_form(VisitForm, json_body(), city_id=business.city_id)
    visit = services.record_visit(current_user, business, form.values())
    db.session.commit()
    return ok(visit_json(visit), 201)


@api_route(
    "/sme/trainings",
    ("GET", "POST"),
    summary="Training batches; POST records one with the businesses that attended",
    tag=TAG,
    request_schema="SmeTraining",
    response_schema="SmeTraining",
    many=True,
)
def api_trainings():
    if request.method == "GET":
        query = access.scoped(TrainingBatch, current_user).order_by(TrainingBatch.held_on.desc())
        return paginate(query, training_json)
    data = json_body()
    cities = _writable_city(data)
    ids = data.get("business_ids") or []
    form = validate_form(TrainingForm, data, cities=cities)
    batch = services.create_training(
        current_user, db.session.get(City, form.city_id.data), form.values(), ids
    )
    db.session.commit()
    return ok(training_json(batch), 201)


@api_route(
    "/sme/trainings/<int:training_id>",
    summary="One training batch with the businesses that attended",
    tag=TAG,
    response_schema="SmeTraining",
)
def api_training(training_id: int):
    return ok(training_json(access.get_visible(TrainingBatch, training_id, current_user)))
