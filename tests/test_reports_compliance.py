"""The compliance reports and dashboards, rendered for real from the demo data and read back with
pypdf. Renders are few and small: each test seeds the demo city once and renders only what it
checks. Expected figures are counted here straight from the tables, not through qms.reports."""

from __future__ import annotations

import dataclasses
import io
import os
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from qms.accounts.models import User
from qms.audits.models import Audit, AuditStatus, ChecklistRow, Finding, RowResult
from qms.capa.models import Complaint, NcStatus, Nonconformity
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.demo import DEMO_PASSWORD
from qms.documents.models import Document
from qms.extensions import db
from qms.organisations.models import Agency
from qms.planning.models import Objective
from qms.reports import archive, engine, jobs, portal
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.registry import ReportRequest, register_report_type, report_type
from qms.skm import figures as skm_figures
from qms.skm.models import Survey
from qms.skm.vocabulary import SurveyStatus
from qms.sme.models import Business, Pathway
from tests.factories import user_with_role
from tests.factories_reports import GeneratedReportFactory


@pytest.fixture
def demo(demo_seeded):
    agencies = {a.code: a for a in db.session.scalars(select(Agency))}
    return {
        "city": agencies["DUKCAPIL"].city,
        "dukcapil": agencies["DUKCAPIL"],
        "rsud": agencies["RSUD"],
        "reviewer": user_with_role(Role.BSN_REVIEWER, name="Reviewer BSN"),
        "officer": db.session.scalar(select(User).where(User.email == "mutu.dukcapil@demo.qms.id")),
    }


def _render(user, key, locale="id", **params):
    rtype, req = portal.build_request(user, key, locale=locale, **params)
    report = jobs.submit(user, rtype, req).report
    db.session.refresh(report)
    assert report.status is ReportStatus.DONE, report.error
    content = archive.read_pdf(report)
    reader = PdfReader(io.BytesIO(content))
    # each page's text is extracted once (pypdf takes a good share of these tests' time)
    pages = [page.extract_text() for page in reader.pages]
    return report, reader, pages, " ".join(" ".join(pages).split())


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


ISSUED = (AuditStatus.REPORTED, AuditStatus.CLOSED)


def _reported_audit(agency) -> Audit | None:
    """The agency's latest issued audit."""
    return db.session.scalar(
        select(Audit)
        .where(Audit.agency_id == agency.id, Audit.status.in_(ISSUED))
        .order_by(Audit.reported_at.desc(), Audit.id.desc())
        .limit(1)
    )


def _compliance(audit: Audit) -> float:
    """The default (weighted) formula restated: an observation counts as conforming, a
    nonconformity weighs 2 when its finding is major, else 1."""
    rows = db.session.execute(
        select(ChecklistRow.result, Finding.grade)
        .outerjoin(Finding, (Finding.row_id == ChecklistRow.id) & Finding.archived_at.is_(None))
        .where(ChecklistRow.audit_id == audit.id)
    ).all()
    conforming = sum(
        r
        in (
            RowResult.CONFORM,
            RowResult.GOOD_PRACTICE,
            RowResult.OPPORTUNITY,
            RowResult.OBSERVATION,
        )
        for r, _grade in rows
    )
    weight = sum(2 if g == "major" else 1 for r, g in rows if r == RowResult.NONCONFORM)
    return conforming / (conforming + weight)


