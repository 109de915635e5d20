"""What /api/v1/sme answers: each kind of record once, as a Resource (its fields typed, its
column labels as the OpenAPI descriptions)."""

from __future__ import annotations

from datetime import date

from qms.api import schema
from qms.api.schema import Resource
from qms.sme import models
from qms.sme.vocabulary import (
    FindingGrade,
    GuidanceKind,
    ProductCategory,
    Scale,
    Scheme,
    SchemeType,
    Stage,
    Verdict,
)


class SmeBusinessOut(Resource):
    labels_from = models.Business

    id: int
    city_id: int
    name: str
    owner_name: str
    nib: str
    npwp: str | None
    address: str
    kecamatan: str
    kelurahan: str
    phone: str
    email: str
    scale: Scale
    workers: int
    registered_on: date
    archived: schema.Archived
    #: the version to send back with a change
    version: int


class SmeProductOut(Resource):
    labels_from = models.Product

    id: int
    business_id: int
    name: str
    brand: str
    category: ProductCategory
    #: the SNI's number
    standard: str | None
    standard_id: int | None
    #: the key of the product's column of its SNI (category, form or grade)
    variant: str | None
    variant_id: int | None
    #: the version to send back with a change
    version: int

    @classmethod
    def of(cls, product: models.Product) -> SmeProductOut:
        number = product.standard.number if product.standard else None
        variant = product.variant.key if product.variant else None
        return cls.from_record(product, standard=number, variant=variant)


class SmeTestResultOut(Resource):
    labels_from = models.TestResult

    #: the parameter's key in the SNI
    parameter: str
    #: as the lab wrote it
    value: str
    passed: bool
    verdict: Verdict

    @classmethod
    def of(cls, result: models.TestResult) -> SmeTestResultOut:
        return cls(
            parameter=result.parameter.key,
            value=result.value,
            passed=result.passed,
            verdict=result.verdict,
        )


class SmeLabTestOut(Resource):
    labels_from = models.LabTest

    id: int
    round: int
    lab_name: str
    lab_accreditation: str
    report_number: str
    sampled_on: date
    tested_on: date
    passed: bool
    results: list[SmeTestResultOut]

    @classmethod
    def of(cls, test: models.LabTest) -> SmeLabTestOut:
        results = [SmeTestResultOut.of(r) for r in test.results]
        return cls.from_record(test, results=results)


class SmeStageOut(Resource):
    labels_from = models.StageRecord

    stage: Stage
    started_on: date
    ended_on: date | None
    officer_id: int | None
    notes: str


class SmeFindingOut(Resource):
    labels_from = models.AuditFinding

    id: int
    grade: FindingGrade
    description: str
    due_on: date
    closed_on: date | None


class SmeCertificateOut(Resource):
    labels_from = models.Certificate

    number: str
    issuer: str
    issued_on: date
    expires_on: date
    #: the batch a type 1b certificate covers
    batch: str
    #: the surveillance not yet done
    surveillance_due: list[date]

    @classmethod
    def of(cls, certificate: models.Certificate) -> SmeCertificateOut:
        due = [s.due_on for s in certificate.surveillances if not s.done_on]
        return cls.from_record(certificate, surveillance_due=due)


class SmePathwayOut(Resource):
    labels_from = models.Pathway

    id: int
    product_id: int
    #: the SNI's number
    standard: str
    scheme: Scheme
    scheme_type: SchemeType | None
    stage: Stage
    held_stage: Stage | None
    hold_reason: str
    withdraw_reason: str
    lspro_name: str
    lspro_accreditation: str
    invoice_number: str
    stages: list[SmeStageOut]
    findings: list[SmeFindingOut]
    certificates: list[SmeCertificateOut]
    #: the version to send back with a step
    version: int

    @classmethod
    def of(cls, pathway: models.Pathway) -> SmePathwayOut:
        return cls.from_record(
            pathway,
            standard=pathway.standard.number,
            stages=[SmeStageOut.of(s) for s in pathway.stages],
            findings=[SmeFindingOut.of(f) for f in pathway.findings],
            certificates=[SmeCertificateOut.of(c) for c in pathway.certificates],
        )


class SmeVisitOut(Resource):
    labels_from = models.GuidanceVisit

    id: int
    business_id: int
    kind: GuidanceKind
    held_on: date
    officer_id: int | None
    topics: str
    notes: str
    follow_up: str
    follow_up_on: date | None


class SmeTrainingOut(Resource):
    labels_from = models.TrainingBatch

    id: int
    title: str
    held_on: date
    trainer: str
    place: str
    business_ids: list[int]

    @classmethod
    def of(cls, batch: models.TrainingBatch) -> SmeTrainingOut:
        attending = [a.business_id for a in batch.attendances]
        return cls.from_record(batch, business_ids=attending)
