"""The reviewer portal, the archive's access rules, content caching and public verification.
WeasyPrint is replaced by a stand-in here (test_reports_directory.py renders for real)."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from qms import web
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.reports.models import GeneratedReport, ReportStatus
from tests.factories import AgencyFactory, UnitFactory, user_with_role
from tests.factories_documents import (
    agency_head,
    effective_revision,
    new_document,
    officer,
)
from tests.factories_reports import GeneratedReportFactory
from tests.factories_sme import BusinessFactory

#: WeasyPrint is replaced by a stand-in (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("fake_render")


def _generate(client, city, agency=None, locale="id", **extra):
    data = {
        "report": "city-directory",
        "city_id": city.id,
        "agency_id": agency.id if agency else "",
        "locale": locale,
        **extra,
    }
    return client.post("/reports/generate", data=data)


def _download(client, ident: str) -> tuple[int, bytes]:
    """Status and body of a PDF download; the response (an open file) is closed."""
    response = client.get(f"/reports/{ident}/pdf")
    try:
        return response.status_code, response.data
    finally:
        response.close()


def _latest() -> GeneratedReport:
    return db.session.scalars(
        db.select(GeneratedReport).order_by(GeneratedReport.id.desc())
    ).first()


def test_bsn_reviewer_generates_downloads_and_gets_the_archived_file_again(
    client, auth, kupang, fake_render
):
    reviewer = user_with_role(Role.BSN_REVIEWER)
    auth.login(reviewer)
    assert client.get("/reports/").status_code == 200

    response = _generate(client, kupang["city"])
    assert response.status_code == 303
    report = _latest()
    assert response.headers["Location"].endswith(f"/reports/{report.ident}")
    assert report.status is ReportStatus.DONE and report.requested_by_id == reviewer.id
    assert report.ident.startswith(f"QMS-{report.created_at.year}-{report.id:06d}-")
    assert len(report.ident.rsplit("-", 1)[1]) == 6
    assert report.params["city_id"] == kupang["city"].id and report.agency_id is None

    page = client.get(f"/reports/{report.ident}")
    assert page.status_code == 200 and b"http-equiv" not in page.data  # finished: no refresh
    status = client.get(f"/reports/{report.ident}/status").get_json()
    assert status["status"] == "done" and status["download_url"].endswith("/pdf")
    pdf = client.get(status["download_url"])
    pdf.close()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(_download(client, report.ident)[1]).hexdigest() == report.pdf_sha256

    # unchanged data: the archived PDF again, no new render
    again = _generate(client, kupang["city"])
    assert again.headers["Location"].endswith(report.ident) and len(fake_render) == 1
    # another language is another PDF
    _generate(client, kupang["city"], locale="en")
    assert len(fake_render) == 2 and _latest().locale == "en"
    # changed data: a new PDF
    UnitFactory(agency=kupang["dukcapil"])
    changed = _generate(client, kupang["city"])
    assert not changed.headers["Location"].endswith(report.ident) and len(fake_render) == 3
    assert db.session.scalar(db.select(db.func.count(GeneratedReport.id))) == 3


def test_read_only_roles_may_post_to_report_generation_and_verification_only(client, auth, kupang):
    assert sorted(web.READ_ONLY_ALLOWED) == [
        "accounts.change_password",
        "accounts.end_session",
        "accounts.login",
        "accounts.logout",
        "accounts.revoke_token",
        "accounts.set_language",
        "accounts.tokens",
        "api.request_report",
        "api.verify",
        "reports.generate",
        "reports.quick",
        "verify.check",
    ]
    viewer = user_with_role(Role.MANAGEMENT_VIEWER, city=kupang["city"])
    auth.login(viewer)
    assert _generate(client, kupang["city"]).status_code == 303
    assert _latest().status is ReportStatus.DONE
    # any other write is still refused by the global guard
    agencies_before = db.session.scalar(db.select(db.func.count(Agency.id)))
    refused = client.post(
        f"/cities/{kupang['city'].id}/agencies/new",
        data={"code": "BARU", "name": "Dinas Baru", "kind": "dinas"},
        follow_redirects=True,
    )
    assert "Peran Anda hanya dapat membaca." in refused.data.decode()
    assert db.session.scalar(db.select(db.func.count(Agency.id))) == agencies_before


def _choices(page: str, field: str) -> list[str]:
    """The option values of one of the portal form's selects."""
    select = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option[^>]*value="([^"]*)"', select.group(1)) if select else []


