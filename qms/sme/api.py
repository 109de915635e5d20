"""/api/v1/sme: businesses, products, pathways (with their steps), lab tests and guidance,
through the same forms, operations and policies as the HTML pages; what it answers is declared
in resources.py."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import Field
from wtforms.validators import InputRequired

from qms.api.core import (
    api_children,
    api_record,
    api_route,
    json_body,
    ok,
    paginate,
    patched,
    validate_form,
)
from qms.core import access
from qms.core.errors import PermissionDenied, ValidationFailed
from qms.core.forms import REQUIRED, WholeNumberField
from qms.core.labels import label_of
from qms.extensions import db
from qms.organisations.models import City
from qms.sme import labtests, operations, queries, workflow
from qms.sme.forms import (
    BusinessFields,
    BusinessFilterForm,
    BusinessForm,
    LabTestForm,
    PathwayFilterForm,
    PathwayForm,
    ProductFields,
    ProductFilterForm,
    ProductForm,
    TrainingForm,
    TransitionForm,
    VisitForm,
    day_field,
)
from qms.sme.models import Business, Pathway, Product, TrainingBatch
from qms.sme.resources import (
    SmeBusinessOut,
    SmeLabTestOut,
    SmePathwayOut,
    SmeProductOut,
    SmeTrainingOut,
    SmeVisitOut,
)

TAG = "small businesses"


# --- what the API takes beyond the pages' forms -------------------------------------------


class NewPathwayInput(PathwayForm):
    """The pathway form, plus the product it opens for (the page takes it from the URL)."""

    product_id = WholeNumberField(
        label_of(Pathway, "product_id"), validators=[InputRequired(REQUIRED)]
    )


class TransitionInput(TransitionForm):
    """The step form; without a date the step is taken today."""

    on = day_field(_l("Date"), required=False)


class ResultsField(Field):
    """The results as one JSON object (the page has an input per parameter); read from the
    body by the view, since a form's data is flat."""

    json_schema = {
        "type": "object",
        "additionalProperties": {"type": ["string", "number"]},
    }


class LabTestInput(LabTestForm):
    results = ResultsField(
        _l("Results: parameter key → result as reported"), validators=[InputRequired(REQUIRED)]
    )


def _cities_for(model: type, data: dict[str, Any]) -> list[City]:
    """The cities the caller may create a `model` in (refused when none); a caller with one
    city need not name it."""
    cities = queries.creatable_cities(current_user, model)
    if not cities:
        raise PermissionDenied(_l("You are not allowed to do this."))
    if "city_id" not in data and len(cities) == 1:
        data["city_id"] = cities[0].id
    return cities


def _patch(current: Any, body: dict[str, Any]) -> dict[str, Any]:
    """What a PATCH validates: the record as the API answers it with the body's changes, and
    the version the body carries, never the record's own (a change must name the version it
    was based on)."""
    return {**patched(current, body), "version": body.get("version")}


def _no_sni_as_zero(data: dict[str, Any]) -> dict[str, Any]:
    """null (no SNI or no column of it chosen yet) is the form's 0."""
    return {
        **data,
        "standard_id": data.get("standard_id") or 0,
        "variant_id": data.get("variant_id") or 0,
    }


# --- businesses ---------------------------------------------------------------------------


@api_route(
    "/sme/businesses",
    summary="Small businesses the caller sees, by name",
    tag=TAG,
    query=BusinessFilterForm,
    response=SmeBusinessOut,
    paged=True,
)
def list_businesses():
    filters = validate_form(BusinessFilterForm, request.args.to_dict())
    query = queries.search_businesses(
        current_user,
        text=filters.q.data or "",
        kecamatan=filters.kecamatan.data or "",
        scale=filters.scale.data or "",
        city_id=filters.city_id.data,
    )
    return paginate(query, SmeBusinessOut)


