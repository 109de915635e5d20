"""Small-business (UMK) product certification: the cooperative office's registry of businesses and
products, the catalogue of product SNIs, each product's certification pathway with its stages,
lab tests, certificates and surveillance, and the guidance (pembinaan) given on the way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.core.labels import labelled
from qms.core.models import (
    AuditedMixin,
    CityRecordMixin,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    reference_column,
)
from qms.extensions import db
from qms.sme import settings
from qms.sme.catalogue_models import (
    ParameterLimit,
    ProductStandard,
    ProductVariant,
    ReadinessItem,
    TestParameter,
)
from qms.sme.vocabulary import (
    WITHOUT_SURVEILLANCE,
    FindingGrade,
    GuidanceKind,
    ProductCategory,
    ReadinessStatus,
    Scale,
    Scheme,
    SchemeType,
    Stage,
    Verdict,
    stage_list,
)


class Business(CityRecordMixin, VersionedMixin, db.Model):
    __tablename__ = "sme_businesses"
    __record_label__ = "name"

    name: Mapped[str] = mapped_column(String(200), info=labelled(_l("Business name")))
    owner_name: Mapped[str] = mapped_column(String(200), info=labelled(_l("Owner")))
    nib: Mapped[str] = mapped_column(
        String(13), unique=True, info=labelled(_l("NIB (business identification number)"))
    )
    npwp: Mapped[str | None] = mapped_column(String(20), info=labelled(_l("NPWP (tax number)")))
    address: Mapped[str] = mapped_column(String(500), info=labelled(_l("Address")))
    kecamatan: Mapped[str] = mapped_column(String(100), index=True, info=labelled(_l("Kecamatan")))
    kelurahan: Mapped[str] = mapped_column(String(100), info=labelled(_l("Kelurahan")))
    phone: Mapped[str] = mapped_column(
        String(30), default="", info=labelled(_l("Phone / WhatsApp"))
    )
    email: Mapped[str] = mapped_column(String(255), default="", info=labelled(_l("E-mail")))
    scale: Mapped[Scale] = enum_column(Scale, _l("Scale"))
    workers: Mapped[int] = mapped_column(default=1, info=labelled(_l("Number of workers")))
    registered_on: Mapped[date] = mapped_column(info=labelled(_l("Registered with the office on")))

    products: Mapped[list[Product]] = relationship(
        back_populates="business", order_by="Product.name"
    )


class Product(CityRecordMixin, VersionedMixin, db.Model):
    __tablename__ = "sme_products"

    business_id: Mapped[int] = reference_column("sme_businesses.id", _l("Business"), index=True)
    name: Mapped[str] = mapped_column(String(200), info=labelled(_l("Product name")))
    brand: Mapped[str] = mapped_column(String(200), default="", info=labelled(_l("Brand")))
    category: Mapped[ProductCategory] = enum_column(ProductCategory, _l("Category"))
    standard_id: Mapped[int | None] = reference_column(
        "sme_product_standards.id", _l("Applicable SNI")
    )
    variant_id: Mapped[int | None] = reference_column(
        "sme_product_variants.id", _l("Category, form or grade in the SNI")
    )

    business: Mapped[Business] = relationship(back_populates="products")
    standard: Mapped[ProductStandard | None] = relationship()
    variant: Mapped[ProductVariant | None] = relationship()
    pathways: Mapped[list[Pathway]] = relationship(back_populates="product", order_by="Pathway.id")

    @property
    def record_label(self) -> str:
        return f"{self.name} ({self.brand})" if self.brand else self.name


class Pathway(CityRecordMixin, VersionedMixin, db.Model):
    """One product's way to an SNI certificate, stage by stage."""

    __tablename__ = "sme_pathways"

    product_id: Mapped[int] = reference_column("sme_products.id", _l("Product"), index=True)
    standard_id: Mapped[int] = reference_column("sme_product_standards.id", _l("Applicable SNI"))
    scheme: Mapped[Scheme] = enum_column(Scheme, _l("Scheme"))
    scheme_type: Mapped[SchemeType | None] = enum_column(
        SchemeType, _l("ISO/IEC 17067 scheme type"), length=4
    )
    stage: Mapped[Stage] = enum_column(Stage, _l("Stage"), default=Stage.REGISTERED, index=True)
    #: the stage to return to when a pathway on hold resumes
    held_stage: Mapped[Stage | None] = enum_column(Stage, _l("Stage on hold"))
    hold_reason: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Reason")))
    withdraw_reason: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Reason")))
    lspro_name: Mapped[str] = mapped_column(
        String(255), default="", info=labelled(_l("Certification body (LSPro)"))
    )
    lspro_accreditation: Mapped[str] = mapped_column(
        String(32), default="", info=labelled(_l("KAN accreditation number"))
    )
    #: the LSPro's fee invoice that came with the certification agreement
    invoice_number: Mapped[str] = mapped_column(
        String(100), default="", info=labelled(_l("Fee invoice number"))
    )

    product: Mapped[Product] = relationship(back_populates="pathways")
    standard: Mapped[ProductStandard] = relationship()
    stages: Mapped[list[StageRecord]] = relationship(
        back_populates="pathway", order_by="StageRecord.id"
    )
    findings: Mapped[list[AuditFinding]] = relationship(
        back_populates="pathway", order_by="AuditFinding.id"
    )
    lab_tests: Mapped[list[LabTest]] = relationship(
        back_populates="pathway", order_by="LabTest.round"
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="pathway", order_by="Certificate.issued_on"
    )
    readiness_answers: Mapped[list[ReadinessAnswer]] = relationship(back_populates="pathway")

    @property
    def current_stage_record(self) -> StageRecord | None:
        return next((s for s in reversed(self.stages) if s.ended_on is None), None)

    @property
    def current_stage_began(self) -> date:
        """When the pathway entered the stage it is in now; a hold in between does not count
        (a resumed stage began when it first did)."""
        began = self.stages[-1].started_on
        for record in reversed(self.stages):
            if record.stage == self.stage:
                began = record.started_on
            elif record.stage != Stage.ON_HOLD:
                break
        return began

    @hybrid_property
    def is_active(self) -> bool:
        """The product's pathway that counts: neither withdrawn nor archived."""
        return self.stage != Stage.WITHDRAWN and self.archived_at is None

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls) -> ColumnElement[bool]:
        return and_(cls.stage != Stage.WITHDRAWN, cls.archived_at.is_(None))

    @property
    def is_on_hold(self) -> bool:
        return self.stage == Stage.ON_HOLD

    @property
    def is_withdrawn(self) -> bool:
        return self.stage == Stage.WITHDRAWN

    @property
    def last_lab_test(self) -> LabTest | None:
        return self.lab_tests[-1] if self.lab_tests else None

    @property
    def certificate(self) -> Certificate | None:
        return self.certificates[-1] if self.certificates else None

    @property
    def has_surveillance(self) -> bool:
        """Surveillance is scheduled: the type has it, and the scheme's period is known or a
        certificate of the pathway has visits scheduled already."""
        if self.scheme_type in WITHOUT_SURVEILLANCE:
            return False
        return bool(settings.surveillance_months(self.scheme)) or any(
            c.surveillances for c in self.certificates
        )

    @property
    def stage_list(self) -> tuple[Stage, ...]:
        """The forward stages of this pathway, in order (its scheme's and type's)."""
        return stage_list(self.scheme, self.scheme_type, self.has_surveillance)

    @property
    def variant(self) -> ProductVariant | None:
        """The column of the SNI the product is judged by."""
        return self.product.variant

    @property
    def parameters(self) -> list[TestParameter]:
        """What the lab tests for this product."""
        return self.standard.parameters_for(self.variant)

    @property
    def record_label(self) -> str:
        return f"{self.product.name} — {self.standard.number}"