def test_a_reader_of_several_cities_chooses_the_city_then_its_agency(client, auth, kupang):
    """BSN reads every city (hundreds of agencies): the portal lists the agencies of the city
    chosen, keeping the report type and language chosen before; the types that need an agency
    are offered before any city is chosen."""
    elsewhere = AgencyFactory(name="Inspektorat Kota Lain")
    reviewer = user_with_role(Role.BSN_REVIEWER)
    auth.login(reviewer)
    first = client.get("/reports/").data.decode()
    assert _choices(first, "city_id") == [
        "",
        *sorted(
            [str(kupang["city"].id), str(elsewhere.city_id)],
            key=lambda i: db.session.get(City, int(i)).name,
        ),
    ]
    assert 'name="agency_id"' not in first and "Dinas Dukcapil" not in first
    assert "agency-compliance" in _choices(first, "report")
    assert f'href="/reports/?city_id={elsewhere.city_id}"' in first  # without JavaScript
    chosen = client.get(
        f"/reports/?city_id={kupang['city'].id}&report=agency-compliance&locale=en"
    ).data.decode()
    agencies = set(_choices(chosen, "agency_id"))
    assert {str(kupang["dukcapil"].id), str(kupang["rsud"].id)} <= agencies
    assert str(elsewhere.id) not in agencies and "" in agencies  # "the whole city" too
    assert re.search(r'<option selected value="agency-compliance">', chosen)
    assert re.search(r'<option selected value="en">', chosen)
    # the agency of another city is still accepted when posted (the service checks it)
    made = _generate(client, elsewhere.city, elsewhere, report="agency-compliance")
    assert made.status_code == 303 and _latest().agency_id == elsewhere.id


def test_agency_officer_only_gets_reports_about_their_own_agency(client, auth, kupang):
    officer = user_with_role(Role.QUALITY_OFFICER, agency=kupang["dukcapil"])
    BusinessFactory(city=kupang["city"])  # a business exists, but officers see none
    auth.login(officer)
    portal = client.get("/reports/").data.decode()
    assert "Dinas Dukcapil" in portal and "RSUD S.K. Lerik" not in portal
    # only what they may generate: reports about their agency, not the city's nor a business's
    assert _choices(portal, "report") == [
        "city-directory",
        "agency-compliance",
        "document-master-list",
        "evidence-pack-agency",
    ]
    assert _choices(portal, "agency_id") == [str(kupang["dukcapil"].id)]  # no "whole city"
    assert _choices(portal, "city_id") == [str(kupang["city"].id)]

    # a refused combination is shown on the form, with what was chosen kept
    refused = _generate(client, kupang["city"], kupang["rsud"], period_start="2026-01-01")
    text = refused.data.decode()
    assert refused.status_code == 422
    assert "Anda tidak boleh membuat laporan ini untuk kota atau OPD tersebut." in text
    assert 'value="2026-01-01"' in text
    whole_city = _generate(client, kupang["city"])
    assert whole_city.status_code == 422 and "Anda tidak boleh" in whole_city.data.decode()
    summary = _generate(client, kupang["city"], report="city-compliance-summary")
    assert summary.status_code == 422
    assert db.session.scalar(db.select(db.func.count(GeneratedReport.id))) == 0
    assert _generate(client, kupang["city"], kupang["dukcapil"]).status_code == 303
    own = _latest()

    others = GeneratedReportFactory(city=kupang["city"], agency=kupang["rsud"])
    city_wide = GeneratedReportFactory(city=kupang["city"])
    for report in (others, city_wide):
        assert client.get(f"/reports/{report.ident}").status_code == 404
        assert _download(client, report.ident)[0] == 404
        assert client.get(f"/reports/{report.ident}/status").status_code == 404
    assert _download(client, own.ident)[0] == 200
    archive = client.get("/reports/").data.decode()
    assert own.ident in archive and others.ident not in archive
    assert city_wide.ident not in archive