@api_route(
    "/sme/businesses",
    ("POST",),
    summary="Register a small business (city_id may be left out by a caller of one city)",
    tag=TAG,
    body=BusinessFields,
    response=SmeBusinessOut,
    status=201,
)
def create_business():
    data = json_body()
    form = validate_form(BusinessFields, data, cities=_cities_for(Business, data))
    city = access.owner_for_create(current_user, Business, City, form.city_id.data, "city_id")
    business = operations.create_business(current_user, city, form.values())
    db.session.commit()
    return ok(SmeBusinessOut.of(business))


api_record(
    "get_business",
    "/sme/businesses/<int:business_id>",
    Business,
    SmeBusinessOut,
    "One small business",
    TAG,
)


@api_route(
    "/sme/businesses/<int:business_id>",
    ("PATCH",),
    summary="Change a small business (its city stays): the version read and the fields to change",
    tag=TAG,
    body=BusinessForm,
    exclude=("city_id",),
    response=SmeBusinessOut,
)
def update_business(business_id: int):
    business = access.get_visible(Business, business_id, current_user)
    access.authorize(current_user, access.EDIT, business)
    data = {**_patch(SmeBusinessOut.of(business), json_body()), "city_id": business.city_id}
    form = validate_form(BusinessForm, data, cities=[business.city])
    operations.update_business(current_user, business, form.values(), form.version.data)
    db.session.commit()
    return ok(SmeBusinessOut.of(business))


# --- products -----------------------------------------------------------------------------


api_children(
    "list_business_products",
    "/sme/businesses/<int:business_id>/products",
    Business,
    lambda _user, business: queries.products_of(business),
    SmeProductOut,
    "A business's products",
    TAG,
)


@api_route(
    "/sme/businesses/<int:business_id>/products",
    ("POST",),
    summary="Add a product to a business",
    tag=TAG,
    body=ProductFields,
    response=SmeProductOut,
    status=201,
)
def create_product(business_id: int):
    business = access.get_visible(Business, business_id, current_user)
    form = validate_form(ProductFields, _no_sni_as_zero(json_body()))
    product = operations.create_product(current_user, business, form.values())
    db.session.commit()
    return ok(SmeProductOut.of(product))


@api_route(
    "/sme/products",
    summary="Products of the businesses the caller sees",
    tag=TAG,
    query=ProductFilterForm,
    response=SmeProductOut,
    paged=True,
)
def list_products():
    filters = validate_form(ProductFilterForm, request.args.to_dict())
    query = queries.search_products(
        current_user, category=filters.category.data or "", standard_id=filters.standard_id.data
    )
    return paginate(query, SmeProductOut)


api_record(
    "get_product", "/sme/products/<int:product_id>", Product, SmeProductOut, "One product", TAG
)


@api_route(
    "/sme/products/<int:product_id>",
    ("PATCH",),
    summary="Change a product's name, brand, category or SNI: the version read and the fields "
    "to change",
    tag=TAG,
    body=ProductForm,
    response=SmeProductOut,
)
def update_product(product_id: int):
    product = access.get_visible(Product, product_id, current_user)
    access.authorize(current_user, access.EDIT, product)
    data = _no_sni_as_zero(_patch(SmeProductOut.of(product), json_body()))
    form = validate_form(ProductForm, data)
    operations.update_product(current_user, product, form.values(), form.version.data)
    db.session.commit()
    return ok(SmeProductOut.of(product))


# --- pathways -----------------------------------------------------------------------------


@api_route(
    "/sme/pathways",
    summary="Certification pathways the caller sees",
    tag=TAG,
    query=PathwayFilterForm,
    response=SmePathwayOut,
    paged=True,
)
def list_pathways():
    filters = validate_form(PathwayFilterForm, request.args.to_dict())
    query = queries.pathway_records(current_user, stage=filters.stage.data or "")
    return paginate(query, SmePathwayOut)


@api_route(
    "/sme/pathways",
    ("POST",),
    summary="Open a certification pathway for a product",
    tag=TAG,
    body=NewPathwayInput,
    response=SmePathwayOut,
    status=201,
)
def open_pathway():
    form = validate_form(NewPathwayInput, json_body())
    product = access.owner_for_create(
        current_user, Pathway, Product, form.product_id.data, "product_id"
    )
    pathway = operations.open_pathway(current_user, product, **form.values())
    db.session.commit()
    return ok(SmePathwayOut.of(pathway))


