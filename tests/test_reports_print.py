"""PDFs worth filing, read back with pypdf: chart text at least 7 pt (read from the PDF's text
operators), chart labels wrapped instead of clipped, heat-map classes anchored at configured
targets, the city's letterhead on the first page (kept by its administrator only), one-record
forms without cover and contents, descriptive download names, and the production warning when
the public address printed on every PDF is not set. Pages of the demo's forms are written as
PNG under test-output/pdf-pages/ for review when pdftoppm is installed."""

from __future__ import annotations

import io
import logging
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import render_template_string
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from qms import create_app
from qms.accounts.models import User
from qms.capa.models import Nonconformity
from qms.core import charts
from qms.core.roles import Role
from qms.demo import DEMO_PASSWORD
from qms.extensions import db
from qms.files.models import StoredFile
from qms.reports import archive, engine
from qms.reports import letterhead as letterheads
from qms.reports.models import CityLetterhead
from tests.factories import AgencyFactory, CityFactory, user_with_role
from tests.factories_reports import GeneratedReportFactory
from tests.test_reports_compliance import _render, demo  # noqa: F401  (a fixture)

PAGES = Path(__file__).resolve().parent.parent / "test-output" / "pdf-pages"
LONG_NAME = "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Kupang"


def _png(size: tuple[int, int] = (64, 64), colour: str = "#0b5e7a") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def text_sizes(content: bytes, pages: list[int] | None = None) -> list[tuple[float, str]]:
    """Every piece of text in the PDF with its size as printed, in points: the font size of
    its Tf operator scaled by the text and transformation matrices in force."""
    reader = PdfReader(io.BytesIO(content))
    found: list[tuple[float, str]] = []

    def visit(text, cm, tm, _font, size):
        if not text.strip():
            return
        # the vertical scale of text space in device space: (tm × cm) applied to (0, 1)
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        found.append((round(size * math.hypot(c, d), 2), text.strip()))

    for index, page in enumerate(reader.pages):
        if pages is None or index in pages:
            page.extract_text(visitor_text=visit)
    return found


CHARTS = """{% from "_macros/charts.html" import bar, heat_map, line, stacked_bar %}
<html><head><link rel="stylesheet" href="{{ pdf_static('pdf/report.css') }}"></head><body>
<div style="width: {{ width }}">
{{ bar("b", "Kepatuhan", labels, [87.5, 100, 62], ["OPD", "%"], max_value=100) }}
{{ heat_map("h", "Peta", labels, ["4", "5", "6"], [[87, 100, 79], [None, 90, 91], [80, 81, 50]],
            ["OPD"], max_value=100, no_data_label="belum dinilai") }}
{{ line("l", "Tren", ["2024", "2025"], [("Kepatuhan", [70, 90])], ["Tahun"], max_value=100) }}
{{ stacked_bar("s", "Temuan", labels, [("Mayor", [1, 2, 0]), ("Minor", [3, 1, 2])], ["OPD"]) }}
</div></body></html>"""

LABELS = [LONG_NAME, "RSUD S.K. Lerik", "Badan Pengelolaan Keuangan dan Aset Daerah Kota Kupang"]


def _chart_pdf(width: str = "auto") -> bytes:
    html = render_template_string(CHARTS, labels=LABELS, width=width)
    return engine.render_pdf(html).content


def test_chart_text_prints_at_7_pt_at_least_read_back_from_the_pdf(app):
    with app.test_request_context():
        sizes = text_sizes(_chart_pdf())
        chart_texts = [(size, text) for size, text in sizes if "Kependudukan" not in text]
        assert any("Dinas Penanaman" in text for _s, text in sizes)
        labels = [size for size, text in sizes if "Dinas Penanaman" in text]
        assert min(labels) >= 7, labels
        assert min(size for size, _t in chart_texts) >= 7, sorted(chart_texts)[:5]
        # the check sees small text: the same charts squeezed into a third of the width print
        # their labels below 7 pt, and this reading says so
        squeezed = text_sizes(_chart_pdf("33%"))
        assert min(size for size, _t in squeezed) < 7


