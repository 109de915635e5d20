"""HTML pages of the certification programme: parse, call one service, commit, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from qms.core import access
from qms.core.errors import DomainError
from qms.core.history import history_of
from qms.core.timeutil import today
from qms.core.views import form_status, show_on_form
from qms.extensions import db
from qms.files.queries import files_of
from qms.organisations.models import City
from qms.sme import catalogue, dashboard, places, services
from qms.sme.forms import (
    BusinessForm,
    CloseFindingForm,
    EvidenceForm,
    FindingForm,
    LabTestForm,
    PathwayForm,
    ProductForm,
    SurveillanceForm,
    TrainingForm,
    TransitionForm,
    VisitForm,
)
from qms.sme.models import (
    CATEGORY_LABELS,
    GRADE_LABELS,
    GUIDANCE_KIND_LABELS,
    READINESS_LABELS,
    SCALE_LABELS,
    SCHEME_LABELS,
    SCHEME_TYPE_LABELS,
    STAGE_LABELS,
    STAGE_ORDER,
    AuditFinding,
    Business,
    GuidanceVisit,
    Pathway,
    Product,
    ProductStandard,
    Stage,
    StageRecord,
    Surveillance,
    TrainingBatch,
)

bp = Blueprint("sme", __name__, url_prefix="/sme")

PER_PAGE = 50


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "STAGE_LABELS": STAGE_LABELS,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "SCALE_LABELS": SCALE_LABELS,
        "SCHEME_LABELS": SCHEME_LABELS,
        "SCHEME_TYPE_LABELS": SCHEME_TYPE_LABELS,
        "GRADE_LABELS": GRADE_LABELS,
        "GUIDANCE_KIND_LABELS": GUIDANCE_KIND_LABELS,
        "READINESS_LABELS": READINESS_LABELS,
        "today": today(),
    }


def home_panel_context(user: Any) -> dict[str, Any]:
    board = dashboard.compute(user, today())
    return {
        "funnel": _labelled(board.funnel, STAGE_LABELS),
        "expiring": board.expiring,
        "due": board.surveillance_due,
    }


def _labelled(rows: list[tuple[Any, Any]], labels: dict) -> list[tuple[Any, Any]]:
    return [(labels[key], value) for key, value in rows]


# --- businesses ---------------------------------------------------------------------------


@bp.get("/")
@bp.get("/businesses")
@login_required
def businesses():
    filters = {
        "text": request.args.get("q", ""),
        "kecamatan": request.args.get("kecamatan", ""),
        "scale": request.args.get("scale", ""),
        "city_id": request.args.get("city", type=int),
    }
    query = services.search_businesses(current_user, **filters)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template(
        "sme/businesses.html",
        businesses=rows,
        filters=filters,
        kecamatan=services.kecamatan_names(current_user),
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        total=total,
        may_create=bool(services.writable_cities(current_user)),
        cities=_city_options(),
    )


def _city_options() -> list[tuple[int, str]]:
    """The cities of the city filter, offered to those who see several (BSN reviewers,
    admins)."""
    return [(c.id, c.name) for c in services.readable_cities(current_user)]


@bp.route("/businesses/new", methods=["GET", "POST"])
@login_required
def new_business():
    cities = services.writable_cities(current_user)
    form = BusinessForm(cities=cities)
    if not cities:
        return render_template("errors.html", message=_("You are not allowed to do this.")), 403
    if form.validate_on_submit():
        city = db.session.get(City, form.city_id.data)
        try:
            business = services.create_business(current_user, city, form.values())
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The business was registered."), "success")
            return redirect(url_for("sme.business", business_id=business.id))
    return render_template(
        "sme/business_form.html", form=form, places=places.KUPANG_KELURAHAN, business=None
    ), form_status(form)


@bp.get("/businesses/<int:business_id>")
@login_required
def business(business_id: int):
    record = access.get_visible(Business, business_id, current_user)
    return render_template(
        "sme/business.html",
        business=record,
        products=[p for p in record.products if p.archived_at is None],
        guidance=services.guidance_history(record),
        history=history_of(record),
        may_write=services.may_write(current_user, record.city_id),
    )


@bp.route("/businesses/<int:business_id>/edit", methods=["GET", "POST"])
@login_required
def edit_business(business_id: int):
    record = access.get_visible(Business, business_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = BusinessForm(obj=record, cities=[record.city])
    if form.validate_on_submit():
        try:
            services.update_business(current_user, record, form.values())
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The business was saved."), "success")
            return redirect(url_for("sme.business", business_id=record.id))
    return render_template(
        "sme/business_form.html", form=form, places=places.KUPANG_KELURAHAN, business=record
    ), form_status(form)


@bp.post("/businesses/<int:business_id>/archive")
@login_required
def archive_business(business_id: int):
    record = access.get_visible(Business, business_id, current_user)
    services.archive(current_user, record)
    db.session.commit()
    flash(_("The business was archived."), "success")
    return redirect(url_for("sme.businesses"))


# --- products -----------------------------------------------------------------------------


@bp.route("/businesses/<int:business_id>/products/new", methods=["GET", "POST"])
@login_required
def new_product(business_id: int):
    owner = access.get_visible(Business, business_id, current_user)
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = services.create_product(current_user, owner, form.values())
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The product was added."), "success")
            return redirect(url_for("sme.product", product_id=product.id))
    return render_template(
        "sme/product_form.html", form=form, business=owner, product=None
    ), form_status(form)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int):
    record = access.get_visible(Product, product_id, current_user)
    form = ProductForm(obj=record)
    if request.method == "GET":
        form.standard_id.data = record.standard_id or 0
    if form.validate_on_submit():
        try:
            services.update_product(current_user, record, form.values())
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The product was saved."), "success")
            return redirect(url_for("sme.product", product_id=record.id))
    return render_template(
        "sme/product_form.html", form=form, business=record.business, product=record
    ), form_status(form)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@login_required
def product(product_id: int):
    record = access.get_visible(Product, product_id, current_user)
    form = PathwayForm()
    if form.validate_on_submit():
        try:
            pathway = services.open_pathway(
                current_user,
                record,
                scheme=form.scheme.data,
                scheme_type=form.scheme_type.data or None,
                started_on=form.started_on.data,
                notes=form.notes.data or "",
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The certification pathway was opened."), "success")
            return redirect(url_for("sme.pathway", pathway_id=pathway.id))
    elif request.method == "GET":
        form.started_on.data = today()
    return render_template(
        "sme/product.html",
        product=record,
        form=form,
        open_pathway=services.active_pathway(record),
        history=history_of(record),
        may_write=services.may_write(current_user, record.city_id),
    ), form_status(form)


# --- pathways -----------------------------------------------------------------------------


@bp.get("/pathways")
@login_required
def pathways():
    query = access.scoped(Pathway, current_user)
    stage = request.args.get("stage", "")
    if stage in {s.value for s in Stage}:
        query = query.where(Pathway.stage == Stage(stage))
    rows = db.session.scalars(query.order_by(Pathway.updated_at.desc()).limit(500)).all()
    return render_template(
        "sme/pathways.html",
        pathways=rows,
        stage=stage,
        stages=[*STAGE_ORDER, Stage.ON_HOLD, Stage.WITHDRAWN],
    )


def _pathway_page(
    record: Pathway,
    transition_form: TransitionForm | None = None,
    refused: tuple[str, int, Any] | None = None,
    **forms: Any,
):
    """The pathway page; `refused` is (form name, id of the finding / surveillance / stage it was
    sent for, the form) when an inline form comes back with its errors."""
    may_write = services.may_write(current_user, record.city_id)
    transition_form = transition_form or TransitionForm(formdata=None, city_id=record.city_id)
    if transition_form.on.data is None:
        transition_form.on.data = today()
    stages = services.stage_durations(record, today())
    return render_template(
        "sme/pathway.html",
        pathway=record,
        stages=stages,
        stage_files={s.id: files_of(s) for s, _days in stages},
        actions=services.available_actions(record, current_user) if may_write else [],
        transition_form=transition_form,
        finding_form=forms.get("finding_form") or FindingForm(formdata=None),
        close_form=CloseFindingForm(formdata=None, closed_on=today()),
        surveillance_form=SurveillanceForm(formdata=None, done_on=today()),
        evidence_form=EvidenceForm(formdata=None),
        refused=refused or ("", 0, None),
        readiness_items=services.readiness_items(),
        readiness_score=services.readiness_score(record),
        history=history_of(record),
        may_write=may_write,
        default_expiry_years=services.setting("SME_CERTIFICATE_YEARS"),
    )


@bp.get("/pathways/<int:pathway_id>")
@login_required
def pathway(pathway_id: int):
    return _pathway_page(access.get_visible(Pathway, pathway_id, current_user))


@bp.post("/pathways/<int:pathway_id>/transition")
@login_required
def transition(pathway_id: int):
    record = access.get_visible(Pathway, pathway_id, current_user)
    form = TransitionForm(city_id=record.city_id)
    if form.validate():
        values = form.values()
        try:
            services.transition(current_user, record, form.action.data, **values)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Done: %(stage)s.", stage=STAGE_LABELS[record.stage]), "success")
            return redirect(url_for("sme.pathway", pathway_id=record.id))
    db.session.refresh(record)
    return _pathway_page(record, transition_form=form), 422


@bp.route("/pathways/<int:pathway_id>/readiness", methods=["GET", "POST"])
@login_required
def readiness(pathway_id: int):
    record = access.get_visible(Pathway, pathway_id, current_user)
    items = services.readiness_items()
    answers = {a.item_id: a for a in record.readiness_answers}
    errors: list[str] = []
    if request.method == "POST":
        access.authorize(current_user, access.EDIT, record)
        # an item left at "–" stays unanswered; the service refuses any other unknown status
        given = {
            item.id: (status, request.form.get(f"note-{item.id}", ""))
            for item in items
            if (status := request.form.get(f"status-{item.id}", ""))
        }
        try:
            services.save_readiness(current_user, record, given)
        except DomainError as error:
            db.session.rollback()
            errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The readiness assessment was saved."), "success")
            return redirect(url_for("sme.pathway", pathway_id=record.id))
    return render_template(
        "sme/readiness.html",
        pathway=record,
        items=items,
        answers=answers,
        errors=errors,
        may_write=services.may_write(current_user, record.city_id)
        and record.stage == Stage.READINESS,
    ), 422 if errors else 200


@bp.post("/pathways/<int:pathway_id>/findings")
@login_required
def add_finding(pathway_id: int):
    record = access.get_visible(Pathway, pathway_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = FindingForm()
    if form.validate():
        try:
            services.add_finding(
                current_user,
                record,
                grade=form.grade.data,
                description=form.description.data,
                raised_on=form.raised_on.data,
                due_on=form.due_on.data,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The finding was recorded."), "success")
            return redirect(url_for("sme.pathway", pathway_id=record.id, _anchor="findings"))
    db.session.refresh(record)
    return _pathway_page(record, finding_form=form), 422


@bp.post("/findings/<int:finding_id>/close")
@login_required
def close_finding(finding_id: int):
    finding = access.get_visible(AuditFinding, finding_id, current_user)
    access.authorize(current_user, access.EDIT, finding)
    form = CloseFindingForm()
    if form.validate():
        try:
            services.close_finding(
                current_user, finding, closed_on=form.closed_on.data, note=form.note.data
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The finding was closed."), "success")
            return redirect(
                url_for("sme.pathway", pathway_id=finding.pathway_id, _anchor="findings")
            )
    return _refused_inline(finding.pathway_id, ("close", finding_id, form))


def _refused_inline(pathway_id: int, refused: tuple[str, int, Any]):
    """The pathway page again with the refused inline form's errors; nothing was written."""
    db.session.rollback()
    return _pathway_page(db.session.get(Pathway, pathway_id), refused=refused), 422