api_record(
    "get_pathway",
    "/sme/pathways/<int:pathway_id>",
    Pathway,
    SmePathwayOut,
    "One pathway with its stages, findings and certificates",
    TAG,
)


@api_route(
    "/sme/pathways/<int:pathway_id>/transitions",
    ("POST",),
    summary="Move a pathway one step (the pathway's version read; the action names the step; "
    "each step takes its fields)",
    tag=TAG,
    body=TransitionInput,
    response=SmePathwayOut,
)
def take_step(pathway_id: int):
    pathway = access.get_visible(Pathway, pathway_id, current_user)
    form = validate_form(TransitionInput, json_body(), city_id=pathway.city_id)
    workflow.transition(
        current_user, pathway, form.action.data, version=form.version.data, **form.values()
    )
    db.session.commit()
    return ok(SmePathwayOut.of(pathway))


api_children(
    "list_lab_tests",
    "/sme/pathways/<int:pathway_id>/lab-tests",
    Pathway,
    lambda _user, pathway: pathway.lab_tests,
    SmeLabTestOut,
    "Lab test rounds of a pathway",
    TAG,
)


@api_route(
    "/sme/pathways/<int:pathway_id>/lab-tests",
    ("POST",),
    summary="Record a lab test round with a result for every parameter of the SNI",
    tag=TAG,
    body=LabTestInput,
    response=SmeLabTestOut,
    status=201,
)
def record_lab_test(pathway_id: int):
    pathway = access.get_visible(Pathway, pathway_id, current_user)
    data = json_body()
    results = data.pop("results", None)
    if not isinstance(results, dict):
        raise ValidationFailed(
            {"results": [str(_l("An object {parameter key: result} is required."))]}
        )
    form = validate_form(LabTestForm, data)
    lab_test = labtests.record_lab_test(
        current_user,
        pathway,
        **form.values(),
        results={str(k): str(v) for k, v in results.items()},
    )
    db.session.commit()
    return ok(SmeLabTestOut.of(lab_test))


# --- guidance -----------------------------------------------------------------------------


api_children(
    "list_visits",
    "/sme/businesses/<int:business_id>/visits",
    Business,
    lambda _user, business: queries.visits_of(business),
    SmeVisitOut,
    "A business's guidance visits and consultations, newest first",
    TAG,
)


@api_route(
    "/sme/businesses/<int:business_id>/visits",
    ("POST",),
    summary="Record a guidance visit or consultation",
    tag=TAG,
    body=VisitForm,
    response=SmeVisitOut,
    status=201,
)
def record_visit(business_id: int):
    business = access.get_visible(Business, business_id, current_user)
    form = validate_form(VisitForm, json_body(), city_id=business.city_id)
    visit = operations.record_visit(current_user, business, form.values())
    db.session.commit()
    return ok(SmeVisitOut.of(visit))


@api_route(
    "/sme/trainings",
    summary="Training batches the caller sees, newest first",
    tag=TAG,
    response=SmeTrainingOut,
    paged=True,
)
def list_trainings():
    return paginate(queries.training_list(current_user), SmeTrainingOut)


@api_route(
    "/sme/trainings",
    ("POST",),
    summary="Record a training batch with the businesses that attended",
    tag=TAG,
    body=TrainingForm,
    response=SmeTrainingOut,
    status=201,
)
def create_training():
    data = json_body()
    form = validate_form(TrainingForm, data, cities=_cities_for(TrainingBatch, data))
    city = access.owner_for_create(current_user, TrainingBatch, City, form.city_id.data, "city_id")
    batch = operations.create_training(current_user, city, form.values(), form.business_ids.data)
    db.session.commit()
    return ok(SmeTrainingOut.of(batch))


api_record(
    "get_training",
    "/sme/trainings/<int:training_id>",
    TrainingBatch,
    SmeTrainingOut,
    "One training batch with the businesses that attended",
    TAG,
)
