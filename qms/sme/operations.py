"""The changes of the certification programme apart from the pathway's steps: the registry of
businesses and products, opening a pathway, what is recorded during its stages (readiness
answers, site-audit findings, surveillance, evidence) and guidance. Each checks the actor's
permission and the rules, and flushes; the caller commits. Lab tests are in `labtests`, the
pathway's steps in `workflow`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access, archiving
from qms.core.errors import DomainError, ValidationFailed
from qms.core.forms import REQUIRED
from qms.extensions import db
from qms.organisations.models import City
from qms.organisations.queries import kecamatan_of, kelurahan_by_kecamatan
from qms.sme import catalogue, queries, settings, vocabulary
from qms.sme.catalogue_models import ProductStandard
from qms.sme.checks import expect_version, flush_versioned, not_future, required
from qms.sme.models import (
    AuditFinding,
    Business,
    Certificate,
    GuidanceVisit,
    LabTest,
    Pathway,
    Product,
    ReadinessAnswer,
    StageRecord,
    Surveillance,
    TrainingAttendance,
    TrainingBatch,
)
from qms.sme.workflow import (
    finding_refusal,
    readiness_refusal,
    responsible_officer,
    start_stage,
    surveillance_refusal,
)

#: the records evidence files are attached to
EVIDENCE_OWNERS = (Business, StageRecord, LabTest, Certificate, GuidanceVisit, TrainingBatch)


def _apply(record: Any, values: dict[str, Any], fields: Iterable[str]) -> None:
    """Set only what differs, so that an unchanged save writes no history."""
    for name in fields:
        if name in values and getattr(record, name) != values[name]:
            setattr(record, name, values[name])


def _added(record: Any) -> Any:
    """The new record, added and flushed so that it has its id."""
    db.session.add(record)
    db.session.flush()
    return record


def _refuse(refusal: Any | None) -> None:
    if refusal is not None:
        raise DomainError(refusal)


# --- businesses ---------------------------------------------------------------------------

NIB_PATTERN = re.compile(r"^\d{13}$")


def normalize_nib(raw: str | None) -> str:
    """The NIB (Nomor Induk Berusaha from OSS) has exactly 13 digits."""
    nib = re.sub(r"\s", "", raw or "")
    if not NIB_PATTERN.match(nib):
        raise DomainError(
            _l("The NIB must be exactly 13 digits (as printed by OSS), e.g. 9120001234567."),
            field="nib",
        )
    return nib


def normalize_npwp(raw: str | None) -> str | None:
    """NPWP: 15 digits (99.999.999.9-999.999) or, since 2024, 16 digits; dots, dashes and spaces
    are accepted and stored in the usual notation."""
    if not raw or not raw.strip():
        return None
    digits = re.sub(r"[\s.\-]", "", raw)
    if not digits.isdigit() or len(digits) not in (15, 16):
        raise DomainError(
            _l(
                "The NPWP must have 15 digits (e.g. 01.234.567.8-901.000) or 16 digits "
                "(the new NPWP); leave it empty if the business has none."
            ),
            field="npwp",
        )
    if len(digits) == 15:
        d = digits
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"
    return digits


BUSINESS_FIELDS = (
    "name",
    "owner_name",
    "nib",
    "npwp",
    "address",
    "kecamatan",
    "kelurahan",
    "phone",
    "email",
    "scale",
    "workers",
    "registered_on",
)


def check_places(city: City, values: dict[str, Any]) -> None:
    """Where the city keeps its places as data (checklists/places), the kecamatan is one of
    the city's, spelt as the city spells it, and a known kelurahan lies in it."""
    districts = kelurahan_by_kecamatan(city)
    if not districts:
        return
    kecamatan = next((k for k in districts if k.casefold() == values["kecamatan"].casefold()), None)
    if kecamatan is None:
        raise DomainError(
            _l(
                "%(city)s has the kecamatan %(names)s.",
                city=city.name,
                names=", ".join(districts),
            ),
            field="kecamatan",
        )
    values["kecamatan"] = kecamatan
    home = kecamatan_of(city, values["kelurahan"])
    if home is not None and home != kecamatan:
        raise DomainError(
            _l(
                "Kelurahan %(kelurahan)s lies in Kecamatan %(kecamatan)s.",
                kelurahan=values["kelurahan"],
                kecamatan=home,
            ),
            field="kelurahan",
        )


