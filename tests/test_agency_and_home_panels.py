"""The agency page's panels (documents, audits with compliance, the nonconformity register) and
each role's home page: every panel shows only what the user's policies let them see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from qms.accounts.models import User
from qms.audits import checklist
from qms.audits import figures as audit_figures
from qms.audits import workflow as audit_workflow
from qms.audits.models import Audit
from qms.capa import operations, queries, workflow
from qms.capa.models import NcGrade
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.documents import queries as document_queries
from qms.documents.models import DocumentStatus
from qms.extensions import db
from tests.factories import user_with_role
from tests.factories_audits import NC, World, make_world, plan_audit, started_audit
from tests.factories_documents import agency_head, effective_revision, new_document

MAJOR = {**NC, "grade": "major"}


@dataclass
class Scene:
    w: World
    reported: Audit
    planned: Audit
    bystander: User  # an internal auditor of the city with no part in the audit
    coop: User


@pytest.fixture
def scene(app) -> Scene:
    w = make_world()
    reported = started_audit(w)
    checklist.record_row(w.lead, reported.rows[0], MAJOR)
    checklist.record_row(w.lead, reported.rows[1], {"result": "observation", "statement": "Antre"})
    audit_workflow.transition(w.lead, reported, "report", confirm_unanswered=True)
    planned = plan_audit(w, planned_start=date(2026, 12, 1), planned_end=date(2026, 12, 2))
    new_document(w.officer, w.dukcapil, "Draf SOP arsip")
    for title, days in (("SOP KTP-el", 350), ("SOP KK", 400)):  # review due soon / overdue
        document = new_document(w.officer, w.dukcapil, title)
        effective_revision(
            document,
            w.officer,
            agency_head(w.dukcapil),
            effective_on=today() - timedelta(days=days),
        )
    return Scene(
        w=w,
        reported=reported,
        planned=planned,
        bystander=user_with_role(Role.INTERNAL_AUDITOR, agency=w.setda, name="Yakobus Pah"),
        coop=user_with_role(Role.COOP_OFFICER, city=w.city),
    )


def panels_seen(client, auth, user, agency) -> set[str] | None:
    auth.login(user)
    response = client.get(f"/agencies/{agency.id}")
    auth.logout()
    if response.status_code == 404:
        return None
    html = response.get_data(as_text=True)
    markers = {
        "documents": f"/documents/?agency_id={agency.id}",
        "audits": f"/audits/compliance/{agency.id}",
        "capa": f"/capa/?agency_id={agency.id}",
    }
    return {name for name, marker in markers.items() if marker in html}


def test_each_role_sees_the_agency_panels_its_policies_allow(scene, client, auth):
    w = scene.w
    everything = {"documents", "audits", "capa"}
    expectations = {
        w.officer: everything,
        w.city_admin: everything,
        w.viewer: everything,
        w.reviewer: everything,
        w.lead: everything,  # the register panel: the nonconformity he raised
        scene.bystander: {"documents", "audits"},  # no nonconformity of theirs here
        scene.coop: set(),  # small businesses only
        # the Kepala OPD approves its documents and reads its nonconformity register
        agency_head(w.dukcapil): {"documents", "capa"},
        w.other_officer: None,  # another agency's page is not theirs to see
    }
    for user, panels in expectations.items():
        assert panels_seen(client, auth, user, w.dukcapil) == panels, user.name


def test_the_audit_panel_shows_compliance_with_its_formula_and_the_audits(scene, client, auth):
    w = scene.w
    auth.login(w.officer)
    html = client.get(f"/agencies/{w.dukcapil.id}").get_data(as_text=True)
    assert "(conform + 1 × observation)" not in html  # the page is in Indonesian…
    # …with the formula stated, its weights and the nonconformities per clause
    assert "(sesuai + 1 × observasi) ÷ (sesuai + observasi + 2 × KTS Mayor + 1 × KTS Minor)" in html
    assert "Ketidaksesuaian per klausul" in html
    assert scene.reported.reference in html
    # the officer reads the audits of their agency only once reported
    assert scene.planned.reference not in html
    auth.logout()
    auth.login(w.city_admin)
    html = client.get(f"/agencies/{w.dukcapil.id}").get_data(as_text=True)
    assert scene.planned.reference in html and scene.reported.reference in html


def test_compliance_comes_from_the_audits_the_user_may_see(scene):
    w = scene.w
    figures = audit_figures.compliance_by_clause(w.dukcapil, w.officer)
    assert figures and {f.audit.id for f in figures} == {scene.reported.id}
    assert audit_figures.compliance_by_clause(w.dukcapil, scene.coop) == []
    assert audit_figures.compliance_by_clause(w.dukcapil, w.other_officer) == []


def test_the_register_panel_counts_what_each_user_may_see(scene):
    w = scene.w
    summary = queries.agency_summary(w.officer, w.dukcapil)
    assert summary.open_by_grade == {NcGrade.MAJOR: 1, NcGrade.MINOR: 0}
    assert summary.open == 1 and summary.overdue == 0
    later = queries.agency_summary(w.officer, w.dukcapil, today() + timedelta(days=31))
    assert later.overdue == 1  # a major finding is due in 30 days
    assert queries.agency_summary(scene.bystander, w.dukcapil).open == 0
    assert queries.agency_summary(w.other_officer, w.dukcapil).open == 0
    assert queries.reads_register_of(w.viewer, w.dukcapil)
    assert not queries.reads_register_of(w.lead, w.dukcapil)  # only what he raised


def test_the_document_panel_counts_by_status_and_review(scene):
    w = scene.w
    status = document_queries.agency_status(w.officer, w.dukcapil)
    assert status["by_status"] == {
        DocumentStatus.NOT_YET_EFFECTIVE: 1,
        DocumentStatus.EFFECTIVE: 2,
        DocumentStatus.WITHDRAWN: 0,
    }
    assert status["reviews"] == {"overdue": 1, "due": 1}
    assert document_queries.reads_documents_of(w.lead, w.dukcapil)
    assert not document_queries.reads_documents_of(scene.coop, w.dukcapil)
    assert sum(document_queries.agency_status(scene.coop, w.dukcapil)["by_status"].values()) == 0


# --- home pages -------------------------------------------------------------------------------


def home(client, auth, user) -> str:
    auth.login(user)
    html = client.get("/").get_data(as_text=True)
    auth.logout()
    return html


def test_each_role_finds_its_work_on_the_home_page(scene, client, auth):
    w = scene.w
    nc = scene.reported.active_findings[0].nonconformity

    officer = home(client, auth, w.officer)
    assert "SOP-DUKCAPIL" in officer  # their documents due for review
    assert "1 ketidaksesuaian terbuka" in officer  # open nonconformities
    assert scene.reported.reference in officer  # their agency's audit report
    assert scene.planned.reference not in officer

    lead = home(client, auth, w.lead)
    assert scene.reported.reference in lead and scene.planned.reference in lead  # their audits

    # the nonconformity's plan waits for the lead auditor's acceptance
    workflow.transition(w.officer, nc, "record_correction", {"correction": "Diperbaiki."})
    workflow.transition(
        w.officer,
        nc,
        "analyse_cause",
        {
            "why_steps": ["SOP lama"],
            "cause_category": "method",
            "root_cause": "Distribusi dokumen",
            "occurs_elsewhere": False,
        },
    )
    operations.add_action(
        w.officer, nc, {"description": "Tarik", "owner": "Kasi", "due_date": today()}
    )
    workflow.transition(w.officer, nc, "submit_plan", {"effectiveness_check_on": today()})
    assert f'href="/capa/{nc.id}"' in home(client, auth, w.lead)

    admin = home(client, auth, w.city_admin)
    assert scene.planned.reference in admin and scene.reported.reference in admin
    assert 'href="/agencies"' in admin  # the administration overview

    viewer = home(client, auth, w.viewer)
    assert scene.planned.reference in viewer

    reviewer = home(client, auth, w.reviewer)
    assert f'href="/cities/{w.city.id}"' in reviewer and w.city.name in reviewer

    coop = home(client, auth, scene.coop)
    assert scene.reported.reference not in coop and "ketidaksesuaian terbuka" not in coop


def dashboards(client, web_app) -> tuple[str, int]:
    """The dashboard cards of the home page, and the statements the page took."""
    statements: list[str] = []
    with web_app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        html = client.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    cards = re.findall(r'<section class="card dashboard">.*?</section>', html, re.S)
    return "".join(re.sub(r'name="csrf_token" value="[^"]*"', "", c) for c in cards), len(
        statements
    )


@pytest.mark.parametrize("role", ["officer", "city_admin", "reviewer"])
def test_a_dashboard_is_served_again_until_what_it_shows_changes(
    scene, client, auth, web_app, role
):
    """Each role's compliance dashboard is computed once and served again while nothing
    changed; a change anywhere moves the archive's change mark and the next page counts it."""
    w = scene.w
    db.session.commit()
    web_app.config["DASHBOARD_MEMO"] = True
    auth.login(getattr(w, role))
    first, computed = dashboards(client, web_app)
    again, served = dashboards(client, web_app)
    assert first and again == first and served < computed
    operations.raise_from_finding(
        agency=w.dukcapil,
        clause="7.5",
        requirement="Dokumen dikendalikan.",
        evidence="SOP tanpa nomor revisi.",
        statement="Dokumen tidak dikendalikan.",
        grade="major",
        raised_by=w.lead,
        raised_on=today(),
    )
    db.session.commit()
    changed, _count = dashboards(client, web_app)
    web_app.config["DASHBOARD_MEMO"] = False
    fresh, _count = dashboards(client, web_app)
    assert changed == fresh != first


def test_the_review_panel_names_the_first_documents_of_each_state(scene, client, auth, monkeypatch):
    """A city has hundreds of documents due for review: the panel names the first of each
    state and links to the master list filtered to all of them."""
    w = scene.w
    monkeypatch.setattr(document_queries, "HOME_PANEL_REVIEWS", 1)
    late = new_document(w.officer, w.dukcapil, "SOP arsip lama")
    effective_revision(
        late, w.officer, agency_head(w.dukcapil), effective_on=today() - timedelta(days=500)
    )
    panel = document_queries.reviews_needing_attention(w.officer)
    overdue = panel["reviews"][document_queries.ReviewState.OVERDUE]
    assert [d.title for d in overdue] == ["SOP KK"]  # the first of the two, by code
    page = home(client, auth, w.officer)
    assert "SOP KK" in page and "SOP arsip lama" not in page
    assert "/documents/?review=overdue" in page