def test_chart_labels_are_measured_and_wrapped_never_clipped(app):
    with app.test_request_context():
        html = render_template_string(CHARTS, labels=LABELS, width="auto")
    svg = html.split("<svg", 2)[1]
    texts = re.findall(r'text-anchor="end">([^<]*)</text>', svg)
    # every word of the long name is drawn, over several lines, none cut with "…"
    drawn = " ".join(texts)
    assert all(word in drawn for word in LONG_NAME.split())
    assert not any("…" in t for t in texts)
    layout = charts.label_layout(LABELS)
    long_row = layout.rows[0]
    assert len(long_row.lines) >= 2
    assert all(charts.text_width(line) <= layout.label_width for line in long_row.lines)
    # the label column never reaches past the chart's left edge: right-aligned at x ≥ width
    anchor = r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"'
    anchors = [float(x) for x in re.findall(anchor, svg)]
    assert min(anchors) >= layout.label_width
    # a word wider than a line is cut where it must be, and still drawn whole
    assert "".join(charts.wrap("SOP-DUKCAPIL-KTP-EL-0001-REVISI", 60, max_lines=6)) == (
        "SOP-DUKCAPIL-KTP-EL-0001-REVISI"
    )


def test_the_heat_map_classes_are_anchored_at_the_configured_targets(app):
    with app.test_request_context():
        app.config["HEAT_MAP_THRESHOLDS"] = "80,90"
        low, mid, high = charts.heat_classes()
        assert charts.heat_class(87).fill == mid.fill != high.fill
        assert charts.heat_class(100).fill == high.fill == charts.heat_class(90).fill
        assert charts.heat_class(79.9).fill == low.fill
        assert charts.heat_class(0.87, max_value=1).fill == mid.fill
        assert charts.heat_class(None) is None
        assert [c.label(" %") for c in (low, mid, high)] == ["< 80 %", "80–90 %", "≥ 90 %"]
        html = render_template_string(CHARTS, labels=LABELS, width="auto")
        assert "80–90 %" in html and "– belum dinilai" in html
        heat = html.split('id="h"', 1)[1].split("</svg>", 1)[0]
        assert heat.count(f'fill="{mid.fill}"') >= 4  # 87, 80, 81 and the legend

        app.config["HEAT_MAP_THRESHOLDS"] = "95"
        assert [c.label(" %") for c in charts.heat_classes()] == ["< 95 %", "≥ 95 %"]
        assert charts.heat_class(87).fill != charts.heat_class(100).fill
        app.config["HEAT_MAP_THRESHOLDS"] = "80,90"


# --- the letterhead ------------------------------------------------------------------------


def _post_letterhead(client, city, **data):
    fields = {"government": "", "address": "", **data}
    return client.post(
        f"/reports/letterhead/{city.id}", data=fields, content_type="multipart/form-data"
    )


