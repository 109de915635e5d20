"""The demo data, the dashboard's figures (checked against counts computed here), the CSV export,
the pages, and the reminders (each sent once)."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from qms.accounts.authentication import hash_password
from qms.accounts.models import User
from qms.core.history import HistoryEntry
from qms.core.mail import OutboxMessage, run_reminders
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.demo import seed
from qms.extensions import db
from qms.organisations.models import City
from qms.organisations.queries import kelurahan_by_kecamatan
from qms.sme import figures, operations, workflow
from qms.sme.models import (
    Business,
    Certificate,
    GuidanceVisit,
    Pathway,
    Product,
    StageRecord,
    Surveillance,
    TestResult,
    TrainingBatch,
)
from qms.sme.vocabulary import ProductCategory, Stage
from tests.conftest import PASSWORD
from tests.factories import user_with_role
from tests.factories_sme import (
    BusinessFactory,
    ProductFactory,
    advance,
    coop_officer,
    honey,
    load_catalogue,
    standard,
)

#: the demo's dates are fixed, so the checks use a fixed "today" that sees certificates expiring
DAY = date(2026, 11, 28)


@pytest.fixture
def demo(app):
    seed()
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(HistoryEntry))


def test_demo_data_is_rich_and_idempotent(demo):
    kupang = db.session.scalar(select(City).where(City.code == "KUPANG"))
    businesses = db.session.scalars(select(Business)).all()
    assert len(businesses) >= 30 and {b.city_id for b in businesses} == {kupang.id}
    assert {b.kecamatan for b in businesses} == set(kelurahan_by_kecamatan(kupang))
    categories = set(db.session.scalars(select(Product.category)))
    assert {ProductCategory.HONEY, ProductCategory.DRINKING_WATER, ProductCategory.SALT,
            ProductCategory.COFFEE, ProductCategory.MEAT_PRODUCT} <= categories  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(GuidanceVisit))
    assert db.session.scalar(select(func.count()).select_from(TrainingBatch))
    stages = set(db.session.scalars(select(Pathway.stage)))
    assert {Stage.SOCIALISATION, Stage.OSS_APPLICATION, Stage.SITE_AUDIT, Stage.TESTING,
            Stage.CERTIFIED, Stage.SURVEILLANCE, Stage.ON_HOLD,
            Stage.WITHDRAWN} <= stages  # fmt: skip
    # every pathway and every stage it went through is on its scheme's list
    for pathway in db.session.scalars(select(Pathway)):
        walked = [
            r.stage for r in pathway.stages if r.stage not in (Stage.ON_HOLD, Stage.WITHDRAWN)
        ]
        assert set(walked) <= set(pathway.stage_list), (pathway.product.name, walked)
        if pathway.scheme == "sni_bina_umk":
            assert pathway.lspro_accreditation == ""  # Bina UMK never asks for an LSPro
    # the trigona honey is judged by trigona limits, the granulated palm sugar by its own
    by_name = {p.name: p for p in db.session.scalars(select(Product))}
    assert by_name["Madu Trigona"].variant.key == "trigona"
    assert by_name["Gula Semut Lontar"].variant.key == "butiran"
    sugar = next(p for p in by_name["Gula Semut Lontar"].pathways)
    moisture = next(r for t in sugar.lab_tests for r in t.results if r.parameter.key == "moisture")
    assert moisture.limit.max_value == 3
    seed()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == demo


def _check_against_independent_counts(board, day: date, city_id: int | None = None) -> None:
    """Every figure of `board`, recounted here row by row in Python from all the data."""

    def in_city(record) -> bool:
        return city_id is None or record.city_id == city_id

    pathways = [p for p in db.session.scalars(select(Pathway)) if in_city(p)]
    assert dict(board.funnel) == {
        stage: sum(1 for p in pathways if p.stage == stage) for stage, _n in board.funnel
    }
    assert sum(n for _s, n in board.funnel) == len(pathways)

    closed = db.session.scalars(select(StageRecord).where(StageRecord.ended_on.is_not(None)))
    spans: dict = {}
    for record in closed:
        if in_city(record.pathway):
            spans.setdefault(record.stage, []).append((record.ended_on - record.started_on).days)
    assert dict(board.median_days) == {s: statistics.median(v) for s, v in spans.items()}

    latest = {}
    for certificate in db.session.scalars(select(Certificate).order_by(Certificate.id)):
        if certificate.pathway.stage != Stage.WITHDRAWN and in_city(certificate.pathway):
            latest[certificate.pathway_id] = certificate
    horizon = day + timedelta(days=90)
    assert {c.id for c in board.expiring} == {
        c.id for c in latest.values() if day <= c.expires_on <= horizon
    }
    assert {s.id for s in board.surveillance_due} == {
        s.id
        for s in db.session.scalars(select(Surveillance))
        if s.done_on is None and s.due_on <= horizon and s.certificate in latest.values()
    }
    businesses = [b for b in db.session.scalars(select(Business)) if in_city(b)]
    assert dict(board.per_kecamatan) == dict(Counter(b.kecamatan for b in businesses))
    failed = [
        r
        for r in db.session.scalars(select(TestResult))
        if not r.passed and in_city(r.lab_test.pathway)
    ]
    assert dict(board.failed_by_category) == dict(
        Counter(r.lab_test.pathway.product.category for r in failed)
    )
    assert sum(n for _c, _p, n in board.failed_parameters) == len(failed)


def test_dashboard_figures_match_independent_counts(demo):
    board = figures.compute(user_with_role(Role.BSN_REVIEWER), DAY)
    assert board.expiring, "the demo has a certificate expiring soon"
    assert board.surveillance_due and board.failed_by_category and board.median_days
    _check_against_independent_counts(board, DAY)


@pytest.fixture
def two_cities(demo):
    """The demo's Kupang and a second city with one business and an open pathway."""
    load_catalogue()
    kupang = db.session.scalar(select(City).where(City.code == "KUPANG"))
    business = BusinessFactory(kecamatan="Kota Soe", kelurahan="Kampung Baru", nib="5300000000001")
    product = ProductFactory(business=business, standard_id=standard("SNI-3553-2015").id)
    operations.open_pathway(
        coop_officer(business.city),
        product,
        scheme="sppt_sni",
        scheme_type="5",
        started_on=date(2026, 1, 5),
    )
    db.session.commit()
    return kupang, business.city