def test_city_admin_sees_their_city_only(client, auth, kupang):
    admin = user_with_role(Role.CITY_ADMIN, city=kupang["city"])
    elsewhere = GeneratedReportFactory()  # another city
    mine = GeneratedReportFactory(city=kupang["city"], agency=kupang["rsud"])
    auth.login(admin)
    assert _download(client, mine.ident)[0] == 200
    assert _download(client, elsewhere.ident)[0] == 404
    assert _generate(client, elsewhere.city).status_code == 422  # not a city they may choose
    archive = client.get("/reports/").data.decode()
    assert mine.ident in archive and elsewhere.ident not in archive


def test_roles_without_reports_and_anonymous_users_get_nothing(client, auth, kupang):
    report = GeneratedReportFactory(city=kupang["city"])
    assert _download(client, report.ident)[0] == 302  # to the login
    auditor = user_with_role(Role.INTERNAL_AUDITOR, agency=kupang["dukcapil"])
    auth.login(auditor)
    assert _download(client, report.ident)[0] == 404
    refused = _generate(client, kupang["city"])
    assert refused.status_code == 422
    assert "Peran Anda tidak dapat membuat laporan apa pun." in refused.data.decode()


def test_the_cooperative_office_officer_is_offered_the_business_dossier_only(client, auth, kupang):
    BusinessFactory(city=kupang["city"])
    auth.login(user_with_role(Role.COOP_OFFICER, city=kupang["city"]))
    portal = client.get("/reports/").data.decode()
    assert _choices(portal, "report") == ["business-dossier"]
    assert _choices(portal, "city_id") == [str(kupang["city"].id)]
    assert 'name="agency_id"' not in portal and "Dinas Dukcapil" not in portal
    refused = _generate(client, kupang["city"], kupang["dukcapil"], report="agency-compliance")
    assert refused.status_code == 422
    assert "Peran Anda tidak dapat membuat laporan ini." in refused.data.decode()


def test_a_report_without_a_period_refuses_one(client, auth, kupang):
    auth.login(user_with_role(Role.BSN_REVIEWER))
    portal = client.get("/reports/").data.decode()
    assert "Tidak memakai periode." in portal  # the master list and the record reports
    asked = dict(report="document-master-list", period_start="2020-01-01")
    refused = _generate(client, kupang["city"], kupang["dukcapil"], **asked, period_end="")
    assert refused.status_code == 422
    assert "Laporan ini tidak memakai periode: kosongkan periodenya." in refused.data.decode()
    assert db.session.scalar(db.select(db.func.count(GeneratedReport.id))) == 0
    without = _generate(client, kupang["city"], kupang["dukcapil"], report="document-master-list")
    assert without.status_code == 303 and _latest().period_start is None


def _cover_period(html: str) -> str:
    return re.search(r"<dt>Periode</dt>\s*<dd>(.*?)</dd>", html, re.S).group(1).strip()


def test_the_verify_page_words_the_period_as_the_cover_does(client, auth, kupang, fake_render):
    auth.login(user_with_role(Role.BSN_REVIEWER))
    for period in ({}, {"period_start": "2026-01-01", "period_end": "2026-06-30"}):
        _generate(client, kupang["city"], **period)
        cover = _cover_period(fake_render[-1])
        page = client.get(f"/verify/{_latest().ident}").data.decode()
        assert f"<dd>{cover}</dd>" in page, cover
        assert f"<dd>{cover}</dd>" in client.get(f"/reports/{_latest().ident}").data.decode()
    assert _cover_period(fake_render[0]).startswith("Keadaan per ")
    assert _cover_period(fake_render[1]) == "1 Januari 2026 – 30 Juni 2026"