class StageRecord(AuditedMixin, TimestampMixin, db.Model):
    """The time a pathway spent in one stage, who was responsible, notes and evidence."""

    __tablename__ = "sme_stage_records"

    pathway_id: Mapped[int] = mapped_column(ForeignKey("sme_pathways.id"), index=True)
    stage: Mapped[Stage] = enum_column(Stage, _l("Stage"))
    started_on: Mapped[date] = mapped_column(info=labelled(_l("From")))
    ended_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(lazy_pgettext("date range", "To"))
    )
    officer_id: Mapped[int | None] = reference_column("users.id", _l("Responsible officer"))
    notes: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Notes")))
    #: the stage as recorded on the common list used before each scheme had its own
    #: (migration 0018), where it was renamed
    former_stage: Mapped[str | None] = mapped_column(String(32), default=None)

    pathway: Mapped[Pathway] = relationship(back_populates="stages")
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])

    def days(self, today: date) -> int:
        return ((self.ended_on or today) - self.started_on).days

    @property
    def record_label(self) -> str:
        return f"{self.stage.label} ({self.started_on.isoformat()})"


class ReadinessAnswer(AuditedMixin, db.Model):
    __tablename__ = "sme_readiness_answers"
    __table_args__ = (UniqueConstraint("pathway_id", "item_id"),)

    pathway_id: Mapped[int] = mapped_column(ForeignKey("sme_pathways.id"), index=True)
    item_id: Mapped[int] = reference_column("sme_readiness_items.id", _l("Item"))
    status: Mapped[ReadinessStatus] = enum_column(ReadinessStatus, _l("Status"))
    note: Mapped[str] = mapped_column(String(500), default="", info=labelled(_l("Note")))

    pathway: Mapped[Pathway] = relationship(back_populates="readiness_answers")
    item: Mapped[ReadinessItem] = relationship()


