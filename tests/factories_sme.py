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
from qms.sme.demo import passing_value
from qms.sme.models import Business, Pathway, Product, ProductStandard
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


def advance(officer, pathway: Pathway, until: Stage, day: date) -> Pathway:
    """Walk the pathway forward through the workflow, one stage a day from `day`, doing what each
    stage needs (readiness answered, LSPro named, a passing lab test, a certificate)."""
    for step in workflow.FORWARD_STEPS:
        action = step.name
        if pathway.stage == until:
            break
        if pathway.stage not in step.sources:
            continue
        day += timedelta(days=1)
        extra: dict = {}
        if action == "start_guidance":
            operations.save_readiness(
                officer, pathway, {i.id: ("yes", "") for i in catalogue.readiness_items()}
            )
        elif action == "apply":
            extra = {"lspro_name": "LSPro Contoh", "lspro_accreditation": "LSPr-034-IDN"}
        elif action == "to_decision":
            labtests.record_lab_test(
                officer, pathway, lab_name="Lab Uji", report_number=f"LHU/{pathway.id}",
                sampled_on=day, tested_on=day,
                results={p.key: passing_value(p) for p in pathway.standard.current_parameters},
            )  # fmt: skip
        elif action == "certify":
            extra = {"certificate_number": f"SPPT-{pathway.id}", "issued_on": day}
        workflow.transition(officer, pathway, action, on=day, **extra)
    assert pathway.stage == until
    return pathway