def test_dashboard_city_filter_figures(two_cities):
    kupang, soe = two_cities
    reviewer = user_with_role(Role.BSN_REVIEWER)
    for city_id in (None, kupang.id, soe.id):
        _check_against_independent_counts(figures.compute(reviewer, DAY, city_id), DAY, city_id)
    only_soe = figures.compute(reviewer, DAY, soe.id)
    assert only_soe.per_kecamatan == [("Kota Soe", 1)]
    assert sum(n for _s, n in only_soe.funnel) == 1 and only_soe.expiring == []
    # a coop officer asking for another city's figures gets nothing of it
    officer = coop_officer(kupang)
    assert sum(n for _s, n in figures.compute(officer, DAY, soe.id).funnel) == 0


def test_dashboard_city_filter_on_the_page(client, auth, two_cities):
    kupang, soe = two_cities
    auth.login(user_with_role(Role.BSN_REVIEWER))
    page = client.get("/sme/dashboard").get_data(as_text=True)
    assert '<label for="city">' in page and '<select id="city" name="city">' in page
    assert kupang.name in page and soe.name in page
    filtered = client.get(f"/sme/dashboard?city={soe.id}").get_data(as_text=True)
    assert f'<option value="{soe.id}" selected>' in filtered
    assert "Kota Soe" in filtered and "Oebobo" not in filtered
    assert f"/sme/dashboard.csv?city={soe.id}" in filtered
    csv = client.get(f"/sme/dashboard.csv?city={soe.id}").get_data(as_text=True)
    assert "businesses_per_kecamatan,Kota Soe,1" in csv and "Oebobo" not in csv
    auth.logout()
    auth.login(coop_officer(kupang))
    assert 'id="city"' not in client.get("/sme/dashboard").get_data(as_text=True)


def test_dashboard_page_and_csv(client, auth, demo):
    business = db.session.scalar(select(Business).limit(1))
    coop = db.session.scalar(select(User).where(User.email == "koperasi@demo.qms.id"))
    coop.password_hash = hash_password(PASSWORD)
    auth.login(coop)
    page = client.get("/sme/dashboard")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text and "<table" in text
    csv = client.get("/sme/dashboard.csv")
    assert csv.mimetype == "text/csv" and "businesses_per_kecamatan,Oebobo" in csv.get_data(
        as_text=True
    )
    for pathway in db.session.scalars(select(Pathway)):
        assert client.get(f"/sme/pathways/{pathway.id}").status_code == 200
    assert client.get(f"/sme/businesses/{business.id}").status_code == 200
    for path in ("/sme/businesses", "/sme/pathways", "/sme/guidance", "/sme/catalogue", "/"):
        assert client.get(path).status_code == 200, path


def test_reminders_are_sent_once(demo):
    first = run_reminders(DAY)
    keys = [m.key for m in first]
    assert any(k.startswith("sme-certificate:") for k in keys)
    assert any(k.startswith("sme-surveillance:") for k in keys)
    assert len(keys) == len(set(keys))
    assert run_reminders(DAY) == []
    # besides the mail of the demo's events (a revision submitted, a plan…: "event:" keys)
    reminders = select(func.count()).select_from(OutboxMessage)
    assert db.session.scalar(reminders.where(~OutboxMessage.key.like("event:%"))) == len(first)