@bp.route("/pathways/<int:pathway_id>/lab-tests/new", methods=["GET", "POST"])
@login_required
def new_lab_test(pathway_id: int):
    record = access.get_visible(Pathway, pathway_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = LabTestForm()
    parameters = record.standard.current_parameters
    values = {p.key: request.form.get(f"result-{p.key}", "") for p in parameters}
    if form.validate_on_submit():
        try:
            services.record_lab_test(
                current_user,
                record,
                lab_name=form.lab_name.data,
                report_number=form.report_number.data,
                sampled_on=form.sampled_on.data,
                tested_on=form.tested_on.data,
                results=values,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The lab results were recorded."), "success")
            return redirect(url_for("sme.pathway", pathway_id=record.id, _anchor="tests"))
    return render_template(
        "sme/lab_test_form.html", form=form, pathway=record, parameters=parameters, values=values
    ), form_status(form)


@bp.post("/surveillance/<int:surveillance_id>")
@login_required
def record_surveillance(surveillance_id: int):
    visit = access.get_visible(Surveillance, surveillance_id, current_user)
    access.authorize(current_user, access.EDIT, visit)
    pathway_id = visit.certificate.pathway_id
    form = SurveillanceForm()
    if form.validate():
        try:
            services.record_surveillance(
                current_user, visit, done_on=form.done_on.data, notes=form.notes.data or ""
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The surveillance was recorded."), "success")
            return redirect(url_for("sme.pathway", pathway_id=pathway_id, _anchor="certificates"))
    return _refused_inline(pathway_id, ("surveillance", surveillance_id, form))


@bp.post("/stages/<int:stage_id>/files")
@login_required
def upload_stage_file(stage_id: int):
    record = access.get_visible(StageRecord, stage_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = EvidenceForm()
    if form.validate():
        upload = form.file.data
        try:
            services.add_evidence(
                current_user, record, upload.stream, upload.filename, form.description.data or ""
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The file was attached."), "success")
            return redirect(url_for("sme.pathway", pathway_id=record.pathway_id, _anchor="stages"))
    return _refused_inline(record.pathway_id, ("evidence", stage_id, form))


# --- guidance -----------------------------------------------------------------------------


@bp.get("/guidance")
@login_required
def guidance():
    visits = db.session.scalars(
        access.scoped(GuidanceVisit, current_user).order_by(GuidanceVisit.held_on.desc()).limit(200)
    ).all()
    trainings = db.session.scalars(
        access.scoped(TrainingBatch, current_user).order_by(TrainingBatch.held_on.desc()).limit(200)
    ).all()
    return render_template(
        "sme/guidance.html",
        visits=visits,
        trainings=trainings,
        may_create=bool(services.writable_cities(current_user)),
    )


@bp.route("/businesses/<int:business_id>/visits/new", methods=["GET", "POST"])
@login_required
def new_visit(business_id: int):
    owner = access.get_visible(Business, business_id, current_user)
    form = VisitForm(city_id=owner.city_id)
    if form.validate_on_submit():
        try:
            services.record_visit(current_user, owner, form.values())
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The guidance was recorded."), "success")
            return redirect(url_for("sme.business", business_id=owner.id, _anchor="guidance"))
    elif request.method == "GET":
        form.held_on.data = today()
    return render_template("sme/visit_form.html", form=form, business=owner), form_status(form)


@bp.route("/trainings/new", methods=["GET", "POST"])
@login_required
def new_training():
    cities = services.writable_cities(current_user)
    if not cities:
        return render_template("errors.html", message=_("You are not allowed to do this.")), 403
    form = TrainingForm(cities=cities)
    form.business_ids.choices = [
        SelectChoice(b.id, f"{b.name} — {b.kelurahan}")
        for b in db.session.scalars(
            services.search_businesses(current_user).where(
                Business.city_id.in_([c.id for c in cities])
            )
        )
    ]
    if form.validate_on_submit():
        try:
            batch = services.create_training(
                current_user,
                db.session.get(City, form.city_id.data),
                form.values(),
                form.business_ids.data,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The training was recorded."), "success")
            return redirect(url_for("sme.training", training_id=batch.id))
    return render_template("sme/training_form.html", form=form), form_status(form)


@bp.get("/trainings/<int:training_id>")
@login_required
def training(training_id: int):
    batch = access.get_visible(TrainingBatch, training_id, current_user)
    return render_template("sme/training.html", batch=batch, history=history_of(batch))


# --- catalogue and dashboard --------------------------------------------------------------


@bp.get("/catalogue")
@login_required
def standards():
    if not services.may_read_programme(current_user):
        return render_template("errors.html", message=_("Not found.")), 404
    return render_template("sme/catalogue.html", standards=catalogue.standards())


@bp.get("/catalogue/<int:standard_id>")
@login_required
def standard(standard_id: int):
    record = access.get_visible(ProductStandard, standard_id, current_user)
    return render_template("sme/standard.html", standard=record)


def _board():
    if not services.may_read_programme(current_user):
        return None
    return dashboard.compute(current_user, today(), request.args.get("city", type=int) or None)


@bp.get("/dashboard")
@login_required
def dashboard_page():
    board = _board()
    if board is None:
        return render_template("errors.html", message=_("Not found.")), 404
    charts = {
        "funnel": _labelled(board.funnel, STAGE_LABELS),
        "median": _labelled(board.median_days, STAGE_LABELS),
        "failed": _labelled(board.failed_by_category, CATEGORY_LABELS),
    }
    return render_template(
        "sme/dashboard.html",
        board=board,
        charts=charts,
        cities=_city_options(),
        city=request.args.get("city", type=int),
    )


@bp.get("/dashboard.csv")
@login_required
def dashboard_csv():
    board = _board()
    if board is None:
        return render_template("errors.html", message=_("Not found.")), 404
    return Response(
        dashboard.to_csv(board),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=umk-dashboard-{board.today}.csv"},
    )