def _clean_business(city: City, values: dict[str, Any], business_id: int | None) -> dict[str, Any]:
    values = dict(values)
    values["nib"] = normalize_nib(values.get("nib"))
    values["npwp"] = normalize_npwp(values.get("npwp"))
    values["scale"] = vocabulary.Scale(values["scale"])
    if values.get("workers") is None or int(values["workers"]) < 1:
        raise DomainError(_l("A business has at least one worker."), field="workers")
    for name in ("name", "owner_name", "address", "kecamatan", "kelurahan"):
        values[name] = (values.get(name) or "").strip()
    required(values, "name", "owner_name", "address", "kecamatan", "kelurahan", "registered_on")
    not_future(values["registered_on"], "registered_on")
    check_places(city, values)
    clash = db.session.scalar(
        select(Business.id).where(Business.nib == values["nib"], Business.id != (business_id or 0))
    )
    if clash:
        raise DomainError(_l("A business with this NIB is already registered."), field="nib")
    return values


def create_business(actor: User, city: City, values: dict[str, Any]) -> Business:
    business = Business(city_id=city.id)
    access.authorize(actor, access.CREATE, business)
    _apply(business, _clean_business(city, values, None), BUSINESS_FIELDS)
    return _added(business)


def update_business(
    actor: User, business: Business, values: dict[str, Any], version: int | None = None
) -> Business:
    """Change a business; `version` is the one the user read (a stale change is refused)."""
    access.authorize(actor, access.EDIT, business)
    expect_version(business, version)
    _apply(business, _clean_business(business.city, values, business.id), BUSINESS_FIELDS)
    flush_versioned()
    return business


def archive(
    actor: User,
    record: Business | Product | GuidanceVisit | TrainingBatch,
    version: int | None = None,
) -> None:
    """Archive a record; for a business or product, `version` is the one the user read."""
    access.authorize(actor, access.ARCHIVE, record)
    if isinstance(record, Business | Product):
        expect_version(record, version)
    archiving.mark_archived(actor, record)
    flush_versioned()


# --- products -----------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "brand", "category", "standard_id", "variant_id")


def _variant_of(standard: ProductStandard | None, variant_id: Any) -> int | None:
    """The product's column of its SNI: required when the SNI has several, one of them."""
    if standard is None or not standard.current_variants:
        return None
    chosen = next((v for v in standard.current_variants if v.id == (variant_id or 0)), None)
    if chosen is None:
        raise DomainError(
            _l(
                "%(standard)s sets different limits by %(what)s: choose one of %(names)s.",
                standard=standard.number,
                what=standard.variant_label,
                names=", ".join(v.name for v in standard.current_variants),
            ),
            field="variant_id",
        )
    return chosen.id