def test_reminders_for_expiry_at_90_and_30_days_surveillance_and_findings(app):
    """Certificate expiry warns at 90 and again at 30 days; surveillance due within 30 days and
    audit findings due within 14 days are reminded once; a withdrawn pathway is quiet."""
    load_catalogue()
    today = local_today()
    product = honey()
    officer = coop_officer(product.business.city)
    start = date(2025, 3, 3)
    pathway = operations.open_pathway(
        officer, product, scheme="sppt_sni", scheme_type="5", started_on=start
    )
    advance(officer, pathway, Stage.DECISION, start)
    issued = today - timedelta(days=350)
    workflow.transition(officer, pathway, "certify", on=issued, certificate_number="SPPT-R1",
                        issued_on=issued, expires_on=today + timedelta(days=80))  # fmt: skip
    audited = honey(business=product.business)
    audit = operations.open_pathway(
        officer, audited, scheme="sppt_sni", scheme_type="5", started_on=start
    )
    advance(officer, audit, Stage.SITE_AUDIT, start)
    finding = operations.add_finding(officer, audit, grade="major", description="Label salah.",
                                   raised_on=start, due_on=today + timedelta(days=10))  # fmt: skip
    later = operations.add_finding(officer, audit, grade="minor", description="Nanti.",
                                 raised_on=start, due_on=today + timedelta(days=40))  # fmt: skip
    quiet = honey(business=product.business)
    withdrawn = operations.open_pathway(
        officer, quiet, scheme="sppt_sni", scheme_type="5", started_on=start
    )
    advance(officer, withdrawn, Stage.SITE_AUDIT, start)
    operations.add_finding(officer, withdrawn, grade="minor", description="X", raised_on=start,
                         due_on=today + timedelta(days=3))  # fmt: skip
    workflow.transition(officer, withdrawn, "withdraw", on=today, reason="Usaha tutup")
    db.session.commit()

    certificate = pathway.certificate
    first_due = certificate.surveillances[0]
    assert (first_due.due_on - today).days <= 30
    keys = {m.key for m in run_reminders(today)}
    assert keys == {
        f"sme-certificate:{certificate.id}:{certificate.expires_on.isoformat()}:90d:u{officer.id}",
        f"sme-surveillance:{first_due.id}:{first_due.due_on.isoformat()}:u{officer.id}",
        f"sme-finding:{finding.id}:{finding.due_on.isoformat()}:u{officer.id}",
    }
    assert later.id not in {int(k.split(":")[1]) for k in keys if k.startswith("sme-finding")}
    assert run_reminders(today + timedelta(days=10)) == []
    assert {m.key for m in run_reminders(today + timedelta(days=55))} == {
        f"sme-certificate:{certificate.id}:{certificate.expires_on.isoformat()}:30d:u{officer.id}",
        f"sme-finding:{later.id}:{later.due_on.isoformat()}:u{officer.id}",
    }


def test_the_expiry_notice_is_one_setting_read_by_the_dashboard_the_pages_and_reminders(
    app, client, auth
):
    load_catalogue()
    today = local_today()
    product = honey()
    officer = coop_officer(product.business.city)
    start = date(2025, 3, 3)
    pathway = operations.open_pathway(
        officer, product, scheme="sppt_sni", scheme_type="1a", started_on=start
    )
    advance(officer, pathway, Stage.DECISION, start)
    issued = today - timedelta(days=350)
    workflow.transition(officer, pathway, "certify", on=issued, certificate_number="SPPT-N1",
                        issued_on=issued, expires_on=today + timedelta(days=60))  # fmt: skip
    db.session.commit()
    auth.login(officer)

    def seen(days: int) -> tuple:
        app.config["SME_EXPIRY_NOTICE_DAYS"] = client.application.config[
            "SME_EXPIRY_NOTICE_DAYS"
        ] = days
        home = client.get("/").get_data(as_text=True)
        page = client.get(f"/sme/pathways/{pathway.id}").get_data(as_text=True)
        board = client.get("/sme/dashboard").get_data(as_text=True)
        return (
            [c.number for c in figures.compute(officer, today).expiring],
            f"Sertifikat berakhir dalam {days} hari: " in home,
            "segera berakhir" in page,
            f"Sertifikat yang berakhir dalam {days} hari" in board and "SPPT-N1" in board,
            [m.key.split(":")[3] for m in run_reminders(today)],
        )

    assert seen(45) == ([], True, False, False, [])
    assert seen(90) == (["SPPT-N1"], True, True, True, ["90d"])
