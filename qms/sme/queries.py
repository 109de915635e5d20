"""The read side of the certification programme: lists and their filters, form choices, the
pathway page's context (what the user may record now, computed here so that the templates
compare no stages) and the home panel."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from qms.core import access
from qms.core.registry import Task
from qms.core.roles import Role
from qms.core.tasks import counted
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import City
from qms.sme import catalogue, figures, lab_due, policies, workflow
from qms.sme.models import (
    Business,
    Certificate,
    GuidanceVisit,
    Pathway,
    Product,
    StageRecord,
    Surveillance,
    TrainingAttendance,
    TrainingBatch,
)
from qms.sme.settings import certificate_years, expiry_notice_horizon, setting
from qms.sme.stages import stages as pathway_stages
from qms.sme.vocabulary import ProductCategory, ReadinessStatus, Scale, Stage

# --- cities -------------------------------------------------------------------------------


def readable_cities(user: Any) -> list[City]:
    """The cities whose programme the user sees (for the city filters)."""
    query = select(City).where(City.archived_at.is_(None)).order_by(City.name)
    if not user.has_role(*access.NATIONAL_READERS):
        query = query.where(City.id.in_(user.city_ids(*policies.READER_ROLES) or {0}))
    return list(db.session.scalars(query))


# --- businesses and products --------------------------------------------------------------


def search_businesses(
    user: Any,
    *,
    text: str = "",
    kecamatan: str = "",
    scale: str = "",
    city_id: int | None = None,
) -> Select:
    """The businesses the user sees, filtered by name/owner/NIB/kelurahan text, kecamatan,
    scale and city, by name."""
    query = access.scoped(Business, user)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Business.name).like(pattern),
                func.lower(Business.owner_name).like(pattern),
                Business.nib.like(pattern),
                func.lower(Business.kelurahan).like(pattern),
            )
        )
    if kecamatan:
        query = query.where(Business.kecamatan == kecamatan)
    if scale in {s.value for s in Scale}:
        query = query.where(Business.scale == Scale(scale))
    if city_id:
        query = query.where(Business.city_id == city_id)
    return query.order_by(Business.name)


def kecamatan_names(user: Any) -> list[str]:
    visible = access.scoped(Business, user).subquery()
    return list(db.session.scalars(select(visible.c.kecamatan).distinct().order_by("kecamatan")))


def products_of(business: Business) -> list[Product]:
    return [p for p in business.products if p.archived_at is None]


def search_products(user: Any, *, category: str = "", standard_id: int | None = None) -> Select:
    """The products of the businesses the user sees, by category and SNI, oldest first."""
    query = access.scoped(Product, user)
    if category in {c.value for c in ProductCategory}:
        query = query.where(Product.category == ProductCategory(category))
    if standard_id:
        query = query.where(Product.standard_id == standard_id)
    return query.order_by(Product.id)


def attendee_choices(user: Any, cities: list[City]) -> list[SelectChoice]:
    """The businesses a training in one of these cities may list as attending."""
    query = search_businesses(user).where(Business.city_id.in_([c.id for c in cities]))
    return [SelectChoice(b.id, f"{b.name} — {b.kelurahan}") for b in db.session.scalars(query)]


# --- pathways -----------------------------------------------------------------------------


#: the pathways list's "waiting" filter: lab results awaited (lab_due.py)
AWAITING_LAB = "lab"


def search_pathways(user: Any, *, stage: str = "", waiting: str = "") -> Select:
    """The pathways the user sees, of one stage if one is named, only those awaiting lab
    results with `waiting="lab"` (unordered)."""
    query = access.scoped(Pathway, user)
    if stage in {s.value for s in Stage}:
        query = query.where(Pathway.stage == Stage(stage))
    if waiting == AWAITING_LAB:
        query = lab_due.awaiting(query)
    return query


def pathway_list(user: Any, *, stage: str = "", waiting: str = "") -> Select:
    """The pathways page: most recently changed first, with the product, its business, the
    standard and the stages each row shows loaded for the whole page."""
    return (
        search_pathways(user, stage=stage, waiting=waiting)
        .options(
            joinedload(Pathway.product).joinedload(Product.business),
            joinedload(Pathway.standard),
            selectinload(Pathway.stages),
        )
        .order_by(Pathway.updated_at.desc(), Pathway.id.desc())
    )


def pathway_records(user: Any, *, stage: str = "") -> Select:
    """The pathways as the API gives them, in the order they were opened, each with its
    standard, stages, findings and certificates loaded for the whole page."""
    return (
        search_pathways(user, stage=stage)
        .options(
            joinedload(Pathway.standard),
            selectinload(Pathway.stages),
            selectinload(Pathway.findings),
            selectinload(Pathway.certificates).selectinload(Certificate.surveillances),
        )
        .order_by(Pathway.id)
    )


def business_list(user: Any, **filters: Any) -> Select:
    """The businesses page: `search_businesses` with each business's products loaded."""
    return search_businesses(user, **filters).options(selectinload(Business.products))


