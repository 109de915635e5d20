"""Factories for the report archive. An archived report gets a small stand-in PDF on disk, so
access and verification tests need no WeasyPrint render."""

from __future__ import annotations

import hashlib

import factory

from qms.reports import archive
from qms.reports.models import GeneratedReport, ReportStatus
from tests.factories import Base, CityFactory, UserFactory


class GeneratedReportFactory(Base):
    class Meta:
        model = GeneratedReport

    ident = factory.Sequence(lambda n: f"QMS-2026-{n + 1:06d}-TESTAB")
    report_key = "city-directory"
    city = factory.SubFactory(CityFactory)
    agency = None
    locale = "id"
    params = factory.LazyAttribute(
        lambda o: {"city_id": o.city.id, "agency_id": o.agency.id if o.agency else None}
    )
    data_sha256 = "0" * 64
    cache_key = factory.Sequence(lambda n: f"{n:064d}")
    status = ReportStatus.DONE
    requested_by = factory.SubFactory(UserFactory)
    pages = 1

    @factory.post_generation
    def pdf(obj: GeneratedReport, create: bool, extracted: bytes | None, **kwargs) -> None:
        content = extracted or b"%PDF-1.7 stand-in for " + obj.ident.encode()
        archive.report_store().write(obj.file_name, content)
        obj.pdf_sha256 = hashlib.sha256(content).hexdigest()
        obj.size = len(content)
