"""Factories and helpers for the small-business certification tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import factory
from flask import current_app
from sqlalchemy import select

from qms.core.checklists import load_directory
from qms.core.roles import Role
from qms.extensions import db
from qms.sme import catalogue, labtests, operations, workflow
from qms.sme.catalogue_models import ProductStandard, ProductVariant
from qms.sme.demo import results
from qms.sme.models import Business, Pathway, Product
from qms.sme.vocabulary import ProductCategory, Scale, Stage
from tests.factories import Base, CityFactory, user_with_role


def load_catalogue() -> None:
    root = Path(current_app.config["CHECKLISTS_DIR"])
    for folder in ("products", "readiness"):  # only this feature's kinds: faster
        report = load_directory(root / folder)
        assert report.errors == []
    db.session.flush()


def standard(code: str) -> ProductStandard:
    return db.session.scalar(select(ProductStandard).where(ProductStandard.code == code))


def variant(code: str, key: str) -> ProductVariant:
    """One column of an SNI's table (forest honey, granulated palm sugar…)."""
    return next(v for v in standard(code).current_variants if v.key == key)


def honey(key: str = "hutan", **kwargs) -> Product:
    """A honey product judged by the column `key` of SNI 8664:2018."""
    column = variant("SNI-8664-2018", key)
    return ProductFactory(standard_id=column.standard_id, variant_id=column.id, **kwargs)


class BusinessFactory(Base):
    class Meta:
        model = Business

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"UD Contoh {n}")
    owner_name = "Maria Bria"
    nib = factory.Sequence(lambda n: f"{9120000000000 + n}")
    address = "Jl. Contoh No. 1"
    kecamatan = "Oebobo"
    kelurahan = "Oebufu"
    scale = Scale.MIKRO
    workers = 3
    registered_on = date(2025, 3, 1)


class ProductFactory(Base):
    class Meta:
        model = Product

    business = factory.SubFactory(BusinessFactory)
    city_id = factory.SelfAttribute("business.city_id")
    name = factory.Sequence(lambda n: f"Madu Hutan {n}")
    brand = "Timor"
    category = ProductCategory.HONEY
    standard_id = None


def coop_officer(city):
    return user_with_role(Role.COOP_OFFICER, city=city)


def lab_test(officer, pathway: Pathway, day: date, **kwargs):
    """A passing round of lab tests (every parameter within the product's limits)."""
    values = {
        "lab_name": "Lab Uji",
        "lab_accreditation": "LP-123-IDN",
        "report_number": f"LHU/{pathway.id}/{len(pathway.lab_tests) + 1}",
        "sampled_on": day,
        "tested_on": day,
        "results": results(pathway),
        **kwargs,
    }
    return labtests.record_lab_test(officer, pathway, **values)


def advance(officer, pathway: Pathway, until: Stage, day: date) -> Pathway:
    """Walk the pathway forward along its scheme's stages, one stage a day from `day`, doing
    what each stage needs (readiness answered, LSPro named, the fee invoice, a passing lab
    test, a certificate)."""
    while pathway.stage != until:
        step = workflow.next_step(pathway)
        assert step is not None, f"{until} is not ahead of {pathway.stage}"
        day += timedelta(days=1)
        extra: dict = {}
        if step.name in ("start_guidance", "apply_oss") and not workflow.readiness_refusal(pathway):
            operations.save_readiness(
                officer, pathway, {i.id: ("yes", "") for i in catalogue.readiness_items()}
            )
        elif step.name == "apply":
            extra = {"lspro_name": "LSPro Contoh", "lspro_accreditation": "LSPr-034-IDN"}
        elif step.name in ("start_document_audit", "start_testing"):
            extra = {"invoice_number": f"INV/{pathway.id}"}
        elif step.name == "start_technical_review" or (
            step.name == "certify" and pathway.last_lab_test is None
        ):
            lab_test(officer, pathway, day)
        if step.name == "certify":
            extra = {
                "certificate_number": f"SPPT-{pathway.id}",
                "issued_on": day,
                "expires_on": date(day.year + 3, day.month, day.day),
                "batch": "LOT-1" if pathway.scheme_type == "1b" else "",
            }
        workflow.transition(officer, pathway, step.name, on=day, **extra)
    return pathway