def _clean_product(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    values["brand"] = (values.get("brand") or "").strip()
    required(values, "name")
    values["category"] = vocabulary.ProductCategory(values["category"])
    standard_id, standard = values.get("standard_id") or None, None
    if standard_id is not None:
        standard = db.session.get(ProductStandard, int(standard_id))
        if standard is None or standard.retired_at is not None:
            raise DomainError(_l("Choose an SNI from the catalogue."), field="standard_id")
        standard_id = standard.id
    values["standard_id"] = standard_id
    values["variant_id"] = _variant_of(standard, values.get("variant_id"))
    return values


def create_product(actor: User, business: Business, values: dict[str, Any]) -> Product:
    product = Product(city_id=business.city_id, business_id=business.id)
    access.authorize(actor, access.CREATE, product)
    if business.is_archived:
        raise DomainError(_l("The business is archived."))
    _apply(product, _clean_product(values), PRODUCT_FIELDS)
    return _added(product)


def update_product(
    actor: User, product: Product, values: dict[str, Any], version: int | None = None
) -> Product:
    """Change a product; `version` is the one the user read (a stale change is refused)."""
    access.authorize(actor, access.EDIT, product)
    expect_version(product, version)
    values = _clean_product(values)
    if queries.active_pathway(product):
        if values["standard_id"] != product.standard_id:
            raise DomainError(
                _l(
                    "The SNI cannot change while a certification pathway is open; "
                    "withdraw it first."
                ),
                field="standard_id",
            )
        # a pathway opened before the SNI had columns may be given its column once
        if product.variant_id is not None and values["variant_id"] != product.variant_id:
            raise DomainError(
                _l(
                    "The category, form or grade cannot change while a certification "
                    "pathway is open: its lab results were judged by it."
                ),
                field="variant_id",
            )
    _apply(product, values, PRODUCT_FIELDS)
    flush_versioned()
    return product


# --- opening a pathway --------------------------------------------------------------------


def open_pathway(
    actor: User,
    product: Product,
    *,
    scheme: str,
    scheme_type: str | None,
    started_on: date,
    officer_id: int | None = None,
    notes: str = "",
) -> Pathway:
    pathway = Pathway(city_id=product.city_id, product_id=product.id)
    access.authorize(actor, access.CREATE, pathway)
    if product.standard_id is None:
        raise DomainError(
            _l("Choose the product's SNI from the catalogue before opening a pathway."),
            field="product_id",
        )
    if queries.active_pathway(product) is not None:
        raise DomainError(_l("This product already has an open certification pathway."))
    _variant_of(product.standard, product.variant_id)
    pathway.standard_id = product.standard_id
    pathway.scheme = vocabulary.Scheme(scheme)
    pathway.stage = vocabulary.FIRST_STAGE[pathway.scheme]
    if pathway.scheme == vocabulary.Scheme.SPPT_SNI and not scheme_type:
        raise DomainError(
            _l("SPPT SNI needs its ISO/IEC 17067 scheme type (usually type 5)."),
            field="scheme_type",
        )
    pathway.scheme_type = vocabulary.SchemeType(scheme_type) if scheme_type else None
    not_future(started_on, "started_on")
    db.session.add(pathway)
    db.session.flush()
    officer = responsible_officer(pathway, officer_id, actor)
    return start_stage(pathway, pathway.stage, started_on, officer, notes)


# --- recorded during the stages -----------------------------------------------------------


def save_readiness(
    actor: User, pathway: Pathway, answers: dict[int, tuple[str, str]]
) -> list[ReadinessAnswer]:
    """Record the readiness checklist's answers: {item id: (status, note)}."""
    access.authorize(actor, access.EDIT, pathway)
    _refuse(readiness_refusal(pathway))
    items = {item.id: item for item in catalogue.readiness_items()}
    existing = {a.item_id: a for a in pathway.readiness_answers}
    statuses = {s.value for s in vocabulary.ReadinessStatus}
    for item_id, (status, note) in answers.items():
        if item_id not in items:
            raise DomainError(_l("This item is not on the readiness checklist."))
        if status not in statuses:
            raise DomainError(
                _l(
                    "Answer “%(item)s” with one of: %(choices)s.",
                    item=items[item_id].text,
                    choices=", ".join(str(status.label) for status in vocabulary.ReadinessStatus),
                )
            )
        answer = existing.get(item_id)
        if answer is None:
            answer = ReadinessAnswer(pathway_id=pathway.id, item_id=item_id)
            db.session.add(answer)
        _apply(
            answer,
            {"status": vocabulary.ReadinessStatus(status), "note": note.strip()[:500]},
            ("status", "note"),
        )
    db.session.flush()
    db.session.refresh(pathway)
    return pathway.readiness_answers


def add_finding(
    actor: User,
    pathway: Pathway,
    *,
    grade: str,
    description: str,
    raised_on: date,
    due_on: date | None = None,
) -> AuditFinding:
    access.authorize(actor, access.EDIT, pathway)
    _refuse(finding_refusal(pathway))
    if not description.strip():
        raise ValidationFailed({"description": [str(REQUIRED)]})
    not_future(raised_on, "raised_on")
    due_on = due_on or settings.finding_deadline(raised_on)
    if due_on < raised_on:
        raise DomainError(
            _l("The deadline cannot be before the finding was raised."), field="due_on"
        )
    return _added(
        AuditFinding(
            pathway_id=pathway.id,
            grade=vocabulary.FindingGrade(grade),
            description=description.strip(),
            raised_on=raised_on,
            due_on=due_on,
        )
    )


def close_finding(
    actor: User, finding: AuditFinding, *, closed_on: date, note: str
) -> AuditFinding:
    access.authorize(actor, access.EDIT, finding)
    if finding.closed_on is not None:
        raise DomainError(_l("This finding is already closed."))
    if closed_on < finding.raised_on:
        raise DomainError(_l("A finding cannot be closed before it was raised."), field="closed_on")
    not_future(closed_on, "closed_on")
    if not note.strip():
        raise ValidationFailed({"note": [str(_l("Say how the finding was fixed."))]})
    finding.closed_on = closed_on
    finding.closure_note = note.strip()
    db.session.flush()
    return finding


def record_surveillance(
    actor: User, surveillance: Surveillance, *, done_on: date, notes: str
) -> Surveillance:
    access.authorize(actor, access.EDIT, surveillance)
    _refuse(surveillance_refusal(surveillance.certificate.pathway))
    if surveillance.done_on is not None:
        raise DomainError(_l("This surveillance is already recorded."))
    if done_on < surveillance.certificate.issued_on:
        raise DomainError(
            _l("Surveillance cannot be before the certificate was issued."), field="done_on"
        )
    not_future(done_on, "done_on")
    surveillance.done_on = done_on
    surveillance.notes = notes.strip()
    db.session.flush()
    return surveillance


# --- guidance -----------------------------------------------------------------------------

VISIT_FIELDS = ("kind", "held_on", "officer_id", "topics", "notes", "follow_up", "follow_up_on")


def record_visit(actor: User, business: Business, values: dict[str, Any]) -> GuidanceVisit:
    visit = GuidanceVisit(city_id=business.city_id, business_id=business.id)
    access.authorize(actor, access.CREATE, visit)
    values = dict(values)
    values["kind"] = vocabulary.GuidanceKind(values["kind"])
    values["topics"] = (values.get("topics") or "").strip()
    required(values, "topics", "held_on")
    not_future(values["held_on"], "held_on")
    if values.get("follow_up_on") and values["follow_up_on"] < values["held_on"]:
        raise DomainError(_l("The follow-up cannot be before the visit."), field="follow_up_on")
    values["officer_id"] = values.get("officer_id") or actor.id
    _apply(visit, values, VISIT_FIELDS)
    return _added(visit)


def create_training(
    actor: User, city: City, values: dict[str, Any], business_ids: Iterable[int]
) -> TrainingBatch:
    batch = TrainingBatch(city_id=city.id)
    access.authorize(actor, access.CREATE, batch)
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    required(values, "title", "held_on", "trainer")
    _apply(batch, values, ("title", "held_on", "trainer", "place", "notes"))
    ids = set(business_ids)
    # an id no record can have (a JSON number beyond the database's integers) finds nothing
    known = {i for i in ids if 0 < i <= access.MAX_ID}
    attendees = list(
        db.session.scalars(
            select(Business).where(Business.id.in_(known), Business.city_id == city.id)
        )
    )
    if len(attendees) != len(ids):
        raise DomainError(_l("Only businesses of this city can attend."), field="business_ids")
    if not attendees:
        raise DomainError(_l("Choose at least one business that attended."), field="business_ids")
    db.session.add(batch)
    db.session.flush()
    for business in attendees:
        db.session.add(TrainingAttendance(batch_id=batch.id, business_id=business.id))
    db.session.flush()
    db.session.refresh(batch)
    return batch
