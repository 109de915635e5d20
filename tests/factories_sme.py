"""Factories and helpers for the small-business certification tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import factory
from flask import current_app
from sqlalchemy import select

from qms.accounts.models import Role
from qms.core.checklists import load_directory
from qms.extensions import db
from qms.sme.models import Business, Product, ProductCategory, ProductStandard, Scale
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