class AuditFinding(AuditedMixin, TimestampMixin, db.Model):
    """A nonconformity from the production-site audit, with its deadline to fix."""

    __tablename__ = "sme_audit_findings"

    pathway_id: Mapped[int] = mapped_column(ForeignKey("sme_pathways.id"), index=True)
    grade: Mapped[FindingGrade] = enum_column(FindingGrade, _l("Grade"))
    description: Mapped[str] = mapped_column(Text, info=labelled(_l("Finding")))
    raised_on: Mapped[date] = mapped_column(info=labelled(_l("Raised on")))
    due_on: Mapped[date] = mapped_column(info=labelled(_l("Fix by")))
    closed_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Closed on")))
    closure_note: Mapped[str] = mapped_column(
        Text, default="", info=labelled(_l("How it was fixed"))
    )

    pathway: Mapped[Pathway] = relationship(back_populates="findings")

    def is_overdue(self, today: date) -> bool:
        return self.closed_on is None and self.due_on < today

    @property
    def record_label(self) -> str:
        return f"{self.grade.label}: {self.description[:60]}"


class LabTest(AuditedMixin, TimestampMixin, db.Model):
    """One round of sampling and testing; `passed` is computed from its results."""

    __tablename__ = "sme_lab_tests"
    __record_label__ = "report_number"
    __table_args__ = (UniqueConstraint("pathway_id", "round"),)

    pathway_id: Mapped[int] = mapped_column(ForeignKey("sme_pathways.id"), index=True)
    round: Mapped[int] = mapped_column(info=labelled(_l("Round")))
    lab_name: Mapped[str] = mapped_column(String(255), info=labelled(_l("Laboratory")))
    lab_accreditation: Mapped[str] = mapped_column(
        String(32), default="", info=labelled(_l("Laboratory's KAN accreditation number"))
    )
    report_number: Mapped[str] = mapped_column(String(100), info=labelled(_l("Test report number")))
    sampled_on: Mapped[date] = mapped_column(info=labelled(_l("Sampled on")))
    tested_on: Mapped[date] = mapped_column(info=labelled(_l("Tested on")))
    passed: Mapped[bool] = mapped_column(info=labelled(_l("Passed")))

    pathway: Mapped[Pathway] = relationship(back_populates="lab_tests")
    results: Mapped[list[TestResult]] = relationship(
        back_populates="lab_test", order_by="TestResult.id"
    )


class TestResult(AuditedMixin, db.Model):
    __tablename__ = "sme_test_results"
    __test__ = False  # not a pytest test class, whatever its name
    __table_args__ = (UniqueConstraint("lab_test_id", "parameter_id"),)

    lab_test_id: Mapped[int] = mapped_column(ForeignKey("sme_lab_tests.id"), index=True)
    parameter_id: Mapped[int] = reference_column("sme_test_parameters.id", _l("Parameter"))
    value_number: Mapped[Decimal | None] = mapped_column(
        Numeric(14, 4), info=labelled(_l("Result"))
    )
    value_text: Mapped[str | None] = mapped_column(String(100), info=labelled(_l("Result")))
    passed: Mapped[bool] = mapped_column(info=labelled(_l("Passed")))
    verdict: Mapped[Verdict] = enum_column(Verdict, _l("Verdict"), length=16, default=Verdict.FAIL)

    lab_test: Mapped[LabTest] = relationship(back_populates="results")
    parameter: Mapped[TestParameter] = relationship()

    @property
    def limit(self) -> TestParameter | ParameterLimit | None:
        """The limit the result was judged by (the product's column of the SNI)."""
        return self.parameter.limit_for(self.lab_test.pathway.variant)

    @property
    def value(self) -> str:
        if self.value_number is not None:
            return f"{self.value_number.normalize():f}"
        return self.value_text or ""

    @property
    def decimals(self) -> int:
        """The decimals the lab reported, to print the number in the reader's notation with
        neither padding nor rounding (the column keeps four: 13.2000 was reported as 13.2)."""
        if self.value_number is None:
            return 0
        exponent = self.value_number.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0