def test_only_the_city_admin_changes_the_letterhead_others_read_it(client, auth):
    city = CityFactory(name="Kota Kupang")
    other = CityFactory(name="Kota Lain")
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    other_admin = user_with_role(Role.CITY_ADMIN, city=other)
    reviewer = user_with_role(Role.BSN_REVIEWER)
    officer = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    viewer = user_with_role(Role.MANAGEMENT_VIEWER, city=city)

    for user in (reviewer, officer, viewer):
        auth.login(user)
        page = client.get(f"/reports/letterhead/{city.id}")
        assert page.status_code == 200 and "PEMERINTAH KOTA KUPANG" in page.get_data(as_text=True)
        assert 'name="government"' not in page.get_data(as_text=True)
        refused = _post_letterhead(client, city, government="PEMERINTAH PALSU")
        # the read-only roles are turned back by the global guard (qms/web.py), the officer here
        assert refused.status_code == (403 if user is officer else 303), user
        auth.logout()
    auth.login(other_admin)
    assert client.get(f"/reports/letterhead/{city.id}").status_code == 404
    assert _post_letterhead(client, city, government="X").status_code == 404
    auth.logout()
    assert db.session.scalar(select(CityLetterhead)) is None

    auth.login(admin)
    page = client.get(f"/cities/{city.id}/edit").get_data(as_text=True)
    assert f"/reports/letterhead/{city.id}" in page
    saved = _post_letterhead(
        client,
        city,
        government="PEMERINTAH KOTA KUPANG",
        address="Jl. S.K. Lerik, Kelapa Lima\nTelp. (0380) 833 000",
        emblem_file=(io.BytesIO(_png()), "lambang.png"),
    )
    assert saved.status_code == 303
    record = db.session.scalar(select(CityLetterhead).where(CityLetterhead.city_id == city.id))
    assert record.emblem.content_type == "image/png"
    assert record.emblem.original_name == "lambang.png"
    page = client.get(f"/reports/letterhead/{city.id}").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page and "Telp. (0380) 833 000" in page
    printed = letterheads.letterhead_for(city)
    assert printed.emblem.startswith("data:image/png;base64,")
    assert printed.lines == ["Jl. S.K. Lerik, Kelapa Lima", "Telp. (0380) 833 000"]

    # not an image (whatever its name), or too large: refused on the form, nothing kept
    first = record.emblem_id
    refused = _post_letterhead(
        client, city, emblem_file=(io.BytesIO(b"%PDF-1.7 not an image"), "lambang.png")
    )
    assert refused.status_code == 422 and "PNG" in refused.get_data(as_text=True)
    client.application.config["LETTERHEAD_EMBLEM_MAX_KB"] = 1
    big = _png((400, 400), "#123456") + b"\0" * 2048
    refused = _post_letterhead(client, city, emblem_file=(io.BytesIO(big), "besar.png"))
    assert refused.status_code == 422 and "1 KB" in refused.get_data(as_text=True)
    client.application.config["LETTERHEAD_EMBLEM_MAX_KB"] = 1024
    db.session.expire_all()
    assert db.session.get(CityLetterhead, record.id).emblem_id == first

    # a new emblem archives the former one (kept in the store, never deleted)
    assert (
        _post_letterhead(
            client,
            city,
            government="PEMERINTAH KOTA KUPANG",
            emblem_file=(io.BytesIO(_png(colour="#b3261e")), "lambang-baru.png"),
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(CityLetterhead, record.id).emblem_id != first
    assert db.session.get(StoredFile, first).archived_at is not None


def test_a_city_without_letterhead_prints_one_of_text(app):
    city = CityFactory(name="Kota Kupang", province="Nusa Tenggara Timur")
    printed = letterheads.letterhead_for(city)
    assert printed.government == "PEMERINTAH KOTA KUPANG" and printed.emblem is None
    assert printed.lines == ["Provinsi Nusa Tenggara Timur"]
    regency = CityFactory(name="Kupang", kind="kabupaten", province="")
    assert letterheads.letterhead_for(regency).government == "PEMERINTAH KABUPATEN KUPANG"


def _write_png_pages(content: bytes, name: str, pages: str = "1") -> None:
    """Page images for review (test-output/pdf-pages/), when poppler's pdftoppm is here."""
    if shutil.which("pdftoppm") is None:
        return
    PAGES.mkdir(parents=True, exist_ok=True)
    first, _sep, last = pages.partition("-")
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", "-f", first, "-l", last or first, "-", str(PAGES / name)],
        input=content,
        check=True,
        timeout=60,
    )


def test_the_corrective_action_request_is_one_form_under_the_letterhead(app, client, auth, demo):  # noqa: F811
    city = demo["city"]
    admin = db.session.scalar(select(User).where(User.email == "admin.kupang@demo.qms.id"))
    nc = db.session.scalar(
        select(Nonconformity)
        .where(Nonconformity.agency_id == demo["dukcapil"].id)
        .order_by(Nonconformity.id)
    )
    # before any letterhead is kept: the text one
    report, reader, pages, text = _render(
        demo["reviewer"], "corrective-action-request", city_id=city.id, record_id=nc.id
    )
    assert pages[0].lstrip().startswith("PEMERINTAH KOTA KUPANG")
    assert len(reader.pages) <= 2 and "Daftar isi" not in text
    assert nc.number in text and "Wakil auditi" in text

    auth.login(admin.email, DEMO_PASSWORD)
    assert (
        _post_letterhead(
            client,
            city,
            government="Pemerintah Kota Kupang",
            address="Jalan El Tari No. 2, Kupang 85111\nkupangkota.go.id",
            emblem_file=(io.BytesIO(_png((120, 140), "#e08a1e")), "lambang-kupang.png"),
        ).status_code
        == 303
    )
    # the letterhead changed, so the same data gives a new PDF, with the emblem
    again, reader, pages, text = _render(
        demo["reviewer"], "corrective-action-request", city_id=city.id, record_id=nc.id
    )
    assert again.ident != report.ident
    assert "Jalan El Tari No. 2, Kupang 85111" in pages[0] and "kupangkota.go.id" in pages[0]
    images = reader.pages[0].images
    assert len(images) == 1 and images[0].image.size == (120, 140)
    assert len(reader.pages) <= 2 and "Daftar isi" not in text
    content = archive.read_pdf(again)
    _write_png_pages(content, "corrective-action-request", "1-2")

    # the master list: one landscape form with its approval block
    _master, reader, pages, text = _render(
        demo["officer"], "document-master-list", city_id=city.id, agency_id=demo["dukcapil"].id
    )
    box = reader.pages[0].mediabox
    assert box.width > box.height
    assert "Daftar isi" not in text and "Disetujui oleh" in text and "Disusun oleh" in text
    assert "Jalan El Tari No. 2" in pages[0]


def test_the_city_summary_lists_every_section_and_keeps_chart_text_legible(app, demo):  # noqa: F811
    report, _reader, pages, _text = _render(
        demo["reviewer"], "city-compliance-summary", city_id=demo["city"].id
    )
    content = archive.read_pdf(report)
    assert pages[0].lstrip().startswith("PEMERINTAH KOTA KUPANG")
    contents = " ".join(pages[1].split())
    heat = "Kesesuaian per klausul utama dan perangkat daerah"
    entry = re.search(re.escape(heat) + r"[ .]*(\d+)", contents)
    assert entry, contents
    heat_page = int(entry.group(1))
    assert heat in pages[heat_page - 1] and "belum dinilai" in pages[heat_page - 1]
    # the clause numbers come with their names
    assert "Kepemimpinan" in pages[heat_page - 1]
    # every text on the heat map's page and the summary's charts is 7 pt or more
    sizes = text_sizes(content, pages=[2, heat_page - 1])
    assert sizes and min(size for size, _t in sizes) >= 7, sorted(sizes)[:5]
    _write_png_pages(content, "city-summary", "1-1")
    _write_png_pages(content, "city-summary-heat-map", str(heat_page))


# --- download names and the production warning ---------------------------------------------


def test_downloads_are_named_by_title_scope_and_day(client, auth):
    city = CityFactory(name="Kota Kupang")
    reviewer = user_with_role(Role.BSN_REVIEWER)
    report = GeneratedReportFactory(city=city, report_key="city-compliance-summary")
    day = archive.to_local(report.created_at).date().isoformat()
    agency = AgencyFactory(city=city, name="Dinas Pariwisata Kota Kupang (Bidang Seni & Budaya)")
    with_agency = GeneratedReportFactory(city=city, agency=agency, report_key="agency-compliance")
    accented = GeneratedReportFactory(
        city=CityFactory(name="Kota Bau-Bau Timur Pesisir é"), report_key="city-compliance-summary"
    )
    auth.login(reviewer)
    response = client.get(f"/reports/{report.ident}/pdf")
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert f"filename=Ringkasan-kesesuaian-kota-Kota-Kupang-{day}.pdf" in disposition
    response = client.get(f"/reports/{with_agency.ident}/pdf")
    response.close()
    assert (
        f"Laporan-kesesuaian-perangkat-daerah-Dinas-Pariwisata-Kota-Kupang-Bidang-Seni-Budaya-{day}.pdf"
        in response.headers["Content-Disposition"]
    )
    response = client.get(f"/reports/{accented.ident}/pdf")
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert "Kota-Bau-Bau-Timur-Pesisir-e-" in disposition  # the ASCII name
    assert "filename*=UTF-8''Ringkasan-kesesuaian-kota-Kota-Bau-Bau-Timur-Pesisir-%C3%A9-" in (
        disposition
    )


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [(None, True), ("http://localhost:8000", True), ("https://qms.kupangkota.go.id", False)],
)
def test_production_warns_at_start_when_the_public_address_is_not_set(
    monkeypatch, caplog, test_settings, base_url, warned
):
    monkeypatch.setenv("DATABASE_URL", test_settings["SQLALCHEMY_DATABASE_URI"])
    settings = {**test_settings, "SECRET_KEY": "k" * 40, "RATELIMIT_STORAGE_URI": "memory://"}
    settings["BASE_URL"] = base_url or "http://127.0.0.1:5000"
    with caplog.at_level(logging.WARNING):
        app = create_app("production", settings)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("QMS_BASE_URL" in m for m in messages) is warned
    with app.app_context():
        db.engine.dispose()
