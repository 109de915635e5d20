"""The city directory report rendered for real and read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import AgencyKind, UnitKind
from qms.reports import archive, jobs, portal
from qms.reports.models import ReportStatus
from qms.reports.registry import report_type
from tests.factories import AgencyFactory, CityFactory, UnitFactory, user_with_role

TRICKY = 'Dinas Pariwisata – “Flobamora” <img src="file:///etc/passwd">'


@pytest.fixture
def city():
    city = CityFactory(name="Kota Kupang")
    dukcapil = AgencyFactory(
        city=city,
        code="DUKCAPIL",
        name="Dinas Kependudukan dan Pencatatan Sipil",
        head_name="Yohanes Ndun",
    )
    UnitFactory(agency=dukcapil, name="Bidang Pelayanan Pendaftaran Penduduk")
    UnitFactory(agency=dukcapil, name="Seksi Identitas", kind=UnitKind.SEKSI)
    AgencyFactory(city=city, code="RSUD", name="RSUD S.K. Lerik", kind=AgencyKind.RSUD)
    AgencyFactory(city=city, code="DISPAR", name=TRICKY)
    user_with_role(Role.QUALITY_OFFICER, agency=dukcapil)
    user_with_role(Role.INTERNAL_AUDITOR, agency=dukcapil)
    AgencyFactory(name="Dinas di kota lain")  # another city: never in this report
    return city


def _render(user, city, locale, **period):
    rtype, req = portal.build_request(
        user, "city-directory", city_id=city.id, locale=locale, **period
    )
    report = jobs.submit(user, rtype, req).report
    db.session.refresh(report)
    assert report.status is ReportStatus.DONE, report.error
    reader = PdfReader(io.BytesIO(archive.read_pdf(report)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return report, reader, text


def test_indonesian_report_matches_the_database(app, city):
    reviewer = user_with_role(Role.BSN_REVIEWER, name="Reviewer BSN")
    report, reader, text = _render(reviewer, city, "id")

    assert len(reader.pages) == report.pages >= 4  # cover, contents, summary, directory, units
    assert f"Halaman 1 dari {len(reader.pages)}" in text
    assert "Daftar isi" in text and "Ringkasan" in text and "Angka utama" in text
    assert "Direktori OPD dan ringkasan kesiapan" in text
    assert report.ident in text and f"/verify/{report.ident}" in text
    assert re.search(r"OPD\s+3\b", text)  # three agencies of this city
    assert re.search(r"Unit kerja\s+2\b", text)
    assert re.search(r"OPD yang siap diaudit internal\s+1\b", text)
    assert "Dinas di kota lain" not in text
    # user-typed text is printed as text, with its Indonesian punctuation, never as markup
    assert "“Flobamora”" in text and '<img src="file:///etc/passwd">' in text
    assert "Kota Kupang" in text and "Yohanes Ndun" in text
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[:3] == ["Ringkasan", "OPD", "Unit kerja setiap OPD"]
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("QMS-Sans" in name for name in fonts)  # only the bundled fonts


def test_english_report_and_an_empty_period(app, city):
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    _report, reader, text = _render(admin, city, "en")
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Contents" in text and "City directory and readiness summary" in text
    assert "Halaman" not in text

    _report, reader, text = _render(
        admin, city, "id", period_start=date(1990, 1, 1), period_end=date(1990, 12, 31)
    )
    assert "1 Januari 1990" in text and "31 Desember 1990" in text
    assert "Tidak ada OPD Kota Kupang dalam periode ini" in text
    assert len(reader.pages) == 3


def test_report_type_is_registered_with_its_parameters(app):
    rtype = report_type("city-directory")
    assert rtype is not None and rtype.template.endswith("city_directory.html")
