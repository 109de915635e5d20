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


def _businesses(user: Any, filters: BusinessFilterForm) -> Any:
    return queries.search_businesses(
        user,
        text=filters.q.data or "",
        kecamatan=filters.kecamatan.data or "",
        scale=filters.scale.data or "",
        city_id=filters.city_id.data,
    )


businesses = Records("/sme/businesses", Business, SmeBusinessOut, TAG, "business_id")
businesses.list(
    "list_businesses",
    "Small businesses the caller sees, by name",
    _businesses,
    filters=BusinessFilterForm,
)
businesses.create(
    "create_business",
    "Register a small business (city_id may be left out by a caller of one city)",
    BusinessFields,
    lambda user, city, form: operations.create_business(user, city, form.values()),
    owner=Owner(City, "city_id"),
    choices=lambda data: {"cities": _cities_for(Business, data)},
)
businesses.get("get_business", "One small business")
businesses.update(
    "update_business",
    "Change a small business (its city stays): the version read and the fields to change",
    BusinessForm,
    lambda user, business, form: operations.update_business(
        user, business, form.values(), form.version.data
    ),
    current=lambda business, body: {
        **_patch(SmeBusinessOut.of(business), body),
        "city_id": business.city_id,
    },
    choices=lambda business: {"cities": [business.city]},
    exclude=("city_id",),
)


# --- products -----------------------------------------------------------------------------


businesses.children(
    "list_business_products",
    "products",
    "A business's products",
    lambda _user, business: queries.products_of(business),
    SmeProductOut,
)
businesses.add(
    "create_product",
    "products",
    "Add a product to a business",
    ProductFields,
    lambda user, business, form: operations.create_product(user, business, form.values()),
    SmeProductOut,
    prepare=_no_sni_as_zero,
)
products = Records("/sme/products", Product, SmeProductOut, TAG, "product_id")
products.list(
    "list_products",
    "Products of the businesses the caller sees",
    lambda user, filters: queries.search_products(
        user, category=filters.category.data or "", standard_id=filters.standard_id.data
    ),
    filters=ProductFilterForm,
)
products.get("get_product", "One product")
products.update(
    "update_product",
    "Change a product's name, brand, category or SNI: the version read and the fields to change",
    ProductForm,
    lambda user, product, form: operations.update_product(
        user, product, form.values(), form.version.data
    ),
    current=lambda product, body: _patch(SmeProductOut.of(product), body),
    prepare=_no_sni_as_zero,
)


# --- pathways -----------------------------------------------------------------------------


pathways = Records("/sme/pathways", Pathway, SmePathwayOut, TAG, "pathway_id")
pathways.list(
    "list_pathways",
    "Certification pathways the caller sees",
    lambda user, filters: queries.pathway_records(user, stage=filters.stage.data or ""),
    filters=PathwayFilterForm,
)
pathways.create(
    "open_pathway",
    "Open a certification pathway for a product",
    NewPathwayInput,
    lambda user, product, form: operations.open_pathway(user, product, **form.values()),
    owner=Owner(Product, "product_id"),
)
pathways.get("get_pathway", "One pathway with its stages, findings and certificates")
pathways.act(
    "take_step",
    "transitions",
    "Move a pathway one step (the pathway's version read; the action names the step; each step "
    "takes its fields)",
    lambda user, pathway, form: workflow.transition(
        user, pathway, form.action.data, version=form.version.data, **form.values()
    ),
    body=TransitionInput,
    choices=lambda pathway: {"city_id": pathway.city_id},
)
pathways.children(
    "list_lab_tests",
    "lab-tests",
    "Lab test rounds of a pathway",
    lambda _user, pathway: pathway.lab_tests,
    SmeLabTestOut,
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


businesses.children(
    "list_visits",
    "visits",
    "A business's guidance visits and consultations, newest first",
    lambda _user, business: queries.visits_of(business),
    SmeVisitOut,
)
businesses.add(
    "record_visit",
    "visits",
    "Record a guidance visit or consultation",
    VisitForm,
    lambda user, business, form: operations.record_visit(user, business, form.values()),
    SmeVisitOut,
    choices=lambda business: {"city_id": business.city_id},
)
trainings = Records("/sme/trainings", TrainingBatch, SmeTrainingOut, TAG, "training_id")
trainings.list(
    "list_trainings",
    "Training batches the caller sees, newest first",
    lambda user, _filters: queries.training_list(user),
)
trainings.create(
    "create_training",
    "Record a training batch with the businesses that attended",
    TrainingForm,
    lambda user, city, form: operations.create_training(
        user, city, form.values(), form.business_ids.data
    ),
    owner=Owner(City, "city_id"),
    choices=lambda data: {"cities": _cities_for(TrainingBatch, data)},
)
trainings.get("get_training", "One training batch with the businesses that attended")