def guidance_visits(user: Any) -> Select:
    """The guidance visits, newest first, with their business."""
    return (
        access.scoped(GuidanceVisit, user)
        .options(joinedload(GuidanceVisit.business))
        .order_by(GuidanceVisit.held_on.desc(), GuidanceVisit.id.desc())
    )


def training_list(user: Any) -> Select:
    """The trainings, newest first, with their attendances (the page counts them)."""
    return (
        access.scoped(TrainingBatch, user)
        .options(selectinload(TrainingBatch.attendances))
        .order_by(TrainingBatch.held_on.desc(), TrainingBatch.id.desc())
    )


def active_pathway(product: Product) -> Pathway | None:
    return next((p for p in product.pathways if p.is_active), None)


def stage_durations(pathway: Pathway, today: date) -> list[tuple[StageRecord, int]]:
    return [(record, record.days(today)) for record in pathway.stages]


def readiness_score(pathway: Pathway) -> float | None:
    """Share of the checklist in place (partly counts half), or None before any answer."""
    answers = pathway.readiness_answers
    if not answers:
        return None
    weights = {ReadinessStatus.YES: 1.0, ReadinessStatus.PARTLY: 0.5, ReadinessStatus.NO: 0.0}
    items = len(catalogue.readiness_items())
    return sum(weights[a.status] for a in answers) / max(items, len(answers))


def _expiry_notes(certificates: list[Certificate], today: date) -> dict[int, str]:
    """ "expired" or "soon" for the certificates past or near their expiry."""
    horizon = expiry_notice_horizon(today)
    notes = {}
    for certificate in certificates:
        if certificate.expires_on < today:
            notes[certificate.id] = "expired"
        elif certificate.expires_on <= horizon:
            notes[certificate.id] = "soon"
    return notes


def _offers(pathway: Pathway, user: Any) -> dict[str, Any]:
    """The steps the page offers: the pathway's own way first (its forms, or why the pathway
    is not ready for them), putting it on hold or withdrawing it apart."""
    offers = workflow.available_steps(pathway, user)
    return {
        "steps": [o for o in offers if o.name not in workflow.SIDE_STEPS],
        "side_steps": [o for o in offers if o.name in workflow.SIDE_STEPS],
    }


def pathway_page(pathway: Pathway, user: Any, today: date) -> dict[str, Any]:
    """What the pathway page shows and offers this user today."""
    may_write = policies.may_write(user, pathway.city_id)
    stages = stage_durations(pathway, today)
    return {
        "stages": stages,
        **_offers(pathway, user),
        "progress": pathway_stages(pathway),
        "may_write": may_write,
        "shows_readiness": workflow.readiness_refusal(pathway) is None
        or bool(pathway.readiness_answers),
        "readiness_items": catalogue.readiness_items(),
        "readiness_score": readiness_score(pathway),
        "shows_findings": bool(pathway.findings) or workflow.finding_refusal(pathway) is None,
        "may_record_finding": may_write and workflow.finding_refusal(pathway) is None,
        "shows_lab_tests": bool(pathway.lab_tests) or pathway.stage in workflow.SAMPLING_STAGES,
        "may_record_lab_test": may_write and workflow.lab_test_refusal(pathway) is None,
        "may_record_surveillance": may_write and workflow.surveillance_refusal(pathway) is None,
        "expiry": _expiry_notes(pathway.certificates, today),
        "default_expiry_years": certificate_years(pathway.scheme),
        "finding_months": setting("SME_FINDING_MONTHS"),
    }


