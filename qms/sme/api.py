"""/api/v1/sme: businesses, products, pathways (with their steps), lab tests and guidance,
through the same forms, operations and policies as the HTML pages; what it answers is declared
in resources.py."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import Field
from wtforms.validators import InputRequired

from qms.api.core import api_route, json_body, ok, patched, validate_form
from qms.api.records import Owner, Records
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
    cities = access.where_may_create(current_user, model, City)
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

businesses = Records("/sme/businesses", Business, SmeBusinessOut, TAG, "business_id")
products = Records("/sme/products", Product, SmeProductOut, TAG, "product_id")
pathways = Records("/sme/pathways", Pathway, SmePathwayOut, TAG, "pathway_id")
trainings = Records("/sme/trainings", TrainingBatch, SmeTrainingOut, TAG, "training_id")


@businesses.list(filters=BusinessFilterForm)
def list_businesses(user: Any, filters: BusinessFilterForm) -> Any:
    """Small businesses the caller sees, by name"""
    return queries.search_businesses(
        user,
        text=filters.q.data or "",
        kecamatan=filters.kecamatan.data or "",
        scale=filters.scale.data or "",
        city_id=filters.city_id.data,
    )


@businesses.create(
    BusinessFields,
    owner=Owner(City, "city_id"),
    choices=lambda data: {"cities": _cities_for(Business, data)},
)
def create_business(user: Any, city: City, form: BusinessFields) -> Business:
    """Register a small business (city_id may be left out by a caller of one city)"""
    return operations.create_business(user, city, form.values())


businesses.get("get_business", "One small business")


@businesses.update(
    BusinessForm,
    current=lambda business, body: {
        **_patch(SmeBusinessOut.of(business), body),
        "city_id": business.city_id,
    },
    choices=lambda business: {"cities": [business.city]},
    exclude=("city_id",),
)
def update_business(user: Any, business: Business, form: BusinessForm) -> None:
    """Change a small business (its city stays): the version read and the fields to change"""
    operations.update_business(user, business, form.values(), form.version.data)


# --- products -----------------------------------------------------------------------------


@businesses.children("products", SmeProductOut)
def list_business_products(_user: Any, business: Business) -> list[Product]:
    """A business's products"""
    return queries.products_of(business)


@businesses.add("products", ProductFields, SmeProductOut, prepare=_no_sni_as_zero)
def create_product(user: Any, business: Business, form: ProductFields) -> Product:
    """Add a product to a business"""
    return operations.create_product(user, business, form.values())


@products.list(filters=ProductFilterForm)
def list_products(user: Any, filters: ProductFilterForm) -> Any:
    """Products of the businesses the caller sees"""
    return queries.search_products(
        user, category=filters.category.data or "", standard_id=filters.standard_id.data
    )


products.get("get_product", "One product")


@products.update(
    ProductForm,
    current=lambda product, body: _patch(SmeProductOut.of(product), body),
    prepare=_no_sni_as_zero,
)
def update_product(user: Any, product: Product, form: ProductForm) -> None:
    """Change a product's name, brand, category or SNI: the version read and the fields to
    change"""
    operations.update_product(user, product, form.values(), form.version.data)


# --- pathways -----------------------------------------------------------------------------


@pathways.list(filters=PathwayFilterForm)
def list_pathways(user: Any, filters: PathwayFilterForm) -> Any:
    """Certification pathways the caller sees"""
    return queries.pathway_records(user, stage=filters.stage.data or "")


@pathways.create(NewPathwayInput, owner=Owner(Product, "product_id"))
def open_pathway(user: Any, product: Product, form: NewPathwayInput) -> Pathway:
    """Open a certification pathway for a product"""
    return operations.open_pathway(user, product, **form.values())


pathways.get("get_pathway", "One pathway with its stages, findings and certificates")


@pathways.act(
    "transitions", body=TransitionInput, choices=lambda pathway: {"city_id": pathway.city_id}
)
def take_step(user: Any, pathway: Pathway, form: TransitionInput) -> None:
    """Move a pathway one step (the pathway's version read; the action names the step; each step
    takes its fields)"""
    workflow.transition(user, pathway, form.action.data, version=form.version.data, **form.values())


@pathways.children("lab-tests", SmeLabTestOut)
def list_lab_tests(_user: Any, pathway: Pathway) -> list[Any]:
    """Lab test rounds of a pathway"""
    return pathway.lab_tests


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


@businesses.children("visits", SmeVisitOut)
def list_visits(_user: Any, business: Business) -> list[Any]:
    """A business's guidance visits and consultations, newest first"""
    return queries.visits_of(business)


@businesses.add(
    "visits", VisitForm, SmeVisitOut, choices=lambda business: {"city_id": business.city_id}
)
def record_visit(user: Any, business: Business, form: VisitForm) -> Any:
    """Record a guidance visit or consultation"""
    return operations.record_visit(user, business, form.values())


@trainings.list()
def list_trainings(user: Any, _filters: None) -> Any:
    """Training batches the caller sees, newest first"""
    return queries.training_list(user)


@trainings.create(
    TrainingForm,
    owner=Owner(City, "city_id"),
    choices=lambda data: {"cities": _cities_for(TrainingBatch, data)},
)
def create_training(user: Any, city: City, form: TrainingForm) -> TrainingBatch:
    """Record a training batch with the businesses that attended"""
    return operations.create_training(user, city, form.values(), form.business_ids.data)


trainings.get("get_training", "One training batch with the businesses that attended")