def test_agency_report_and_dashboard_match_the_database(app, client, auth, demo):
    agency = demo["dukcapil"]
    audit = _reported_audit(agency)
    findings = db.session.scalar(  # of every issued audit of the agency
        select(func.count(Finding.id))
        .join(Audit, Finding.audit_id == Audit.id)
        .where(
            Audit.agency_id == agency.id,
            Audit.status.in_(ISSUED),
            Finding.archived_at.is_(None),
        )
    )
    open_ncs = db.session.scalar(
        select(func.count(Nonconformity.id)).where(
            Nonconformity.agency_id == agency.id, Nonconformity.status != NcStatus.CLOSED
        )
    )
    complaints = db.session.scalar(
        select(func.count(Complaint.id)).where(Complaint.agency_id == agency.id)
    )
    report, reader, pages, text = _render(
        demo["reviewer"], "agency-compliance", city_id=agency.city_id, agency_id=agency.id
    )

    assert len(reader.pages) == report.pages >= 8  # cover, contents, summary, five chapters
    assert f"Halaman 1 dari {report.pages}" in text
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == [
        "Ringkasan",
        "Kesesuaian per klausul",
        "Temuan per tingkat",
        "Tindakan korektif",
        "Pengendalian dokumen",
        "Pengaduan dan waktu tanggapan",
        "Sasaran mutu dan risiko",
        "Survei Kepuasan Masyarakat",
        "Sumber daya: alat ukur, kompetensi dan penyedia",
    ]
    # planning's section: this year's objectives with their latest value, the high risks
    objectives = db.session.scalars(
        select(Objective).where(
            Objective.agency_id == agency.id,
            Objective.year == today().year,
            Objective.archived_at.is_(None),
        )
    ).all()
    assert objectives
    flat = text.replace("- ", "-")
    for objective in objectives:
        assert " ".join(objective.title.split()) in flat, objective.title
    assert "Risiko tinggi" in text and "Penanganan yang terlambat" in text
    # the survey's section: each finished survey's index, in Indonesian figures
    surveys = db.session.scalars(
        select(Survey).where(
            Survey.agency_id == agency.id, Survey.status != SurveyStatus.COLLECTING
        )
    ).all()
    assert surveys
    for survey in surveys:
        ikm = skm_figures.result(survey).ikm
        assert f"{ikm:.2f}".replace(".", ",") in text, survey.title
    summary = " ".join(pages[2].split())
    assert (
        f"{_percent(_compliance(audit))} Kesesuaian pada audit terakhir {audit.reference}"
        in summary
    )
    assert f"{findings} Temuan" in summary and f"{open_ncs} Ketidaksesuaian terbuka" in summary
    assert f"{complaints} Pengaduan" in summary
    assert "Dinas Kependudukan dan Pencatatan Sipil Kota Kupang" in text
    # the formula with its weights, in Indonesian letters and signs
    formula = "Kesesuaian = (sesuai + 1 × observasi) ÷ (sesuai + observasi + 2 × KTS Mayor + 1 ×"
    assert formula in text

    # a period without data says so
    _report, _reader, _pages, text = _render(
        demo["reviewer"],
        "agency-compliance",
        city_id=agency.city_id,
        agency_id=agency.id,
        period_start=date(2010, 1, 1),
        period_end=date(2010, 12, 31),
    )
    assert "Tidak ada laporan audit perangkat daerah ini yang terbit dalam periode ini." in text
    assert "Tidak ada ketidaksesuaian yang diangkat dalam periode ini." in text
    assert "Tidak ada pengaduan yang diterima dalam periode ini." in text
    assert "Perangkat daerah tidak menetapkan sasaran mutu untuk periode ini." in text
    assert "Tidak ada survei perangkat daerah ini yang ditutup dalam periode ini." in text

    # the agency's officer sees the same figures on the home page
    auth.login(demo["officer"].email, DEMO_PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert "Kesesuaian Dinas Kependudukan" in home
    assert f"<strong>{_percent(_compliance(audit))}</strong> Kesesuaian pada audit terakhir" in home
    assert f"<strong>{open_ncs}</strong> Ketidaksesuaian terbuka" in home


def test_city_summary_in_parts_with_one_page_numbering(app, client, auth, demo, monkeypatch):
    """Rendered in slices of 10 agencies (25 demo agencies: three parts), two at once in
    forked processes, in English."""
    monkeypatch.setitem(app.config, "REPORT_PROCESSES", 2)
    original = report_type("city-compliance-summary")
    register_report_type(dataclasses.replace(original, chunk_size=10))
    try:
        _report, reader, pages, text = _render(
            demo["reviewer"], "city-compliance-summary", "en", city_id=demo["city"].id
        )
    finally:
        register_report_type(original)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == [
        "Summary",
        "Trend per year",
        "Small-business certification funnel",
        "Agencies ranked 1–10",
        "Compliance per main clause and agency (1–10)",
        "Agencies ranked 11–20",
        "Compliance per main clause and agency (11–20)",
        "Agencies ranked 21–25",
        "Compliance per main clause and agency (21–25)",
    ]
    # the contents give the page each part starts on
    contents = " ".join(pages[1].split())
    starts = {}
    for index, page in enumerate(pages, start=1):
        match = re.match(r"Agencies ranked (\d+)–\d+", page)
        if match:
            starts[match.group(1)] = index
    assert list(starts) == ["1", "11", "21"]
    for first, page_number in starts.items():
        assert re.search(rf"Agencies ranked {first}–\d+ \.+ {page_number}\b", contents)
    # and the page of each slice's heat map, which is in the contents too
    for first in starts:
        heat = re.search(
            rf"Compliance per main clause and agency \({first}–\d+\) \.+ (\d+)", contents
        )
        assert heat and "Compliance per main clause and agency" in pages[int(heat.group(1)) - 1]
    agencies = db.session.scalar(
        select(func.count(Agency.id)).where(Agency.city_id == demo["city"].id)
    )
    certified = db.session.scalar(
        select(func.count(Pathway.id)).where(
            Pathway.stage.in_(("certified", "surveillance", "renewal"))
        )
    )
    summary = " ".join(pages[2].split())
    assert f"{agencies} Agencies" in summary and f"{certified} Products certified" in summary
    # ranked by the compliance of their latest issued audit, then by name
    latest = {a: _reported_audit(a) for a in demo["city"].agencies}
    ranking = sorted(
        (
            (_compliance(audit), agency.name, audit.reference)
            for agency, audit in latest.items()
            if audit is not None
        ),
        key=lambda r: (-r[0], r[1]),
    )
    assert len(ranking) > 1
    flat = text.replace("- ", "-")  # a long reference wraps
    for rank, (share, name, reference) in enumerate(ranking, start=1):
        percent = round(share * 100)
        if rank == 1 or reference == _reported_audit(demo["dukcapil"]).reference:
            assert re.search(rf"{rank} {re.escape(name)} {reference} {percent} ?%", flat), name
    # each agency's line of the satisfaction survey: the index of this year's responses
    dukcapil = demo["dukcapil"]
    ikm = skm_figures.agency_index(dukcapil.id, date(today().year, 1, 1), today())
    assert ikm is not None
    assert re.search(rf"{re.escape(dukcapil.name)} [\d,]+ {ikm:.2f} [ABCD]", flat)
    assert "Quality objectives and risks" in text and "Treatments overdue" in text

    # the city administrator's dashboard shows the city's figures
    admin = db.session.scalar(select(User).where(User.email == "admin.kupang@demo.qms.id"))
    auth.login(admin.email, DEMO_PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert f"<strong>{len(ranking)} / {agencies}</strong> Perangkat daerah yang diaudit" in home
    assert f"<strong>{certified}</strong> Produk bersertifikat" in home


def test_record_reports_from_their_pages_and_the_verification_round_trip(app, client, auth, demo):
    officer = demo["officer"]
    audit = _reported_audit(demo["dukcapil"])
    nc = db.session.scalar(
        select(Nonconformity)
        .where(Nonconformity.agency_id == demo["dukcapil"].id)
        .order_by(Nonconformity.id)
    )
    auth.login(officer.email, DEMO_PASSWORD)
    page = client.get(f"/audits/{audit.id}/report").get_data(as_text=True)
    assert 'action="/reports/pdf/audit-report"' in page
    assert f'name="record_id" value="{audit.id}"' in page
    assert client.get(f"/reports/pdf/audit-report?record_id={audit.id}").status_code == 405
    response = client.post("/reports/pdf/audit-report", data={"record_id": audit.id})
    assert response.status_code == 303 and response.headers["Location"].endswith("/pdf")
    pdf = client.get(response.headers["Location"])
    content = pdf.data
    pdf.close()
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Laporan audit" in text and audit.reference in text
    for finding in audit.active_findings:
        assert finding.number in text
    assert "Ketua tim audit" in text or "Auditor kepala" in text or "Lead auditor" not in text
    assert "Tanggal: ..." in text  # the signatures block

    # the verification page knows it, and tells a tampered copy apart
    ident = re.search(r"QMS-\d{4}-\d{6}-[A-Z0-9]{6}", text).group(0)

    def upload(data: bytes) -> str:
        return client.post(
            "/verify/",
            data={"ident": ident, "file": (io.BytesIO(data), "laporan.pdf")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    assert "sama persis dengan laporan di arsip" in upload(content)
    assert "TIDAK sama" in upload(
        content.replace(audit.reference.encode(), b"AMI-2026-XXXXXXXX", 1) + b"%"
    )

    # the PTK of a nonconformity, in English, asked for by its number in the portal
    _report, _reader, _pages, text = _render(
        demo["reviewer"],
        "corrective-action-request",
        "en",
        city_id=demo["city"].id,
        record_reference=nc.number.lower(),
    )
    assert "Corrective action request" in text and nc.number in text and nc.statement[:40] in text
    assert "Auditee representative" in text

    # the master list of the agency, every document of it
    codes = list(
        db.session.scalars(
            select(Document.code).where(
                Document.agency_id == demo["dukcapil"].id, Document.archived_at.is_(None)
            )
        )
    )
    _report, _reader, _pages, text = _render(
        officer,
        "document-master-list",
        "en",
        city_id=demo["city"].id,
        agency_id=demo["dukcapil"].id,
    )
    assert f"{len(codes)} documents." in text
    assert all(code in text.replace("- ", "-") for code in codes)  # long codes wrap

    # the dossier of a business with a lab test: results against the SNI limits
    business = db.session.scalar(
        select(Business)
        .join(Business.products)
        .join(Pathway)
        .where(Pathway.lab_tests.any())
        .limit(1)
    )
    coop = db.session.scalar(select(User).where(User.email.like("%koperasi%"))) or demo["reviewer"]
    _report, _reader, _pages, text = _render(
        coop, "business-dossier", city_id=demo["city"].id, record_id=business.id
    )
    assert (
        "Profil" in text
        and business.nib in text
        and "Batas SNI" in text
        and "Riwayat pembinaan" in text
    )


def test_an_officer_gets_no_report_about_another_agency(app, client, auth, demo, monkeypatch):
    from qms.reports import engine

    monkeypatch.setattr(engine, "render_pdf", lambda html: engine.RenderedPdf(b"%PDF-1.7 x", 1))
    rsud = demo["rsud"]
    rsud_audit = db.session.scalar(select(Audit).where(Audit.agency_id == rsud.id))
    rsud_nc = db.session.scalar(select(Nonconformity).where(Nonconformity.agency_id == rsud.id))
    auth.login(demo["officer"].email, DEMO_PASSWORD)
    refused = [
        client.post("/reports/pdf/agency-compliance", data={"agency_id": rsud.id}).status_code,
        client.post("/reports/pdf/document-master-list", data={"agency_id": rsud.id}).status_code,
        client.post("/reports/pdf/audit-report", data={"record_id": rsud_audit.id}).status_code,
        client.post(
            "/reports/pdf/corrective-action-request", data={"record_id": rsud_nc.id}
        ).status_code,
        client.post(
            "/reports/pdf/city-compliance-summary", data={"city_id": rsud.city_id}
        ).status_code,
    ]
    assert all(status in (403, 404) for status in refused), refused
    portal = client.post(
        "/reports/generate",
        data={
            "report": "audit-report",
            "city_id": rsud.city_id,
            "record_reference": rsud_audit.reference,
            "locale": "id",
        },
    )
    assert portal.status_code == 422
    assert db.session.scalar(select(func.count(GeneratedReport.id))) == 0
    # archived reports about the other agency, including a record report, stay out of reach
    for key, params in (
        ("agency-compliance", {}),
        ("audit-report", {"record_id": rsud_audit.id}),
    ):
        other = GeneratedReportFactory(
            report_key=key,
            city=rsud.city,
            agency=rsud,
            params={"city_id": rsud.city_id, "agency_id": rsud.id, **params},
        )
        assert client.get(f"/reports/{other.ident}/pdf").status_code == 404
        assert other.ident not in client.get("/reports/").get_data(as_text=True)
    # their own agency's report comes straight as a PDF
    own = client.post("/reports/pdf/agency-compliance", data={"agency_id": demo["dukcapil"].id})
    assert own.status_code == 303 and own.headers["Location"].endswith("/pdf")


def test_the_agency_report_lists_its_resources(app, demo):
    """Support's section: RSUD's overdue sphygmomanometer is named not fit for use, and the
    providers with their latest evaluations are listed (ISO 9001 7.1.5, 8.4)."""
    rsud = demo["rsud"]
    _report, _reader, _pages, text = _render(
        demo["reviewer"], "agency-compliance", city_id=rsud.city_id, agency_id=rsud.id
    )
    flat = " ".join(text.split())
    assert "Sumber daya: alat ukur, kompetensi dan penyedia" in flat
    assert "TENSI-RJ-02" in flat and "Terlambat: tidak layak pakai" in flat
    assert "Penyedia eksternal (8.4)" in flat


def test_the_city_summary_says_which_agencies_are_ready_and_why(app, api, demo):
    """Certification readiness per agency in the city summary: the same verdict and reasons as
    GET /api/v1/agencies/{id}/readiness, for every demo agency; RSUD's missing review is named."""
    from qms.review.reports import build_city_readiness

    reviewer = demo["reviewer"]
    _rtype, req = portal.build_request(reviewer, "city-compliance-summary", city_id=demo["city"].id)
    section = build_city_readiness(req)
    api.as_user(reviewer)
    agencies = db.session.scalars(select(Agency).where(Agency.city_id == demo["city"].id)).all()
    assert len(section["agencies"]) == len(agencies) >= 25
    for agency in agencies:
        answer = api.get(f"/agencies/{agency.id}/readiness").get_json()["data"]
        verdict = section["agencies"][agency.id]
        assert (verdict["ready"], verdict["reasons"]) == (answer["ready"], answer["reasons"])
    ready = sum(1 for a in section["agencies"].values() if a["ready"])

    _report, _reader, _pages, text = _render(
        reviewer, "city-compliance-summary", city_id=demo["city"].id
    )
    assert f"{ready} / {len(agencies)} OPD siap untuk audit sertifikasi" in text
    rsud_reasons = section["agencies"][demo["rsud"].id]["reasons"]
    assert any("tinjauan manajemen" in reason for reason in rsud_reasons)
    assert " ".join(rsud_reasons[-1].split()) in text.replace("- ", "-")
    dukcapil = section["agencies"][demo["dukcapil"].id]
    assert dukcapil["last_review"] == date(2025, 8, 14)
    assert "Tinjauan manajemen diadakan 14 Agustus 2025" in text


def test_parts_render_in_other_processes_as_they_would_in_this_one(app):
    """render_many: the same PDFs and page counts from forked processes as from this one, and
    this process's database connections still work afterwards (the children drop them without
    closing)."""
    htmls = [
        f"<html><body><h1>Bagian {n}</h1>{'<p>isi</p>' * 40 * n}</body></html>" for n in (1, 2, 3)
    ]
    long = "<html><body>" + "<p>isi</p>" * 400 + "</body></html>"
    alone, alone_counts = engine.render_many(htmls, processes=1, counted=[long])
    parallel, counts = engine.render_many(htmls, processes=2, counted=[long])
    # the counted document is laid out beside the others, not rendered
    assert counts == alone_counts and counts[0] == engine.render_pdf(long).pages > 1
    assert {pid for _pdf, pid in alone} == {os.getpid()}
    children = {pid for _pdf, pid in parallel}
    assert os.getpid() not in children and 1 <= len(children) <= 2

    def text(pdf) -> str:
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)

    for (one, _a), (other, _b) in zip(alone, parallel, strict=True):
        assert one.pages == other.pages and text(one) == text(other)
    assert [pdf.pages for pdf, _pid in parallel] == sorted(pdf.pages for pdf, _pid in parallel)
    assert db.session.scalar(select(func.count(Agency.id))) == 0  # the connection still works


def _queries_of(work) -> tuple[object, int]:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        result = work()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return result, len(seen)


def test_the_national_overview_agrees_with_each_city_summary_in_as_many_queries(app, demo):
    """The BSN home's row per city shows what that city's summary counts (agencies audited,
    mean compliance, open and overdue nonconformities, products certified), and reading it
    takes as many queries for five cities as for one."""
    from qms.reports.dashboards import national_context
    from qms.reports.sections import assemble_city
    from tests.factories import AgencyFactory, CityFactory

    reviewer = demo["reviewer"]
    db.session.commit()
    board, alone = _queries_of(lambda: national_context(reviewer)["board"])
    (kupang,) = board["cities"]
    summary = assemble_city(ReportRequest(city=demo["city"], requested_by=reviewer))
    assert kupang["agencies"] == len(summary["agencies"]) >= 25
    city_figures = summary["sections"]
    assert kupang["of"]["audits"] == {
        "audited": city_figures["audits"]["audited"],
        "compliance": pytest.approx(city_figures["audits"]["compliance"]),
    }
    assert kupang["of"]["audits"]["audited"] >= 7
    assert kupang["of"]["actions"] == {
        "open_ncs": city_figures["actions"]["open_ncs"],
        "overdue_ncs": city_figures["actions"]["overdue_ncs"],
    }
    assert kupang["of"]["actions"]["open_ncs"] > 0
    assert kupang["of"]["funnel"] == {"certified": city_figures["funnel"]["certified"]}
    assert kupang["of"]["funnel"]["certified"] > 0

    for n in range(4):
        city = CityFactory(name=f"Kota Uji {n}")
        for _ in range(3):
            AgencyFactory(city=city)
    db.session.commit()
    board, many = _queries_of(lambda: national_context(reviewer)["board"])
    assert len(board["cities"]) == 5
    assert many == alone
    others = [c for c in board["cities"] if c["id"] != demo["city"].id]
    assert all(c["agencies"] == 3 for c in others)
    assert all(c["of"]["audits"] == {"audited": 0, "compliance": None} for c in others)
    assert all(c["of"]["actions"] == {"open_ncs": 0, "overdue_ncs": 0} for c in others)