def test_document_control_of_a_past_period_is_dated_as_the_current_state(
    client, auth, kupang, fake_render
):
    """Document control has no history: a report about 2020 shows today's reviews, and says
    so in the summary and in the section, while the period's own figures say "no data"."""
    author, approver = officer(kupang["dukcapil"]), agency_head(kupang["dukcapil"])
    document = new_document(author, kupang["dukcapil"], "SOP KK")
    effective_revision(document, author, approver, effective_on=today() - timedelta(days=400))
    auth.login(user_with_role(Role.BSN_REVIEWER))
    asked = dict(report="agency-compliance", period_start="2020-01-01", period_end="2020-12-31")
    assert _generate(client, kupang["city"], kupang["dukcapil"], **asked).status_code == 303
    html = " ".join(fake_render[-1].split())
    day = format_date(today(), locale="id", format="long")
    assert "Tidak ada laporan audit perangkat daerah ini yang terbit dalam periode ini." in html
    assert f"Tinjauan dokumen yang terlambat per {day}" in html
    assert f"Pengendalian dokumen: keadaan per {day}, apa pun periodenya." in html
    assert (
        f"Pengendalian dokumen adalah keadaan saat ini: angka di bawah adalah keadaan per {day}"
        in html
    )
    assert "SOP KK" in html  # the overdue review is listed, under that heading


def test_bad_parameters_are_named_and_nothing_is_archived(client, auth, kupang):
    auth.login(user_with_role(Role.SYSTEM_ADMIN))
    other_city_agency = AgencyFactory()
    reversed_period = _generate(
        client, kupang["city"], period_start="2026-12-31", period_end="2026-01-01"
    )
    assert reversed_period.status_code == 422
    assert "Periode berakhir sebelum dimulai." in reversed_period.data.decode()
    wrong_agency = _generate(client, kupang["city"], other_city_agency)
    assert "bukan bagian dari kota yang dipilih" in wrong_agency.data.decode()
    bad_date = _generate(client, kupang["city"], period_start="31/12/2026")
    assert bad_date.status_code == 422 and "TTTT-BB-HH" in bad_date.data.decode()
    unknown = client.post("/reports/generate", data={"report": "nope", "city_id": 1})
    assert unknown.status_code == 422 and "Pilih laporan." in unknown.data.decode()
    assert db.session.scalar(db.select(db.func.count(GeneratedReport.id))) == 0


def test_verification_is_public_and_detects_tampering(client, kupang):
    report = GeneratedReportFactory(
        city=kupang["city"],
        agency=kupang["dukcapil"],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        pdf=b"%PDF-1.7 original report",
    )
    page = client.get(f"/verify/{report.ident.lower()}")
    text = page.data.decode()
    assert page.status_code == 200
    assert "Laporan ini ada di arsip." in text and "Dinas Dukcapil" in text
    assert "30 Juni 2026" in text and report.requested_by.name in text
    unknown = client.get("/verify/QMS-2026-000001-XXXXXX")
    assert unknown.status_code == 404
    assert unknown.data.decode().count("Tidak ada laporan dengan nomor identitas ini.") == 1
    assert client.get(f"/verify/?ident={report.ident}").status_code == 302

    def upload(content: bytes, ident: str = report.ident):
        return client.post(
            "/verify/",
            data={"ident": ident, "file": (io.BytesIO(content), "laporan.pdf")},
            content_type="multipart/form-data",
        ).data.decode()

    assert "sama persis dengan laporan di arsip" in upload(b"%PDF-1.7 original report")
    assert "TIDAK sama" in upload(b"%PDF-1.7 original report, changed")
    assert "sama persis" in upload(b"%PDF-1.7 original report", ident="")  # found by hash
    assert "tidak sama dengan laporan mana pun" in upload(b"%PDF-1.7 forged", ident="")


