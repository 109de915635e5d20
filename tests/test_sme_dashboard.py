"""The demo data, the dashboard's figures (checked against counts computed here), the CSV export,
the pages, and the reminders (each sent once)."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from qms.accounts.models import Role, User
from qms.accounts.services import hash_password
from qms.core.history import HistoryEntry
from qms.core.mail import OutboxMessage, run_reminders
from qms.demo import seed
from qms.extensions import db
from qms.sme import dashboard
from qms.sme.models import (
    Business,
    Certificate,
    Pathway,
    Stage,
    StageRecord,
    Surveillance,
    TestResult,
)
from tests.conftest import PASSWORD
from tests.factories import user_with_role

#: the demo's dates are fixed, so the checks use a fixed "today" that sees certificates expiring
DAY = date(2026, 11, 28)


@pytest.fixture
def demo(app):
    seed()
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(HistoryEntry))


def test_demo_data_is_rich_and_idempotent(demo):
    assert db.session.scalar(select(func.count()).select_from(Business)) >= 30
    stages = set(db.session.scalars(select(Pathway.stage)))
    assert {Stage.REGISTERED, Stage.TESTING, Stage.CERTIFIED, Stage.SURVEILLANCE,
            Stage.ON_HOLD, Stage.WITHDRAWN} <= stages  # fmt: skip
    seed()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == demo


def test_dashboard_figures_match_independent_counts(demo):
    reviewer = user_with_role(Role.BSN_REVIEWER)
    day = DAY
    board = dashboard.compute(reviewer, day)
    pathways = db.session.scalars(select(Pathway)).all()

    assert dict(board.funnel) == {
        stage: sum(1 for p in pathways if p.stage == stage) for stage, _n in board.funnel
    }
    assert sum(n for _s, n in board.funnel) == len(pathways)

    closed = db.session.scalars(select(StageRecord).where(StageRecord.ended_on.is_not(None)))
    spans: dict = {}
    for record in closed:
        spans.setdefault(record.stage, []).append((record.ended_on - record.started_on).days)
    assert dict(board.median_days) == {s: statistics.median(v) for s, v in spans.items()}

    latest = {}
    for certificate in db.session.scalars(select(Certificate).order_by(Certificate.id)):
        if certificate.pathway.stage != Stage.WITHDRAWN:
            latest[certificate.pathway_id] = certificate
    horizon = day + timedelta(days=90)
    assert {c.id for c in board.expiring} == {
        c.id for c in latest.values() if day <= c.expires_on <= horizon
    }
    assert board.expiring, "the demo has a certificate expiring soon"
    assert {s.id for s in board.surveillance_due} == {
        s.id
        for s in db.session.scalars(select(Surveillance))
        if s.done_on is None and s.due_on <= horizon and s.certificate in latest.values()
    }
    businesses = db.session.scalars(select(Business)).all()
    assert dict(board.per_kecamatan) == dict(Counter(b.kecamatan for b in businesses))
    failed = [r for r in db.session.scalars(select(TestResult)) if not r.passed]
    assert failed
    assert dict(board.failed_by_category) == dict(
        Counter(r.lab_test.pathway.product.category for r in failed)
    )


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
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == len(first)