class Certificate(AuditedMixin, TimestampMixin, db.Model):
    __tablename__ = "sme_certificates"
    __record_label__ = "number"

    pathway_id: Mapped[int] = mapped_column(ForeignKey("sme_pathways.id"), index=True)
    number: Mapped[str] = mapped_column(
        String(100), unique=True, info=labelled(_l("Certificate number"))
    )
    issuer: Mapped[str] = mapped_column(String(255), info=labelled(_l("Issued by")))
    issued_on: Mapped[date] = mapped_column(info=labelled(_l("Issued on")))
    expires_on: Mapped[date] = mapped_column(info=labelled(_l("Expires on")))
    #: the batch (lot, shipment) a type 1b certificate covers, and nothing else
    batch: Mapped[str] = mapped_column(String(100), default="", info=labelled(_l("Batch")))

    pathway: Mapped[Pathway] = relationship(back_populates="certificates")
    surveillances: Mapped[list[Surveillance]] = relationship(
        back_populates="certificate", order_by="Surveillance.due_on"
    )


class Surveillance(AuditedMixin, TimestampMixin, db.Model):
    __tablename__ = "sme_surveillances"

    certificate_id: Mapped[int] = reference_column(
        "sme_certificates.id", _l("Certificate"), index=True
    )
    due_on: Mapped[date] = mapped_column(info=labelled(_l("Due")))
    done_on: Mapped[date | None] = mapped_column(default=None, info=labelled(_l("Done on")))
    notes: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Notes")))

    certificate: Mapped[Certificate] = relationship(back_populates="surveillances")

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today

    @property
    def record_label(self) -> str:
        return self.due_on.isoformat()


# --- guidance -----------------------------------------------------------------------------


class GuidanceVisit(CityRecordMixin, db.Model):
    """A visit to a business or a consultation with it (pembinaan / pendampingan)."""

    __tablename__ = "sme_guidance_visits"

    business_id: Mapped[int] = reference_column("sme_businesses.id", _l("Business"), index=True)
    kind: Mapped[GuidanceKind] = enum_column(GuidanceKind, _l("Kind"))
    held_on: Mapped[date] = mapped_column(info=labelled(_l("Date")))
    officer_id: Mapped[int | None] = reference_column("users.id", _l("Officer"))
    topics: Mapped[str] = mapped_column(String(500), info=labelled(_l("Topics")))
    notes: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Notes")))
    follow_up: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Follow-up")))
    follow_up_on: Mapped[date | None] = mapped_column(
        default=None, info=labelled(_l("Follow up by"))
    )

    business: Mapped[Business] = relationship()
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])

    @property
    def record_label(self) -> str:
        return f"{self.held_on.isoformat()} {self.topics[:60]}"


class TrainingBatch(CityRecordMixin, db.Model):
    __tablename__ = "sme_training_batches"
    __record_label__ = "title"

    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title")))
    held_on: Mapped[date] = mapped_column(info=labelled(_l("Date")))
    trainer: Mapped[str] = mapped_column(String(200), info=labelled(_l("Trainer")))
    place: Mapped[str] = mapped_column(String(255), default="", info=labelled(_l("Place")))
    notes: Mapped[str] = mapped_column(Text, default="", info=labelled(_l("Notes")))

    attendances: Mapped[list[TrainingAttendance]] = relationship(
        back_populates="batch", order_by="TrainingAttendance.id"
    )


class TrainingAttendance(AuditedMixin, db.Model):
    __tablename__ = "sme_training_attendances"
    __table_args__ = (UniqueConstraint("batch_id", "business_id"),)
    __deletable__ = True

    batch_id: Mapped[int] = reference_column("sme_training_batches.id", _l("Training"), index=True)
    business_id: Mapped[int] = reference_column("sme_businesses.id", _l("Business"), index=True)
    participant: Mapped[str] = mapped_column(String(200), default="")

    batch: Mapped[TrainingBatch] = relationship(back_populates="attendances")
    business: Mapped[Business] = relationship()


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_sme_pathways_updated", Pathway.updated_at, Pathway.id)
Index("ix_sme_businesses_city_name", Business.city_id, Business.name)
Index("ix_sme_guidance_visits_held", GuidanceVisit.held_on, GuidanceVisit.id)
Index("ix_sme_training_batches_held", TrainingBatch.held_on, TrainingBatch.id)
