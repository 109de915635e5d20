"""Audit findings flow to corrective actions: the nonconformity raised when the report is issued,
the links both ways with access, and the rule that an audit closes only once every plan is
accepted. Issue 5's "done when" runs here through the pages and, shorter, through the API."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.audits import checklist, follow_up
from qms.audits import workflow as audit_workflow
from qms.audits.models import AuditStatus, Finding
from qms.capa import findings as capa_findings
from qms.capa import operations, workflow
from qms.capa.models import NcGrade, NcSource, NcStatus, Nonconformity, VerificationResult
from qms.core.errors import DomainError
from qms.core.timeutil import today
from qms.extensions import db
from tests.factories_audits import NC, make_world, started_audit
from tests.factories_capa import PDF, walk_to_plan_submitted

MAJOR = {
    "result": "nonconform",
    "grade": "major",
    "evidence": "Notulen RTM terakhir bertanggal 14 Agustus 2025.",
    "statement": "Tinjauan manajemen tidak dilaksanakan dalam 12 bulan terakhir.",
}


@pytest.fixture
def world(app):
    with force_locale("en"):
        yield make_world()


def nc_count() -> int:
    return db.session.scalar(select(func.count(Nonconformity.id)))


def reported_audit(world, rows: dict[int, dict]):
    """An audit of Dinas Dukcapil with the given answers (row index → values), the other rows
    conform, reported by the lead auditor."""
    audit = started_audit(world)
    for index, row in enumerate(audit.rows):
        checklist.record_row(world.lead, row, rows.get(index, {"result": "conform"}))
    audit_workflow.transition(world.lead, audit, "report")
    db.session.commit()
    return audit


# --- raising ----------------------------------------------------------------------------------


def test_major_and_minor_findings_become_nonconformities_when_the_report_is_issued(world):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], MAJOR)
    checklist.record_row(world.lead, audit.rows[1], NC)  # minor
    checklist.record_row(world.lead, audit.rows[2], {"result": "observation", "statement": "Antre"})
    checklist.record_row(world.lead, audit.rows[3], {"result": "opportunity", "statement": "SMS"})
    # the findings are the team's working file until the report: nothing is raised yet
    assert nc_count() == 0
    audit_workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    major, minor, observation, ofi = audit.active_findings
    assert nc_count() == 2
    assert observation.nonconformity is None and ofi.nonconformity is None
    for finding, grade, days in ((major, NcGrade.MAJOR, 30), (minor, NcGrade.MINOR, 60)):
        nc = finding.nonconformity
        assert nc is operations.nonconformity_for_finding(finding.id)
        assert nc.finding is finding
        assert nc.source == NcSource.INTERNAL_AUDIT and nc.source_reference == finding.number
        assert nc.grade == grade and nc.clause == finding.clause.number
        assert (nc.requirement, nc.evidence, nc.statement) == (
            finding.requirement,
            finding.evidence,
            finding.statement,
        )
        assert nc.raised_by_id == world.lead.id and nc.auditor_id == world.lead.id
        assert nc.agency_id == world.dukcapil.id and nc.raised_on == today()
        assert nc.due_date == finding.due_date == today() + timedelta(days=days)
        assert nc.status == NcStatus.OPEN
    assert major.nonconformity.number == f"KTS-{today().year}-DUKCAPIL-001"


def test_raising_is_idempotent(world):
    audit = reported_audit(world, {0: MAJOR})
    finding = audit.active_findings[0]
    first = finding.nonconformity
    capa_findings.raise_for_report(world.lead, audit)
    assert capa_findings.raise_for_finding(finding) is first
    assert nc_count() == 1


def test_the_city_admin_issuing_the_report_still_raises_in_the_lead_auditors_name(world):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], MAJOR)
    audit_workflow.transition(world.city_admin, audit, "report", confirm_unanswered=True)
    nc = audit.active_findings[0].nonconformity
    assert nc.raised_by_id == world.lead.id and nc.auditor_id == world.lead.id


def test_findings_are_fixed_once_the_report_is_issued(world):
    """No finding can be added or changed after the report, so the nonconformity always
    matches its finding."""
    audit = reported_audit(world, {0: MAJOR})
    finding = audit.active_findings[0]
    with pytest.raises(DomainError):
        checklist.update_finding(world.lead, finding, {"grade": "observation"})
    db.session.rollback()
    with pytest.raises(DomainError):
        checklist.record_row(world.lead, audit.rows[1], NC)
    db.session.rollback()
    assert finding.grade == "major" and nc_count() == 1


def test_its_nonconformity_keeps_the_findings_fields_and_is_never_archived(
    world, client, auth, api
):
    """The finding is the audit's final record: on its nonconformity the agency may fill in
    the unit, process, internal criterion and auditee representative, but not what the finding
    says, nor take it out of the register (tests/test_capa_edit_archive.py for the rest)."""
    audit = reported_audit(world, {0: MAJOR})
    nc = audit.active_findings[0].nonconformity
    operations.update_details(
        world.officer,
        nc,
        {"process": "Penerbitan KTP-el", "statement": f" {MAJOR['statement']} "},  # unchanged
    )
    db.session.commit()
    assert nc.process == "Penerbitan KTP-el" and nc.version == 2
    with pytest.raises(DomainError) as locked:
        operations.update_details(world.officer, nc, {"statement": "Lain."})
    assert locked.value.field == "statement"
    db.session.rollback()
    with pytest.raises(DomainError, match="audit's record"):
        operations.archive(world.city_admin, nc, "Salah diterbitkan.")
    db.session.rollback()

    auth.login(world.officer)
    page = client.get(f"/capa/{nc.id}/edit").get_data(as_text=True)
    assert MAJOR["evidence"] in page  # shown, not editable
    assert 'name="statement"' not in page and 'name="evidence"' not in page
    assert 'name="auditee_representative"' in page and 'name="auditor_id"' not in page
    saved = client.post(
        f"/capa/{nc.id}/edit",
        data={
            "version": 2,
            "process_or_service": "Penerbitan KTP-el",
            "auditee_representative": "Kepala Bidang Pelayanan",
            "statement": "Diabaikan: bukan bagian dari formulir.",
        },
    )
    assert saved.status_code == 302
    assert f"/capa/{nc.id}/archive" not in client.get(f"/capa/{nc.id}").get_data(as_text=True)
    db.session.refresh(nc)
    assert nc.auditee_representative == "Kepala Bidang Pelayanan"
    assert nc.statement == MAJOR["statement"] and nc.auditor_id == world.lead.id

    api.as_user(world.officer)
    refused = api.patch(f"/nonconformities/{nc.id}", json={"version": 3, "evidence": "Lain."})
    assert refused.status_code == 422 and "evidence" in refused.get_json()["error"]["fields"]
    archive = api.post(f"/nonconformities/{nc.id}/archive", json={"version": 3, "reason": "x"})
    assert archive.status_code == 422
    db.session.refresh(nc)
    assert nc.evidence == MAJOR["evidence"] and not nc.is_archived and nc.version == 3


def test_a_failed_raise_leaves_the_report_unissued(world, monkeypatch):
    """The report and its nonconformities are one transaction: no report without them."""
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], MAJOR)
    db.session.commit()

    def refuse(**values):
        raise DomainError("The register is closed for maintenance.")

    monkeypatch.setattr(operations, "raise_from_finding", refuse)
    with pytest.raises(DomainError):
        audit_workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    db.session.rollback()
    assert audit.status == AuditStatus.IN_PROGRESS and nc_count() == 0


# --- the close rule ---------------------------------------------------------------------------


def test_the_audit_closes_once_every_plan_is_accepted(world):
    audit = reported_audit(world, {0: MAJOR, 1: NC})
    major, minor = (f.nonconformity for f in audit.active_findings)
    for nc in (major, minor):
        walk_to_plan_submitted(world, nc)
    workflow.transition(world.lead, major, "accept_plan")
    with pytest.raises(DomainError, match=audit.active_findings[1].number):
        audit_workflow.transition(world.lead, audit, "close")
    assert follow_up.findings_lacking_follow_up(audit) == [audit.active_findings[1]]
    workflow.transition(world.lead, minor, "accept_plan")
    audit_workflow.transition(world.lead, audit, "close")
    assert audit.status == AuditStatus.CLOSED


def test_a_failed_verification_keeps_the_audit_open_again(world):
    audit = reported_audit(world, {0: MAJOR})
    nc = audit.active_findings[0].nonconformity
    walk_to_plan_submitted(world, nc)
    workflow.transition(world.lead, nc, "accept_plan")
    operations.complete_action(
        world.officer, nc.current_actions[0], evidence=io.BytesIO(PDF), filename="rtm.pdf"
    )
    workflow.transition(world.officer, nc, "mark_implemented")
    workflow.transition(world.lead, nc, "verify_not_effective", {"note": "Tanpa masukan audit."})
    with pytest.raises(DomainError):
        audit_workflow.transition(world.lead, audit, "close")


# --- links and access -------------------------------------------------------------------------


def test_links_both_ways_follow_what_each_user_may_see(world, client, auth):
    audit = reported_audit(world, {0: MAJOR})
    finding = audit.active_findings[0]
    nc = finding.nonconformity
    nc_link = f'href="/capa/{nc.id}"'
    finding_link = f'href="/audits/findings/{finding.id}"'
    audit_link = f'href="/audits/{audit.id}"'
    outsider = make_city_auditor(world)
    # (user, sees the finding page, sees the nonconformity page)
    cases = [
        (world.lead, True, True),
        (world.member, True, True),  # the team stands behind its findings
        (world.officer, True, True),  # the audited agency, once the report is issued
        (world.city_admin, True, True),
        (world.viewer, True, True),
        (world.reviewer, True, True),
        (outsider, True, False),  # an auditor of the city: reads audits, not this register
        (world.other_officer, False, False),  # another agency
    ]
    for user, sees_finding, sees_nc in cases:
        auth.login(user)
        finding_page = client.get(f"/audits/findings/{finding.id}")
        assert finding_page.status_code == (200 if sees_finding else 404), user.name
        nc_page = client.get(f"/capa/{nc.id}")
        assert nc_page.status_code == (200 if sees_nc else 404), user.name
        if sees_finding:
            html = finding_page.get_data(as_text=True)
            assert nc.number in html
            assert (nc_link in html) == sees_nc, user.name
            for page in (f"/audits/{audit.id}", f"/audits/{audit.id}/report"):
                html = client.get(page).get_data(as_text=True)
                assert nc.number in html and (nc_link in html) == sees_nc, page
        if sees_nc:
            html = nc_page.get_data(as_text=True)
            assert finding.number in html and audit.reference in html
            assert (finding_link in html) == sees_finding and (audit_link in html) == sees_finding
        auth.logout()


def make_city_auditor(world):
    from qms.core.roles import Role
    from tests.factories import user_with_role

    return user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Yakobus Pah")


def test_an_observation_page_says_no_corrective_action_is_needed(world, client, auth):
    audit = reported_audit(world, {2: {"result": "observation", "statement": "Antrean"}})
    auth.login(world.lead)
    page = client.get(f"/audits/findings/{audit.active_findings[0].id}").get_data(as_text=True)
    assert "tidak memerlukan tindakan korektif" in page


def test_the_finding_api_names_its_nonconformity(world, api):
    audit = reported_audit(world, {0: MAJOR, 2: {"result": "observation", "statement": "x"}})
    major, observation = audit.active_findings
    body = api.as_user(world.officer).get(f"/audits/{audit.id}/findings").get_json()
    by_number = {f["number"]: f for f in body["data"]}
    assert by_number[major.number]["nonconformity"] == {
        "id": major.nonconformity.id,
        "number": major.nonconformity.number,
    }
    assert by_number[observation.number]["nonconformity"] is None


# --- issue 5's "done when" --------------------------------------------------------------------


def _step(client, nc: Nonconformity, name: str, **data):
    db.session.refresh(nc)
    response = client.post(f"/capa/{nc.id}/step/{name}", data={"version": nc.version, **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(nc)


def _plan(client, nc: Nonconformity, description: str) -> None:
    db.session.refresh(nc)
    added = client.post(
        f"/capa/{nc.id}/actions",
        data={
            "version": nc.version,
            "kind": "corrective",
            "description": description,
            "owner": "Sekretaris Dinas",
            "due_date": today().isoformat(),
        },
    )
    assert added.status_code == 302
    _step(client, nc, "submit_plan", effectiveness_check_on=today().isoformat())


def _implement(client, nc: Nonconformity, filename: str) -> None:
    for action in nc.current_actions:
        db.session.refresh(nc)
        done = client.post(
            f"/capa/actions/{action.id}/done",
            data={
                "version": nc.version,
                "note": "Notulen dan daftar hadir terlampir.",
                "file": (io.BytesIO(PDF), filename),
            },
            content_type="multipart/form-data",
        )
        assert done.status_code == 302
    _step(client, nc, "mark_implemented")


def _close_refused(client, auth, world, audit) -> None:
    auth.login(world.lead)
    refused = client.post(f"/audits/{audit.id}/transition/close")
    assert refused.status_code == 303
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert audit.active_findings[0].number in page
    # the step is not offered while it would be refused, and the page says why
    assert f"/audits/{audit.id}/transition/close" not in page
    assert "Masih terbuka: " in page
    auth.logout()
    db.session.refresh(audit)
    assert audit.status == AuditStatus.REPORTED


def test_done_when_a_major_finding_flows_to_closed_and_the_audit_closes(world, client, auth):
    """Issue 5: a major finding from an audit of Dinas Dukcapil flows to a nonconformity,
    through correction, 5-why, plan, acceptance, implementation with evidence, a failed
    verification, a second plan and an effective verification to closed; the audit closes
    then, and not before the plan was accepted."""
    audit = started_audit(world)
    auth.login(world.lead)
    rows = [r.id for r in audit.rows]
    assert client.post(f"/audits/rows/{rows[0]}", data={**MAJOR, "version": 1}).status_code == 303
    observation = {"result": "observation", "grade": "observation", "statement": "Antrean"}
    assert (
        client.post(f"/audits/rows/{rows[1]}", data={**observation, "version": 1}).status_code
        == 303
    )
    assert client.post(f"/audits/{audit.id}/transition/report", data={"confirm": "1"}).status_code
    auth.logout()
    db.session.expire_all()
    assert audit.status == AuditStatus.REPORTED
    finding = db.session.scalar(select(Finding).where(Finding.grade == "major"))
    nc = finding.nonconformity
    assert nc is not None and nc_count() == 1  # the observation raises none
    _close_refused(client, auth, world, audit)

    # the agency's quality officer: correction, 5-why, the first plan
    auth.login(world.officer)
    assert nc.number in client.get("/capa/").get_data(as_text=True)
    _step(client, nc, "record_correction", correction="Jadwal RTM ditetapkan Kepala Dinas.")
    _step(
        client,
        nc,
        "analyse_cause",
        why_1="RTM tidak dijadwalkan.",
        why_2="Tidak ada kalender kegiatan SMM.",
        why_3="Wakil manajemen baru belum mendapat serah terima.",
        why_4="Tidak ada prosedur serah terima jabatan mutu.",
        why_5="Peran SMM tidak tercantum dalam uraian tugas.",
        cause_category="method",
        root_cause="Peran dan jadwal SMM tidak ditetapkan secara tertulis.",
        occurs_elsewhere="no",
    )
    assert len(nc.why_steps) == 5
    _plan(client, nc, "Tetapkan kalender SMM dan laksanakan RTM.")
    assert nc.status == NcStatus.PLAN_SUBMITTED
    auth.logout()
    _close_refused(client, auth, world, audit)  # submitted is not accepted

    # the lead auditor accepts; the audit could close from here on
    auth.login(world.lead)
    _step(client, nc, "accept_plan")
    auth.logout()
    assert follow_up.findings_lacking_follow_up(audit) == []

    # implemented with evidence, but the check finds it not effective: a second plan
    auth.login(world.officer)
    _implement(client, nc, "notulen-rtm-1.pdf")
    auth.logout()
    auth.login(world.lead)
    _step(client, nc, "verify_not_effective", note="RTM tanpa masukan hasil audit dan SKM.")
    assert nc.status == NcStatus.REOPENED and nc.plan_round == 2
    auth.logout()
    _close_refused(client, auth, world, audit)  # the plan in force is not accepted any more

    auth.login(world.officer)
    _plan(client, nc, "Ulangi RTM dengan seluruh masukan 9.3.2.")
    auth.logout()
    auth.login(world.lead)
    _step(client, nc, "accept_plan")
    auth.logout()
    auth.login(world.officer)
    _implement(client, nc, "notulen-rtm-2.pdf")
    auth.logout()
    auth.login(world.lead)
    _step(client, nc, "verify_effective", note="Notulen RTM memuat semua masukan 9.3.2.")
    _step(client, nc, "close")
    assert nc.status == NcStatus.CLOSED
    assert [c.result for c in nc.checks] == [
        VerificationResult.NOT_EFFECTIVE,
        VerificationResult.EFFECTIVE,
    ]
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert "notulen-rtm-1.pdf" in page and "notulen-rtm-2.pdf" in page
    assert f'href="/audits/findings/{finding.id}"' in page

    closed = client.post(f"/audits/{audit.id}/transition/close")
    assert closed.status_code == 302
    db.session.refresh(audit)
    assert audit.status == AuditStatus.CLOSED


def test_done_when_through_the_api(world, api):
    audit = started_audit(world)
    lead = api.as_user(world.lead)
    rows = lead.get(f"/audits/{audit.id}/checklist").get_json()["data"]
    assert (
        lead.patch(
            f"/checklist-rows/{rows[0]['id']}", json={**MAJOR, "version": rows[0]["version"]}
        ).status_code
        == 200
    )
    reported = lead.post(
        f"/audits/{audit.id}/transitions/report", json={"confirm_unanswered": True}
    )
    assert reported.status_code == 200
    finding = lead.get(f"/audits/{audit.id}/findings").get_json()["data"][0]
    nc_id = finding["nonconformity"]["id"]
    assert lead.post(f"/audits/{audit.id}/transitions/close").status_code == 422

    def step(user, name, **data):
        client = api.as_user(user)
        version = client.get(f"/nonconformities/{nc_id}").get_json()["data"]["version"]
        response = client.post(
            f"/nonconformities/{nc_id}/transitions/{name}", json={"version": version, **data}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]

    def plan_and_implement(description):
        officer = api.as_user(world.officer)
        version = officer.get(f"/nonconformities/{nc_id}").get_json()["data"]["version"]
        added = officer.post(
            f"/nonconformities/{nc_id}/actions",
            json={
                "version": version,
                "kind": "corrective",
                "description": description,
                "owner": "Sekretaris Dinas",
                "due_date": today().isoformat(),
            },
        )
        assert added.status_code == 201
        step(world.officer, "submit_plan", effectiveness_check_on=today().isoformat())
        step(world.lead, "accept_plan")
        officer = api.as_user(world.officer)
        version = officer.get(f"/nonconformities/{nc_id}").get_json()["data"]["version"]
        done = officer.client.post(
            f"/api/v1/actions/{added.get_json()['data']['id']}/done",
            data={"version": version, "file": (io.BytesIO(PDF), "bukti.pdf")},
            headers=officer._headers(),
            content_type="multipart/form-data",
        )
        assert done.status_code == 200, done.get_json()
        step(world.officer, "mark_implemented")

    assert step(world.officer, "record_correction", correction="RTM dijadwalkan.")
    step(
        world.officer,
        "analyse_cause",
        why_1="Belum dijadwalkan.",
        cause_category="method",
        root_cause="Tidak ada kalender SMM.",
        occurs_elsewhere="no",
    )
    plan_and_implement("Laksanakan RTM.")
    step(world.lead, "verify_not_effective", note="Tanpa masukan audit.")
    assert api.as_user(world.lead).post(f"/audits/{audit.id}/transitions/close").status_code == 422
    plan_and_implement("Ulangi RTM lengkap.")
    step(world.lead, "verify_effective", note="Lengkap.")
    assert step(world.lead, "close")["status"] == "closed"
    closed = api.as_user(world.lead).post(f"/audits/{audit.id}/transitions/close")
    assert closed.status_code == 200


def test_the_command_raises_what_audits_reported_before_the_link_lack(world, runner, monkeypatch):
    monkeypatch.setattr(follow_up, "report_listeners", [])  # as before the two were wired
    audit = reported_audit(world, {0: MAJOR, 1: NC})
    assert nc_count() == 0
    first = runner.invoke(args=["qms", "raise-audit-nonconformities"])
    assert "2 nonconformity(ies) raised" in first.output
    again = runner.invoke(args=["qms", "raise-audit-nonconformities"])
    assert "0 nonconformity(ies) raised" in again.output
    db.session.expire_all()
    assert all(f.nonconformity.raised_by_id == world.lead.id for f in audit.active_findings)
