"""The catalogue of product SNIs the cooperative office certifies against (loaded from
checklists/products/ by qms/sme/catalogue.py): each standard with its categories, forms or grades
(variants), its test parameters and their limits, and the readiness checklist a business answers
before it applies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.labels import labelled
from qms.core.models import AuditedMixin, Bilingual, NumberedTitleMixin, enum_column
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.sme.vocabulary import (
    ProductCategory,
)


class ProductStandard(NumberedTitleMixin, AuditedMixin, db.Model):
    """A product SNI with the parameters a lab tests against it."""

    __tablename__ = "sme_product_standards"
    __history_exclude__ = frozenset({"loaded_at"})

    code: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    title_id: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    mandatory: Mapped[bool] = mapped_column(default=False, info=labelled(_l("Mandatory")))
    category: Mapped[ProductCategory] = enum_column(ProductCategory, _l("Category"))
    confirmed: Mapped[bool] = mapped_column(default=True, info=labelled(_l("Confirmed")))
    note: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Note")))
    #: what the standard calls the columns of its table (category, form, grade), when it has
    #: several; empty when one set of limits serves every product
    variant_label_id: Mapped[str] = mapped_column(String(100), default="")
    variant_label_en: Mapped[str] = mapped_column(String(100), default="")
    source_file: Mapped[str] = mapped_column(String(255), info=labelled(_l("Source file")))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    parameters: Mapped[list[TestParameter]] = relationship(
        back_populates="standard", order_by="TestParameter.position"
    )
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="standard", order_by="ProductVariant.position"
    )

    @property
    def current_parameters(self) -> list[TestParameter]:
        return [p for p in self.parameters if p.retired_at is None]

    @property
    def current_variants(self) -> list[ProductVariant]:
        return [v for v in self.variants if v.retired_at is None]

    variant_label = Bilingual()

    def parameters_for(self, variant: ProductVariant | None) -> list[TestParameter]:
        """The parameters a product of `variant` is tested for (all, without variants)."""
        if variant is None:
            return self.current_parameters
        return [p for p in self.current_parameters if p.limit_for(variant) is not None]


class ProductVariant(AuditedMixin, db.Model):
    """One column of a standard's table of limits: a category, form or grade of the product
    (forest, cultivated or stingless-bee honey; moulded or granulated palm sugar). A product
    chooses one and is judged by its limits."""

    __tablename__ = "sme_product_variants"
    __record_label__ = "key"
    __table_args__ = (UniqueConstraint("standard_id", "key"),)

    standard_id: Mapped[int] = mapped_column(ForeignKey("sme_product_standards.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name_id: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    standard: Mapped[ProductStandard] = relationship(back_populates="variants")

    name = Bilingual()

    @property
    def label(self) -> str:
        return f"{self.standard.number} — {self.name}"


class TestParameter(AuditedMixin, db.Model):
    """One tested property with its limit: a minimum and/or maximum, or a required value."""

    __tablename__ = "sme_test_parameters"
    __record_label__ = "key"
    __test__ = False  # not a pytest test class, whatever its name
    __table_args__ = (UniqueConstraint("standard_id", "key"),)

    standard_id: Mapped[int] = mapped_column(ForeignKey("sme_product_standards.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name_id: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    unit: Mapped[str] = mapped_column(String(32), default="")
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    expected_id: Mapped[str | None] = mapped_column(String(100))
    expected_en: Mapped[str | None] = mapped_column(String(100))
    #: the maximum itself fails ("< 3 APM/g")
    max_exclusive: Mapped[bool] = mapped_column(default=False)
    confirmed: Mapped[bool] = mapped_column(default=True)
    #: where the limit comes from, and how sure it is
    source: Mapped[str] = mapped_column(Text, default="")
    #: what no result can be (a content above 100 %): a lab result outside is refused
    possible_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    possible_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    standard: Mapped[ProductStandard] = relationship(back_populates="parameters")
    limits: Mapped[list[ParameterLimit]] = relationship(back_populates="parameter")

    name = Bilingual()

    @property
    def is_qualitative(self) -> bool:
        return self.expected_id is not None

    expected = Bilingual()

    def limit_for(self, variant: ProductVariant | None) -> TestParameter | ParameterLimit | None:
        """The limit a product of `variant` is judged by: the parameter's own without
        variants, else the variant's column (None: the standard does not test it)."""
        if variant is None:
            return self
        return next((limit for limit in self.limits if limit.variant_id == variant.id), None)


class ParameterLimit(AuditedMixin, db.Model):
    """One cell of a standard's table: a parameter's limit for one variant."""

    __tablename__ = "sme_parameter_limits"
    __table_args__ = (UniqueConstraint("parameter_id", "variant_id"),)
    __deletable__ = True

    parameter_id: Mapped[int] = mapped_column(ForeignKey("sme_test_parameters.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("sme_product_variants.id"), index=True)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    max_exclusive: Mapped[bool] = mapped_column(default=False)
    expected_id: Mapped[str | None] = mapped_column(String(100))
    expected_en: Mapped[str | None] = mapped_column(String(100))
    confirmed: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(Text, default="")

    parameter: Mapped[TestParameter] = relationship(back_populates="limits")
    variant: Mapped[ProductVariant] = relationship()

    @property
    def is_qualitative(self) -> bool:
        return self.expected_id is not None

    expected = Bilingual()

    @property
    def record_label(self) -> str:
        return f"{self.parameter.key}/{self.variant.key}"


class ReadinessChecklist(AuditedMixin, db.Model):
    __tablename__ = "sme_readiness_checklists"
    __history_exclude__ = frozenset({"loaded_at"})

    code: Mapped[str] = mapped_column(String(64), unique=True)
    title_id: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    source_file: Mapped[str] = mapped_column(String(255))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[ReadinessItem]] = relationship(
        back_populates="checklist", order_by="ReadinessItem.position"
    )

    title = Bilingual()

    @property
    def current_items(self) -> list[ReadinessItem]:
        return [i for i in self.items if i.retired_at is None]


class ReadinessItem(AuditedMixin, db.Model):
    __tablename__ = "sme_readiness_items"
    __table_args__ = (UniqueConstraint("checklist_id", "key"),)

    checklist_id: Mapped[int] = mapped_column(ForeignKey("sme_readiness_checklists.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[str] = mapped_column(String(255))
    area_en: Mapped[str] = mapped_column(String(255))
    text_id: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    checklist: Mapped[ReadinessChecklist] = relationship(back_populates="items")

    area = Bilingual()

    text = Bilingual()


# --- registry -----------------------------------------------------------------------------