# --- guidance -----------------------------------------------------------------------------


def guidance_history(business: Business) -> list[tuple[date, str, Any]]:
    """Everything the office did for a business, newest first: visits, consultations and
    training batches it attended."""
    trainings = db.session.scalars(
        select(TrainingBatch)
        .join(TrainingAttendance, TrainingAttendance.batch_id == TrainingBatch.id)
        .where(TrainingAttendance.business_id == business.id, TrainingBatch.archived_at.is_(None))
    )
    rows: list[tuple[date, str, Any]] = [(v.held_on, "visit", v) for v in visits_of(business)]
    rows += [(t.held_on, "training", t) for t in trainings]
    return sorted(rows, key=lambda row: (row[0], row[1]), reverse=True)


def visits_of(business: Business) -> list[GuidanceVisit]:
    """A business's visits and consultations, newest first."""
    return list(
        db.session.scalars(
            select(GuidanceVisit)
            .where(GuidanceVisit.business_id == business.id, GuidanceVisit.archived_at.is_(None))
            .order_by(GuidanceVisit.held_on.desc(), GuidanceVisit.id)
        )
    )


# --- home panel ---------------------------------------------------------------------------


def home_panel_context(user: Any) -> dict[str, Any]:
    board = figures.compute(user, local_today())
    return {
        "funnel": [(stage.label, n) for stage, n in board.funnel],
        "expiring": board.expiring,
        "due": board.surveillance_due,
        "notice_days": setting("SME_EXPIRY_NOTICE_DAYS"),
    }


def acts_on_pathways(user: Any) -> bool:
    """The cooperative office's officers, who record the surveillances (BSN only reads)."""
    return user.has_role(Role.COOP_OFFICER) and not user.is_read_only


def surveillance_tasks(user: Any, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: the surveillances of certificates in force not done and
    due within the expiry notice, overdue first."""
    today = local_today()
    pathway_ids = access.scoped(Pathway, user).with_only_columns(Pathway.id)
    certificates = figures.current_certificates(pathway_ids).with_only_columns(Certificate.id)
    query = (
        select(Surveillance)
        .where(
            Surveillance.certificate_id.in_(certificates),
            Surveillance.done_on.is_(None),
            Surveillance.due_on <= expiry_notice_horizon(today),
        )
        .options(
            joinedload(Surveillance.certificate)
            .joinedload(Certificate.pathway)
            .joinedload(Pathway.product)
            .joinedload(Product.business)
        )
        .order_by(Surveillance.due_on, Surveillance.id)
    )
    total, due = counted(query, limit)
    label = _l("Record the surveillance")
    return total, [
        Task(
            f"{s.certificate.number} · {s.certificate.pathway.product.name} · "
            f"{s.certificate.pathway.product.business.name}",
            url_for("sme.pathway", pathway_id=s.certificate.pathway_id),
            s.due_on,
            s.due_on < today,
            label,
        )
        for s in due
    ]


def lab_result_tasks(user: Any, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: the pathways waiting for a lab's results, the longest
    awaited (the late ones) first, each with the day the results are expected."""
    today = local_today()
    since = lab_due.awaited_since()
    query = (
        lab_due.awaiting(access.scoped(Pathway, user))
        .add_columns(since)
        .options(joinedload(Pathway.product).joinedload(Product.business))
        .order_by(since, Pathway.id)
    )
    total, rows = counted(query, limit, scalars=False)
    label = _l("Record the lab results")
    tasks = []
    for pathway, began in rows:
        expected = lab_due.expected_on(began)
        tasks.append(
            Task(
                f"{pathway.product.name} · {pathway.product.business.name}",
                url_for("sme.pathway", pathway_id=pathway.id, _anchor="tests"),
                expected,
                expected is not None and expected < today,
                label,
            )
        )
    return total, tasks
