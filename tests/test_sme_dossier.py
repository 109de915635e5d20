"""What a reader sees of a business and its lab results: the business page in English (plain
scale, worker or workers), the pathway page's results in the reader's number notation, a forged
city on the registration form explained, and the business dossier's content (rendered to HTML:
the SNI number once, numbers in the report's language, overdue surveillance, the business on the
cover)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from qms.core.timeutil import today
from qms.extensions import db
from qms.reports import engine
from qms.reports.registry import ReportRequest
from qms.sme import labtests, operations, workflow
from qms.sme.demo import results as demo_results
from qms.sme.models import Business
from qms.sme.reports import DOSSIER
from qms.sme.vocabulary import Stage
from tests.factories_sme import (
    advance,
    coop_officer,
    honey,
    load_catalogue,
)
from tests.test_sme_access import NEW

#: a lab's figures with decimals, as typed into the form (a decimal point or comma)
MEASURED = {"moisture": "13.2", "diastase": "1,2", "hmf": "12.25"}


@pytest.fixture
def certified(app):
    """A honey pathway certified with a lab test of decimal figures; its first surveillance
    overdue, the second not yet due."""
    load_catalogue()
    product = honey()
    product.business.workers = 1
    coop = coop_officer(product.business.city)
    start = today() - timedelta(days=400)
    pathway = operations.open_pathway(
        coop, product, scheme="sppt_sni", scheme_type="5", started_on=start
    )
    advance(coop, pathway, Stage.TESTING, start)
    began = pathway.current_stage_record.started_on
    results = demo_results(pathway)
    labtests.record_lab_test(
        coop, pathway, lab_name="Lab Uji Kupang", lab_accreditation="LP-123-IDN",
        report_number="LHU/7", sampled_on=began, tested_on=began,
        results={**results, **MEASURED},
    )  # fmt: skip
    workflow.transition(coop, pathway, "start_technical_review", on=began)
    workflow.transition(coop, pathway, "to_decision", on=began)
    workflow.transition(
        coop, pathway, "certify", on=began, certificate_number="SPPT-7", issued_on=began
    )
    first, second = pathway.certificate.surveillances[:2]
    first.due_on, second.due_on = today() - timedelta(days=3), today() + timedelta(days=60)
    db.session.commit()
    return {"pathway": pathway, "business": product.business, "coop": coop}


def _english(coop) -> None:
    coop.locale = "en"
    db.session.commit()


def test_the_english_business_page_names_the_scale_and_workers_plainly(client, auth, certified):
    business, coop = certified["business"], certified["coop"]
    business.scale = "kecil"
    _english(coop)
    auth.login(coop)
    page = client.get(f"/sme/businesses/{business.id}").get_data(as_text=True)
    assert "Small, 1 worker<" in page and "(kecil)" not in page
    business.workers = 12
    db.session.commit()
    assert "Small, 12 workers<" in client.get(f"/sme/businesses/{business.id}").get_data(
        as_text=True
    )


def test_the_indonesian_business_page_names_the_scale_and_workers(client, auth, certified):
    business = certified["business"]
    business.scale, business.workers = "mikro", 3
    db.session.commit()
    auth.login(certified["coop"])
    page = client.get(f"/sme/businesses/{business.id}").get_data(as_text=True)
    assert "Mikro, 3 pekerja<" in page


@pytest.mark.parametrize(
    ("locale", "figures"),
    [("id", ["13,2 % b/b", "1,2 DN", "12,25 mg/kg"]), ("en", ["13.2 % b/b", "1.2 DN"])],
)
def test_the_pathway_page_shows_lab_results_in_the_readers_notation(
    client, auth, certified, locale, figures
):
    certified["coop"].locale = locale
    db.session.commit()
    auth.login(certified["coop"])
    page = client.get(f"/sme/pathways/{certified['pathway'].id}").get_data(as_text=True)
    assert all(f in page for f in figures), figures


def test_a_forged_city_is_explained_on_the_form_and_nothing_registered(client, auth, certified):
    auth.login(certified["coop"])
    before = db.session.scalar(select(func.count()).select_from(Business))
    response = client.post("/sme/businesses/new", data={**NEW, "city_id": 999})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="city_id"' in page and "Pilih salah satu pilihan." in page
    assert db.session.scalar(select(func.count()).select_from(Business)) == before


def _dossier_html(business, locale: str) -> str:
    request = ReportRequest(city=business.city, locale=locale, record=business)
    report = SimpleNamespace(
        ident="QMS-TEST", requested_by=SimpleNamespace(name="Tester"), created_at=datetime.now(UTC)
    )
    data = DOSSIER.build(request)
    html = engine.render_html(DOSSIER, request, data, report=report, verify_url="https://x")
    return " ".join(html.split())


def test_the_dossier_prints_the_sni_once_numbers_in_its_language_and_overdue_visits(certified):
    business = certified["business"]
    html = _dossier_html(business, "id")
    assert "SNI 8664:2018 Madu" in html and "2018:2018" not in html
    assert "13,2 % b/b" in html and "1,2 DN" in html and "12,25 mg/kg" in html
    assert "13.2 %" not in html  # (the printing time may read "13.25")
    assert "<strong>terlambat</strong>" in html and "belum dilaksanakan" in html
    # one record: no cover, the form's first line names the business
    assert 'class="cover' not in html and 'class="toc' not in html
    assert f'<p class="form-meta">Berkas usaha kecil: {business.name} ·' in html
    english = _dossier_html(business, "en")
    assert "13.2 % b/b" in english and "<strong>overdue</strong>" in english
    assert f'<p class="form-meta">Small-business dossier: {business.name} ·' in english


def test_the_dossier_prints_each_result_against_the_products_column_and_says_cannot_judge(app):
    """A trigona honey is judged by the trigona column (moisture at most 27.5 %, not the 22 % of
    other honey), and a "less than" above a maximum is printed as not judgeable, not as a fail."""
    load_catalogue()
    product = honey("trigona")
    coop = coop_officer(product.business.city)
    start = today() - timedelta(days=60)
    pathway = operations.open_pathway(
        coop, product, scheme="sppt_sni", scheme_type="5", started_on=start
    )
    advance(coop, pathway, Stage.TESTING, start)
    began = pathway.current_stage_record.started_on
    labtests.record_lab_test(
        coop, pathway, lab_name="Lab Uji Kupang", lab_accreditation="LP-123-IDN",
        report_number="LHU/8", sampled_on=began, tested_on=began,
        results={**demo_results(pathway), "moisture": "25", "hmf": "< 50"},
    )  # fmt: skip
    db.session.commit()
    html = _dossier_html(product.business, "id")
    assert "Madu lebah tanpa sengat (trigona)" in html
    assert "≤ 27,50 % b/b" in html and "≤ 22,00 % b/b" not in html
    assert "Lab Uji Kupang (LP-123-IDN)" in html
    assert "Tidak dapat dinilai" in html
