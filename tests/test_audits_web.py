"""The audit pages and API as users drive them: the issue's "done when" scenario, access
denials, reminders, the demo data and the grade configuration."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.audits import checklist, grades, operations, queries, workflow
from qms.audits.models import (
    AgendaItem,
    Audit,
    AuditStatus,
    ChecklistRow,
    Finding,
    RowResult,
)
from qms.core.checklists import load_file
from qms.core.mail import OutboxMessage, run_reminders
from qms.core.roles import Role
from qms.extensions import db
from tests.factories import user_with_role
from tests.factories_audits import NC, make_world, plan_audit, started_audit

ROOT = Path(__file__).resolve().parent.parent
STANDARD = ROOT / "checklists" / "standards" / "sni-iso-9001-2015.yaml"


@pytest.fixture
def world(app):
    with force_locale("en"):
        yield make_world()


@pytest.fixture
def sni_world(app):
    load_file(STANDARD)
    with force_locale("en"):
        yield make_world(standard=queries.default_standard())


def _row(audit_id: int, clause: str) -> ChecklistRow:
    """The first unanswered row of the clause."""
    return db.session.scalar(
        select(ChecklistRow)
        .join(ChecklistRow.clause)
        .where(ChecklistRow.audit_id == audit_id, ChecklistRow.result.is_(None))
        .where(ChecklistRow.clause.has(number=clause))
        .order_by(ChecklistRow.position)
    )


def test_done_when_bakeuda_auditor_runs_a_dukcapil_audit(sni_world, client, auth):
    """The issue's scenario: plan, run and report from the SNI ISO 9001:2015 checklist on a
    phone-sized page, with a major, a minor, an observation and an opportunity; a Dukcapil
    auditor is refused."""
    w = sni_world
    auth.login(w.lead)
    page = client.get("/audits/new")
    assert page.status_code == 200
    response = client.post(
        "/audits/new",
        data={
            "agency_id": w.dukcapil.id,
            "kind": "internal",
            "planned_start": "2026-10-13",
            "planned_end": "2026-10-14",
            "scope_clauses": "7.5, 8.5, 9.1, 9.3",
            "objectives": "Menilai layanan KTP-el",
            "lead_auditor_id": w.lead.id,
        },
    )
    assert response.status_code == 302
    audit = db.session.scalar(select(Audit))
    assert audit.reference == "AMI-2026-DUKCAPIL" and audit.lead_auditor_id == w.lead.id

    refused = client.post(f"/audits/{audit.id}/members", data={"user_id": w.dukcapil_auditor.id})
    assert refused.status_code == 303
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Petrus tidak boleh mengaudit Dinas Dukcapil" in page
    assert (
        client.post(f"/audits/{audit.id}/members", data={"user_id": w.member.id}).status_code == 302
    )
    assert client.post(f"/audits/{audit.id}/transition/start").status_code == 302
    db.session.expire_all()
    assert audit.status == AuditStatus.IN_PROGRESS and len(audit.rows) > 20

    checklist = client.get(f"/audits/{audit.id}/checklist")
    html = checklist.get_data(as_text=True)
    assert 'name="viewport"' in html and "audit-checklist.js" in html
    assert "<script>" not in html  # CSP: no inline script

    fetch = {"X-Requested-With": "fetch"}
    cases = [
        (
            "9.3.1",
            {
                "result": "nonconform",
                "grade": "major",
                "evidence": "Notulen RTM terakhir Agustus 2025",
                "statement": "Tidak ada RTM",
            },
        ),
        (
            "7.5.3.2",
            {
                "result": "nonconform",
                "grade": "minor",
                "evidence": "SOP rev.01 di loket 2",
                "statement": "Dokumen kedaluwarsa",
            },
        ),
        (
            "9.1.2",
            {
                "result": "observation",
                "grade": "observation",
                "statement": "SKM tidak dibandingkan dengan target",
            },
        ),
        ("8.5.1", {"result": "opportunity", "statement": "Notifikasi WhatsApp"}),
    ]
    for clause, values in cases:
        row = _row(audit.id, clause)
        saved = client.post(
            f"/audits/rows/{row.id}", data={**values, "version": row.version}, headers=fetch
        )
        assert saved.status_code == 200, saved.get_json()
        assert saved.get_json()["finding"].startswith("AMI-2026-DUKCAPIL-F0")
    # a nonconformity without evidence is refused, with the reason
    row = _row(audit.id, "9.1.1")
    bad = client.post(
        f"/audits/rows/{row.id}",
        data={"result": "nonconform", "grade": "minor", "statement": "x", "version": row.version},
        headers=fetch,
    )
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["evidence"]
    # without JavaScript the form posts and returns to the row
    plain = client.post(f"/audits/rows/{row.id}", data={"result": "conform", "version": 1})
    assert plain.status_code == 303 and "#row-" in plain.headers["Location"]

    ask = client.post(f"/audits/{audit.id}/transition/report")
    assert ask.status_code == 409 and "tidak diaudit" in ask.get_data(as_text=True)
    done = client.post(f"/audits/{audit.id}/transition/report", data={"confirm": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert audit.status == AuditStatus.REPORTED
    assert sorted(f.grade for f in audit.active_findings) == [
        "major",
        "minor",
        "observation",
        "ofi",
    ]
    assert not [r for r in audit.rows if r.result is None]
    report = client.get(f"/audits/{audit.id}/report").get_data(as_text=True)
    for text in (
        "AMI-2026-DUKCAPIL-F01",
        "Tidak ada RTM",
        "Notulen RTM terakhir",
        "Mayor",
        "Peluang peningkatan",
        "Frans Tefa",
        "Rosalina Manafe",
    ):
        assert text in report


def test_quality_officer_reads_the_audit_only_once_reported(world, client, auth):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    finding = audit.rows[0].finding
    auth.login(world.officer)
    assert client.get(f"/audits/{audit.id}").status_code == 404
    assert client.get(f"/audits/findings/{finding.id}").status_code == 404
    workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    auth.logout()
    auth.login(world.officer)
    assert client.get(f"/audits/{audit.id}/report").status_code == 200
    assert client.get(f"/audits/findings/{finding.id}").status_code == 200
    # reading is not writing
    row = audit.rows[1]
    assert (
        client.post(f"/audits/rows/{row.id}", data={"result": "conform", "version": 1}).status_code
        == 403
    )


def test_other_agencies_officers_see_nothing(world, client, auth, api):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    finding_id = audit.rows[0].finding.id
    auth.login(world.other_officer)
    assert client.get(f"/audits/{audit.id}").status_code == 404
    assert client.get(f"/audits/{audit.id}/checklist").status_code == 404
    assert client.get(f"/audits/findings/{finding_id}").status_code == 404
    assert audit.reference not in client.get("/audits/").get_data(as_text=True)
    api.as_user(world.other_officer)
    assert api.get(f"/audits/{audit.id}").status_code == 404
    assert api.get(f"/findings/{finding_id}").status_code == 404
    assert api.get("/audits").get_json()["data"] == []


def test_read_only_roles_read_everything_in_scope_and_write_nothing(world, client, auth, api):
    audit = started_audit(world)
    row_id = audit.rows[0].id
    for reader in (world.reviewer, world.viewer):
        auth.login(reader)
        assert client.get(f"/audits/{audit.id}/checklist").status_code == 200
        refused = client.post(f"/audits/rows/{row_id}", data={"result": "conform", "version": 1})
        assert refused.status_code == 303
        auth.logout()
        api.as_user(reader)
        assert api.get(f"/audits/{audit.id}/checklist").status_code == 200
        answer = {"result": "conform", "version": 1}
        assert api.patch(f"/checklist-rows/{row_id}", json=answer).status_code == 403
    assert db.session.get(ChecklistRow, row_id).result is None


def test_non_team_members_cannot_write_the_checklist(world, client, auth):
    audit = started_audit(world)
    auth.login(world.city_admin)  # plans audits, but is not on this team
    assert (
        client.post(
            f"/audits/rows/{audit.rows[0].id}", data={"result": "conform", "version": 1}
        ).status_code
        == 403
    )


def test_api_plans_and_runs_an_audit_and_refuses_a_dependent_auditor(world, api):
    api.as_user(world.lead)
    created = api.post(
        "/audits",
        json={
            "agency_id": world.dukcapil.id,
            "planned_start": "2026-10-13",
            "scope_clauses": ["7.5", "9.3"],
            "objectives": "Uji API",
            "lead_auditor_id": world.lead.id,
        },
    )
    assert created.status_code == 201, created.get_json()
    audit_id = created.get_json()["data"]["id"]
    refused = api.post(f"/audits/{audit_id}/team", json={"user_id": world.dukcapil_auditor.id})
    assert refused.status_code == 422
    assert "Petrus" in refused.get_json()["error"]["message"]
    lead_swap = api.patch(
        f"/audits/{audit_id}", json={"lead_auditor_id": world.dukcapil_auditor.id}
    )
    assert lead_swap.status_code == 422
    assert (
        api.post(f"/audits/{audit_id}/team", json={"user_id": world.member.id}).status_code == 201
    )
    assert api.post(f"/audits/{audit_id}/transitions/start").status_code == 200
    rows = api.get(f"/audits/{audit_id}/checklist").get_json()["data"]
    assert len(rows) == 4
    read = {"version": rows[0]["version"]}
    no_evidence = api.patch(f"/checklist-rows/{rows[0]['id']}", json={**NC, **read, "evidence": ""})
    assert no_evidence.status_code == 422
    assert list(no_evidence.get_json()["error"]["fields"]) == ["evidence"]
    saved = api.patch(f"/checklist-rows/{rows[0]['id']}", json={**NC, **read})
    assert saved.get_json()["data"]["finding"] == "AMI-2026-DUKCAPIL-F01"
    findings = api.get(f"/audits/{audit_id}/findings").get_json()["data"]
    assert [f["grade"] for f in findings] == ["minor"]
    regraded = api.patch(
        f"/findings/{findings[0]['id']}", json={"grade": "major", "version": findings[0]["version"]}
    )
    assert regraded.get_json()["data"]["follow_up_required"] is True
    added = api.post(
        f"/audits/{audit_id}/checklist",
        json={"clause_id": db.session.get(ChecklistRow, rows[0]["id"]).clause_id, "text": "Q?"},
    )
    assert added.status_code == 201
    early = api.post(f"/audits/{audit_id}/transitions/report", json={})
    assert early.status_code == 409
    reported = api.post(f"/audits/{audit_id}/transitions/report", json={"confirm_unanswered": True})
    assert reported.get_json()["data"]["status"] == "reported"
    assert api.post(f"/audits/{audit_id}/transitions/close").status_code == 422
    compliance = api.get(f"/agencies/{world.dukcapil.id}/compliance").get_json()["data"]
    assert compliance[0]["clause"] == "7.5" and compliance[0]["compliance"] == 0.0


def test_api_programmes(world, api):
    api.as_user(world.city_admin)
    created = api.post("/audit-programmes", json={"year": 2026, "title": "Program 2026"})
    assert created.status_code == 201
    programme_id = created.get_json()["data"]["id"]
    item = api.post(
        f"/audit-programmes/{programme_id}/items",
        json={
            "agency_id": world.dukcapil.id,
            "kind": "internal",
            "planned_month": 10,
            "clause_numbers": ["7.5"],
        },
    )
    assert item.status_code == 201
    assert item.get_json()["data"]["items"][0]["done"] is False
    bad = api.post(
        f"/audit-programmes/{programme_id}/items",
        json={"agency_id": world.dukcapil.id, "kind": "internal", "planned_month": 13},
    )
    assert bad.status_code == 422
    api.as_user(world.officer)  # its city's programme says when its agency is audited
    assert api.get(f"/audit-programmes/{programme_id}").status_code == 200
    api.as_user(user_with_role(Role.QUALITY_OFFICER, agency=world.other_city_agency))
    assert api.get(f"/audit-programmes/{programme_id}").status_code == 404


def test_a_programme_goes_only_to_a_city_its_author_plans_audits_in(world, client, auth, api):
    """The city is asked (or, for someone planning in one city only, implied); any other city,
    or none where several are possible, is refused at the field, never replaced."""
    lead = api.as_user(world.lead)
    elsewhere = world.other_city_agency.city_id
    other = lead.post("/audit-programmes", json={"year": 2027, "title": "X", "city_id": elsewhere})
    assert other.status_code == 422
    assert list(other.get_json()["error"]["fields"]) == ["city_id"]
    admin = api.as_user(user_with_role(Role.SYSTEM_ADMIN))  # plans in every city
    unnamed = admin.post("/audit-programmes", json={"year": 2027, "title": "X"})
    assert unnamed.status_code == 422
    assert list(unnamed.get_json()["error"]["fields"]) == ["city_id"]
    named = admin.post(
        "/audit-programmes", json={"year": 2027, "title": "X", "city_id": world.city.id}
    )
    assert named.status_code == 201 and named.get_json()["data"]["city_id"] == world.city.id
    auth.login(world.lead)
    page = client.get("/audits/programmes/new").get_data(as_text=True)
    assert 'name="city_id"' in page and world.city.name in page
    posted = client.post(
        "/audits/programmes/new", data={"city_id": world.city.id, "year": 2028, "title": "Y"}
    )
    assert posted.status_code == 302


def test_pages_render_for_the_team(world, client, auth):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    operations.create_programme(world.lead, world.city.id, {"year": 2026, "title": "Program"})
    auth.login(world.lead)
    for path in (
        "/",
        "/audits/",
        f"/audits/{audit.id}",
        f"/audits/{audit.id}/edit",
        f"/audits/{audit.id}/checklist",
        f"/audits/{audit.id}/report",
        f"/audits/findings/{audit.rows[0].finding.id}",
        "/audits/compliance",
        f"/audits/compliance/{world.dukcapil.id}",
        "/audits/programmes/new",
    ):
        assert client.get(path).status_code == 200, path
    printed = client.get(f"/audits/{audit.id}/checklist/print").get_data(as_text=True)
    assert "Ya" in printed and "Tidak" in printed and "Pertanyaan 7.5 nomor 1?" in printed


def test_blank_checklist_of_a_planned_audit_previews_the_questions(world, client, auth):
    audit = plan_audit(world)
    auth.login(world.lead)
    printed = client.get(f"/audits/{audit.id}/checklist/print").get_data(as_text=True)
    assert "Pertanyaan 9.3 nomor 2?" in printed
    assert db.session.scalar(select(func.count(ChecklistRow.id))) == 0


def test_reminders_14_and_7_days_before_each_sent_once(world, app):
    audit = plan_audit(world, planned_start=date(2026, 12, 12), planned_end=date(2026, 12, 12))
    operations.add_member(world.city_admin, audit, world.member.id)

    def remind(day):
        with app.test_request_context():  # as `flask qms remind` does, for the links
            return run_reminders(day)

    queued = remind(date(2026, 11, 28))
    assert sorted(m.to for m in queued) == sorted([world.lead.email, world.member.email])
    assert "AMI-2026-DUKCAPIL" in queued[0].subject and "14" in queued[0].subject
    assert f"/audits/{audit.id}" in queued[0].body
    assert remind(date(2026, 11, 28)) == []
    assert len(remind(date(2026, 12, 5))) == 2
    assert remind(date(2026, 12, 6)) == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4


def test_the_reminder_days_are_a_setting(world, app):
    audit = plan_audit(world, planned_start=date(2026, 12, 12), planned_end=date(2026, 12, 12))
    app.config["AUDIT_REMINDER_DAYS"] = (3,)
    with app.test_request_context():
        assert run_reminders(date(2026, 11, 28)) == []
        queued = run_reminders(date(2026, 12, 9))
    assert [m.to for m in queued] == [world.lead.email] and "3" in queued[0].subject
    assert f"/audits/{audit.id}" in queued[0].body


def test_demo_data_is_idempotent(app):
    from qms.demo import seed

    seed()
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Audit, Finding)]
    seed()
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Audit, Finding)] == (
        counts
    )
    dukcapil = db.session.scalar(select(Audit).where(Audit.reference == "AMI-2026-DUKCAPIL"))
    assert dukcapil.status == AuditStatus.REPORTED
    assert dukcapil.lead_auditor.email == "auditor.bakeuda@demo.qms.id"
    assert {"major", "minor", "observation", "ofi"} <= {f.grade for f in dukcapil.findings}
    assert RowResult.NOT_AUDITED in {r.result for r in dukcapil.rows}
    rsud = db.session.scalar(select(Audit).where(Audit.reference == "AMI-2026-RSUD"))
    assert rsud.status == AuditStatus.PLANNED


def test_grade_scale_is_configuration(tmp_path):
    path = tmp_path / "grades.yaml"
    path.write_text(
        "grades:\n"
        "  - key: nc\n    label: {id: KTS, en: Nonconformity}\n    result: nonconform\n"
        "    follow_up_required: true\n    deadline_days: 45\n"
        "  - key: ofi\n    label: {id: PP, en: OFI}\n    result: opportunity\n"
        "    follow_up_required: false\n",
        encoding="utf-8",
    )
    loaded = grades.load_grades(str(path))
    assert [(g.key, g.deadline_days) for g in loaded] == [("nc", 45), ("ofi", None)]
    default = grades.load_grades(None)
    assert [(g.key, g.follow_up_required, g.deadline_days) for g in default] == [
        ("major", True, 30),
        ("minor", True, 60),
        ("observation", False, None),
        ("ofi", False, None),
    ]
    path.write_text("grades:\n  - key: BAD\n", encoding="utf-8")
    with pytest.raises(ValueError, match="audit grade scale"):
        grades.load_grades(str(path))


def test_times_are_entered_and_read_in_the_offices_time_zone(world, client, auth):
    """08.30 typed in Kupang (WITA, UTC+8) is stored as 00.30 UTC and read back as 08.30."""
    audit = plan_audit(world)
    auth.login(world.lead)
    added = client.post(
        f"/audits/{audit.id}/agenda",
        data={"starts_at": "2026-12-15T08:30", "ends_at": "2026-12-15T09:00", "subject": "7.5"},
    )
    assert added.status_code == 302
    item = db.session.scalar(select(AgendaItem))
    assert item.starts_at == datetime(2026, 12, 15, 0, 30)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "15 Des 2026 08.30" in page and "16.30" not in page
    bad = client.post(
        f"/audits/{audit.id}/agenda", data={"starts_at": "besok pagi", "subject": "8.5"}
    )
    assert bad.status_code == 422
    assert "Masukkan tanggal dan waktu" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 1
