"""The registry's pages: businesses, their products, guidance visits and trainings."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.errors import StaleRecordError
from qms.core.history import history_of
from qms.core.pagination import paginate
from qms.core.timeutil import today
from qms.core.views import (
    RecordPages,
    commit_and_redirect,
    export_list,
    form_status,
    page_with_form,
    saved_then,
)
from qms.extensions import db
from qms.organisations.models import City
from qms.organisations.queries import kelurahan_by_kecamatan
from qms.sme import exports, operations, policies, queries
from qms.sme.forms import (
    ArchiveForm,
    BusinessFields,
    BusinessForm,
    PathwayForm,
    ProductFields,
    ProductForm,
    TrainingForm,
    VisitForm,
)
from qms.sme.models import Business, Product, TrainingBatch
from qms.sme.views import bp, forbidden

# --- businesses ---------------------------------------------------------------------------


@bp.get("/businesses.<any(csv, xlsx):fmt>")
def businesses_export(fmt: str):
    query = queries.business_list(current_user, **_business_filters())
    return export_list(fmt, query, "umk", exports.BUSINESS_COLUMNS)


def _business_filters() -> dict[str, Any]:
    return {
        "text": request.args.get("q", ""),
        "kecamatan": request.args.get("kecamatan", ""),
        "scale": request.args.get("scale", ""),
        "city_id": request.args.get("city", type=int),
    }


@bp.get("/")
@bp.get("/businesses")
def businesses():
    filters = _business_filters()
    return render_template(
        "sme/businesses.html",
        businesses=paginate(queries.business_list(current_user, **filters)),
        filters=filters,
        kecamatan=queries.kecamatan_names(current_user),
        may_create=bool(BUSINESSES.creatable_owners()),
        cities=city_options(),
    )


BUSINESSES = RecordPages(
    Business, "sme.business", "business_id", "sme.businesses", owner=City, owner_field="city_id"
)
PRODUCTS = RecordPages(Product, "sme.product", "product_id")


def city_options() -> list[tuple[int, str]]:
    """The cities of a city filter, offered to those who see several (BSN reviewers,
    admins)."""
    return [(c.id, c.name) for c in queries.readable_cities(current_user)]


def _business_form_page(form: BusinessFields, business: Business | None, cities: list[City]):
    """The business form, suggesting the kecamatan and kelurahan of the cities offered."""
    places: dict[str, tuple[str, ...]] = {}
    for city in cities:
        places |= kelurahan_by_kecamatan(city)
    return render_template(
        "sme/business_form.html", form=form, places=places, business=business
    ), form_status(form)


@bp.route("/businesses/new", methods=["GET", "POST"])
def new_business():
    cities = BUSINESSES.creatable_owners()
    if not cities:
        return forbidden()
    form = BusinessFields(cities=cities)

    def register() -> Business:
        city = BUSINESSES.chosen_owner(form)
        return operations.create_business(current_user, city, form.values())

    registered = saved_then(form, register, BUSINESSES.url, _("The business was registered."))
    return registered or _business_form_page(form, None, cities)


@bp.get("/businesses/<int:business_id>")
def business(business_id: int):
    record = BUSINESSES.get(business_id)
    return render_template(
        "sme/business.html",
        business=record,
        products=queries.products_of(record),
        guidance=queries.guidance_history(record),
        history=history_of(record),
        may_change=policies.may_write(current_user, record.city_id) and not record.is_archived,
    )


@bp.route("/businesses/<int:business_id>/edit", methods=["GET", "POST"])
def edit_business(business_id: int):
    record = BUSINESSES.editable(business_id)
    form = BusinessForm(obj=record, cities=[record.city])
    updated = saved_then(
        form,
        lambda: operations.update_business(current_user, record, form.values(), form.version.data),
        BUSINESSES.url(record),
        _("The business was saved."),
    )
    return updated or _business_form_page(form, record, [record.city])


@bp.post("/businesses/<int:business_id>/archive")
def archive_business(business_id: int):
    record = BUSINESSES.get(business_id)
    access.authorize(current_user, access.ARCHIVE, record)
    form = ArchiveForm()
    if not form.validate_on_submit():
        flash(_("The page was out of date; nothing was archived. Try again."), "error")
        return redirect(BUSINESSES.url(record), 303)
    try:
        operations.archive(current_user, record, form.version.data)
    except StaleRecordError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(BUSINESSES.url(record), 303)
    return commit_and_redirect(url_for("sme.businesses"), _("The business was archived."))


# --- products -----------------------------------------------------------------------------


@bp.route("/businesses/<int:business_id>/products/new", methods=["GET", "POST"])
def new_product(business_id: int):
    owner = BUSINESSES.get(business_id)
    form = ProductFields()
    added = saved_then(
        form,
        lambda: operations.create_product(current_user, owner, form.values()),
        PRODUCTS.url,
        _("The product was added."),
    )
    return added or page_with_form("sme/product_form.html", form, business=owner, product=None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
def edit_product(product_id: int):
    record = PRODUCTS.get(product_id)
    form = ProductForm(obj=record)
    if request.method == "GET":
        form.standard_id.data = record.standard_id or 0
    updated = saved_then(
        form,
        lambda: operations.update_product(current_user, record, form.values(), form.version.data),
        PRODUCTS.url(record),
        _("The product was saved."),
    )
    return updated or page_with_form(
        "sme/product_form.html", form, business=record.business, product=record
    )


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product(product_id: int):
    record = PRODUCTS.get(product_id)
    form = PathwayForm()
    if request.method == "GET":
        form.started_on.data = today()
    opened = saved_then(
        form,
        lambda: operations.open_pathway(current_user, record, **form.values()),
        lambda pathway: url_for("sme.pathway", pathway_id=pathway.id),
        _("The certification pathway was opened."),
    )
    if opened is not None:
        return opened
    may_write = policies.may_write(current_user, record.city_id)
    return page_with_form(
        "sme/product.html",
        form,
        product=record,
        history=history_of(record),
        may_write=may_write,
        may_open_pathway=may_write and queries.active_pathway(record) is None,
    )


# --- guidance -----------------------------------------------------------------------------


@bp.get("/guidance")
def guidance():
    return render_template(
        "sme/guidance.html",
        visits=paginate(queries.guidance_visits(current_user), param="visits_page"),
        trainings=paginate(queries.training_list(current_user), param="trainings_page"),
        may_create=bool(access.where_may_create(current_user, TrainingBatch, City)),
    )


@bp.route("/businesses/<int:business_id>/visits/new", methods=["GET", "POST"])
def new_visit(business_id: int):
    owner = BUSINESSES.get(business_id)
    form = VisitForm(city_id=owner.city_id)
    if request.method == "GET":
        form.held_on.data = today()
    recorded = saved_then(
        form,
        lambda: operations.record_visit(current_user, owner, form.values()),
        BUSINESSES.url(owner) + "#guidance",
        _("The guidance was recorded."),
    )
    return recorded or page_with_form("sme/visit_form.html", form, business=owner)


@bp.route("/trainings/new", methods=["GET", "POST"])
def new_training():
    cities = access.where_may_create(current_user, TrainingBatch, City)
    if not cities:
        return forbidden()
    form = TrainingForm(cities=cities)
    form.business_ids.choices = queries.attendee_choices(current_user, cities)

    def record() -> TrainingBatch:
        city = access.owner_for_create(
            current_user, TrainingBatch, City, form.city_id.data, "city_id"
        )
        return operations.create_training(current_user, city, form.values(), form.business_ids.data)

    recorded = saved_then(
        form,
        record,
        lambda batch: url_for("sme.training", training_id=batch.id),
        _("The training was recorded."),
    )
    return recorded or page_with_form("sme/training_form.html", form)


@bp.get("/trainings/<int:training_id>")
def training(training_id: int):
    batch = access.get_visible(TrainingBatch, training_id, current_user)
    return render_template("sme/training.html", batch=batch, history=history_of(batch))