def test_verification_upload_is_size_limited(client, web_app, kupang):
    report = GeneratedReportFactory(city=kupang["city"])
    web_app.config["MAX_UPLOAD_MB"] = 1
    # encoded in memory: the test client would spool a large body to a file it never closes
    boundary, body = encode_multipart(
        MultiDict(
            {
                "ident": report.ident,
                "file": FileStorage(io.BytesIO(b"x" * (1024 * 1024 + 1)), "a.pdf"),
            }
        )
    )
    response = client.post(
        "/verify/", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422 and "lebih besar dari 1 MB" in response.data.decode()


def test_a_queued_report_refreshes_itself_and_a_dead_queue_fails_clearly(
    client, auth, web_app, kupang
):
    reviewer = user_with_role(Role.BSN_REVIEWER)
    queued = GeneratedReportFactory(city=kupang["city"], status=ReportStatus.QUEUED)
    auth.login(reviewer)
    page = client.get(f"/reports/{queued.ident}").data.decode()
    assert 'http-equiv="refresh"' in page and "js/reports.js" in page
    assert client.get(f"/reports/{queued.ident}/status").get_json() == {
        "status": "queued",
        "label": "Menunggu dalam antrean",
        "finished": False,
        "download_url": None,
        "pages": 1,
    }
    assert _download(client, queued.ident)[0] == 404

    web_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    _generate(client, kupang["city"])
    failed = _latest()
    assert failed.status is ReportStatus.FAILED and "ConnectionError" in failed.error
    assert "tidak dapat dibuat" in client.get(f"/reports/{failed.ident}").data.decode()


def test_an_unchanged_report_is_served_without_building_its_data(
    client, auth, kupang, fake_render, monkeypatch
):
    """The same parameters, the same day and nothing changed since: the archived report at
    once; a change anywhere, or a new day, builds the data again (and serves the archived PDF
    again when the data came out the same)."""
    from qms.reports import archive

    built: list[str] = []
    build_data = archive.build_data

    def counted(rtype, request):
        built.append(rtype.key)
        return build_data(rtype, request)

    monkeypatch.setattr(archive, "build_data", counted)
    auth.login(user_with_role(Role.BSN_REVIEWER))

    def asked() -> str:
        return _generate(client, kupang["city"]).headers["Location"].rsplit("/", 1)[1]

    first = asked()
    assert (len(built), len(fake_render)) == (1, 1)
    assert asked() == first and len(built) == 1  # served at once
    AgencyFactory(name="Dinas Kota Lain")  # another city's: not in this report, but a change
    db.session.commit()
    assert asked() == first and len(built) == 2  # built again, came out the same
    assert asked() == first and len(built) == 2  # and known current again
    UnitFactory(agency=kupang["dukcapil"])
    db.session.commit()
    second = asked()
    assert second != first and (len(built), len(fake_render)) == (3, 2)
    monkeypatch.setattr(archive, "today", lambda: today() + timedelta(days=1))
    assert asked() == second and len(built) == 4  # a new day: checked again


def test_the_change_mark_counts_what_reports_read_only(app, kupang):
    from qms.reports import archive

    without_history = {m.__tablename__ for m in archive._kept_without_history()}
    assert {"skm_responses", "complaint_imports"} <= without_history
    assert not without_history & archive.NOT_REPORTED
    reviewer = user_with_role(Role.BSN_REVIEWER)
    db.session.commit()
    mark = archive.change_mark()
    GeneratedReportFactory(city=kupang["city"], requested_by=reviewer)  # the archive itself
    db.session.commit()
    assert archive.change_mark() == mark
    UnitFactory(agency=kupang["rsud"])
    db.session.commit()
    assert archive.change_mark() != mark
