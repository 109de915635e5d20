"""Changing what exists: two auditors saving the same checklist row (optimistic locking), and
editing and archiving audit programmes, with the denials."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale
from sqlalchemy.orm import Session

from qms.audits import checklist, operations, workflow
from qms.audits.models import AuditProgramme, ChecklistRow, ProgrammeItem, RowResult
from qms.core.errors import PermissionDenied, StaleRecordError
from qms.core.roles import Role
from qms.extensions import db
from tests.factories import user_with_role
from tests.factories_audits import NC, make_world, plan_audit, started_audit

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def world(app):
    with force_locale("en"):
        yield make_world()


# --- optimistic locking of checklist rows ----------------------------------------------------


def test_a_stale_save_is_refused_naming_who_changed_the_row_and_its_value(world):
    audit = started_audit(world)
    row = audit.rows[0]
    read = row.version
    checklist.record_row(world.lead, row, {"result": "conform", "notes": "SOP ada"}, version=read)
    assert row.version == read + 1
    with pytest.raises(StaleRecordError) as refused:
        checklist.record_row(world.member, row, NC, version=read)
    message = str(refused.value.message)
    assert "Frans Tefa" in message and "Conform" in message and "SOP ada" in message
    db.session.expire_all()
    assert row.result == RowResult.CONFORM and row.finding is None
    # based on the current version, the member's save goes through
    checklist.record_row(world.member, row, NC, version=row.version)
    assert row.result == RowResult.NONCONFORM and row.changed_by_id == world.member.id


def test_every_save_moves_the_version_also_one_changing_only_the_finding(world):
    audit = started_audit(world)
    row = audit.rows[0]
    checklist.record_row(world.lead, row, NC, version=row.version)
    read = row.version
    checklist.update_finding(
        world.lead, row.finding, {"statement": "Dokumen lama dipakai"}, version=read
    )
    assert row.version == read + 1
    with pytest.raises(StaleRecordError) as refused:
        checklist.update_finding(world.member, row.finding, {"grade": "major"}, version=read)
    assert "Dokumen lama dipakai" in str(refused.value.message)
    db.session.expire_all()
    assert row.finding.grade == "minor"


def test_two_sessions_saving_at_once_the_second_is_refused(world, app):
    """Both requests read version 1; the first commits; the second's UPDATE finds the version
    moved on and becomes the same readable refusal, not a silent overwrite."""
    audit = started_audit(world)
    row = audit.rows[0]
    db.session.commit()
    other = Session(db.engine)
    try:
        theirs = other.get(ChecklistRow, row.id)
        theirs.result = RowResult.NOT_APPLICABLE
        checklist.record_row(world.lead, row, {"result": "conform"}, version=row.version)
        db.session.commit()
        with pytest.raises(Exception) as caught:
            other.flush()
        assert "StaleDataError" in type(caught.value).__name__
    finally:
        other.rollback()
        other.close()
    db.session.refresh(row)
    assert row.result == RowResult.CONFORM


def test_stale_data_at_the_flush_becomes_a_readable_error(world, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    audit = started_audit(world)
    row = audit.rows[0]

    def clash(*args, **kwargs):
        raise StaleDataError("row changed")

    monkeypatch.setattr(db.session, "flush", clash)
    with pytest.raises(StaleRecordError):
        checklist.record_row(world.lead, row, {"result": "conform"}, version=row.version)


def test_two_auditors_on_the_checklist_page(world, client, auth):
    audit = started_audit(world)
    row_id = audit.rows[0].id
    auth.login(world.lead)
    page = client.get(f"/audits/{audit.id}/checklist").get_data(as_text=True)
    assert 'name="version" value="1"' in page
    first = client.post(
        f"/audits/rows/{row_id}", data={"result": "conform", "version": 1}, headers=FETCH
    )
    assert first.status_code == 200 and first.get_json()["version"] == 2
    again = client.post(
        f"/audits/rows/{row_id}",
        data={"result": "conform", "notes": "dicek", "version": 2},
        headers=FETCH,
    )
    assert again.status_code == 200 and again.get_json()["version"] == 3
    auth.logout()

    auth.login(world.member)  # opened the page before the lead's saves
    stale = client.post(f"/audits/rows/{row_id}", data={**NC, "version": 1}, headers=FETCH)
    assert stale.status_code == 409
    message = stale.get_json()["error"]["message"]
    assert "Frans Tefa" in message and "dicek" in message
    # without JavaScript: back to the row, with the reason, and the row shows the lead's answer
    plain = client.post(f"/audits/rows/{row_id}", data={**NC, "version": 1})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#row-{row_id}")
    page = client.get(plain.headers["Location"]).get_data(as_text=True)
    assert "Frans Tefa" in page and 'name="version" value="3"' in page
    missing = client.post(f"/audits/rows/{row_id}", data=NC, headers=FETCH)
    assert missing.status_code == 422
    row = db.session.get(ChecklistRow, row_id)
    assert row.result == RowResult.CONFORM and row.notes == "dicek" and row.finding is None


def test_api_rows_and_findings_carry_the_version(world, api):
    audit = started_audit(world)
    lead = api.as_user(world.lead)
    rows = lead.get(f"/audits/{audit.id}/checklist").get_json()["data"]
    row_id, read = rows[0]["id"], rows[0]["version"]
    unversioned = lead.patch(f"/checklist-rows/{row_id}", json=NC)
    assert unversioned.status_code == 422
    assert list(unversioned.get_json()["error"]["fields"]) == ["version"]
    saved = lead.patch(f"/checklist-rows/{row_id}", json={**NC, "version": read})
    assert saved.status_code == 200 and saved.get_json()["data"]["version"] == read + 1
    member = api.as_user(world.member)
    stale = member.patch(f"/checklist-rows/{row_id}", json={"result": "conform", "version": read})
    assert stale.status_code == 409
    assert "Frans Tefa" in stale.get_json()["error"]["message"]
    finding = member.get(f"/audits/{audit.id}/findings").get_json()["data"][0]
    assert finding["version"] == read + 1
    stale_finding = member.patch(
        f"/findings/{finding['id']}", json={"grade": "major", "version": read}
    )
    assert stale_finding.status_code == 409
    regraded = member.patch(
        f"/findings/{finding['id']}", json={"grade": "major", "version": finding["version"]}
    )
    assert regraded.status_code == 200 and regraded.get_json()["data"]["grade"] == "major"


def test_only_the_team_saves_rows(world, client, auth, api):
    """A non-team auditor, the audited agency's officer, the city admin off the team, a BSN
    reviewer and a management viewer: none writes a row, on the page or through the API."""
    audit = started_audit(world)
    # an independent internal auditor of the city who is not on the audit's team
    outsider = user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Yohanes Lake")
    row_id = audit.rows[0].id
    answer = {"result": "conform", "version": 1}
    for user, page_status, api_status in (
        (outsider, 403, 403),
        (world.officer, 404, 404),  # not visible before the report is issued
        (world.city_admin, 403, 403),
        (world.reviewer, 303, 403),  # the read-only guard answers the page with a redirect
        (world.viewer, 303, 403),
    ):
        auth.login(user)
        assert client.post(f"/audits/rows/{row_id}", data=answer).status_code == page_status
        auth.logout()
        assert (
            api.as_user(user).patch(f"/checklist-rows/{row_id}", json=answer).status_code
            == api_status
        ), user.name
    assert db.session.get(ChecklistRow, row_id).result is None


# --- programmes ------------------------------------------------------------------------------


def _programme(world) -> tuple[AuditProgramme, ProgrammeItem]:
    programme = operations.create_programme(
        world.city_admin, world.city.id, {"year": 2026, "title": "Program 2026"}
    )
    item = operations.save_programme_item(
        world.city_admin,
        programme,
        {
            "agency_id": world.dukcapil.id,
            "kind": "internal",
            "planned_month": 10,
            "clause_numbers": ["7.5"],
            "reason": "Temuan tahun lalu",
        },
        None,
    )
    return programme, item


def test_edit_a_programme_and_its_items(world):
    programme, item = _programme(world)
    operations.update_programme(
        world.lead, programme, {"year": 2027, "title": "Program 2027", "objectives": "Semua"}
    )
    assert (programme.year, programme.title, programme.objectives) == (
        2027,
        "Program 2027",
        "Semua",
    )
    operations.save_programme_item(
        world.lead,
        programme,
        {
            "agency_id": world.bakeuda.id,
            "kind": "follow_up",
            "planned_month": 3,
            "clause_numbers": ["9", "8.5"],
            "reason": "Risiko tinggi",
        },
        item,
    )
    assert (item.agency_id, item.kind.value, item.planned_month) == (
        world.bakeuda.id,
        "follow_up",
        3,
    )
    assert item.clause_numbers == ["9", "8.5"] and item.reason == "Risiko tinggi"
    with pytest.raises(Exception, match="month"):
        operations.save_programme_item(
            world.lead,
            programme,
            {"agency_id": world.bakeuda.id, "kind": "internal", "planned_month": 13},
            item,
        )
    with pytest.raises(Exception, match="Unknown clause"):
        operations.save_programme_item(
            world.lead,
            programme,
            {
                "agency_id": world.bakeuda.id,
                "kind": "internal",
                "planned_month": 3,
                "clause_numbers": ["99"],
            },
            item,
        )


def test_programme_rules_once_audits_are_planned(world):
    programme, item = _programme(world)
    plan_audit(world, programme_item_id=item.id)
    with pytest.raises(Exception, match="year is fixed"):
        operations.update_programme(world.city_admin, programme, {"year": 2027})
    with pytest.raises(Exception, match="agency is fixed"):
        operations.save_programme_item(
            world.city_admin,
            programme,
            {"agency_id": world.setda.id, "kind": "internal", "planned_month": 11},
            item,
        )
    # the month and the reason may still move
    operations.save_programme_item(
        world.city_admin,
        programme,
        {"agency_id": world.dukcapil.id, "kind": "internal", "planned_month": 11},
        item,
    )
    assert item.planned_month == 11


def test_archived_programme_is_kept_read_only_and_keeps_its_year(world):
    programme, item = _programme(world)
    workflow.archive_programme(world.city_admin, programme)
    assert programme.is_archived
    for change in (
        lambda: operations.update_programme(world.city_admin, programme, {"title": "x"}),
        lambda: workflow.archive_programme(world.city_admin, programme),
        lambda: workflow.archive_programme_item(world.city_admin, item),
        lambda: operations.save_programme_item(
            world.city_admin,
            programme,
            {"agency_id": world.dukcapil.id, "kind": "internal", "planned_month": 5},
            None,
        ),
    ):
        with pytest.raises(PermissionDenied):
            change()
    with pytest.raises(Exception, match="archived programme"):
        operations.create_programme(world.city_admin, world.city.id, {"year": 2026, "title": "B"})
    assert db.session.get(AuditProgramme, programme.id) is not None  # never deleted


def test_programme_changes_are_refused_to_others(world):
    programme, item = _programme(world)
    for user in (world.officer, world.outsider_auditor, world.reviewer, world.viewer):
        with pytest.raises(PermissionDenied):
            operations.update_programme(user, programme, {"title": "x"})
        with pytest.raises(PermissionDenied):
            workflow.archive_programme(user, programme)
        with pytest.raises(PermissionDenied):
            operations.save_programme_item(
                user,
                programme,
                {"agency_id": world.dukcapil.id, "kind": "internal", "planned_month": 5},
                item,
            )


def test_programme_pages(world, client, auth):
    programme, item = _programme(world)
    auth.login(world.lead)
    assert client.get(f"/audits/programmes/{programme.id}/edit").status_code == 200
    edited = client.post(
        f"/audits/programmes/{programme.id}/edit",
        data={"year": 2026, "title": "Program AMI 2026", "objectives": "Klausul 7-10"},
    )
    assert edited.status_code == 302
    form = client.get(f"/audits/programme-items/{item.id}/edit").get_data(as_text=True)
    assert "Temuan tahun lalu" in form and 'value="7.5"' in form
    bad = client.post(
        f"/audits/programme-items/{item.id}/edit",
        data={"agency_id": world.dukcapil.id, "kind": "internal", "planned_month": 0},
    )
    assert bad.status_code == 422
    saved = client.post(
        f"/audits/programme-items/{item.id}/edit",
        data={
            "agency_id": world.setda.id,
            "kind": "stage_1",
            "planned_month": 4,
            "clause_numbers": "7.5, 9.3",
            "reason": "Persiapan sertifikasi",
        },
    )
    assert saved.status_code == 302
    page = client.get(f"/audits/programmes/{programme.id}").get_data(as_text=True)
    assert "Program AMI 2026" in page and "Persiapan sertifikasi" in page and "4/2026" in page
    assert "<td>Frans Tefa</td>" in page  # the history names who changed it
    assert client.post(f"/audits/programmes/{programme.id}/archive").status_code == 302
    page = client.get(f"/audits/programmes/{programme.id}").get_data(as_text=True)
    assert "diarsipkan</span>" in page and f"/audits/programmes/{programme.id}/edit" not in page
    assert client.get(f"/audits/programmes/{programme.id}/edit").status_code == 403
    assert "Program AMI 2026" in client.get("/audits/").get_data(as_text=True)
    auth.logout()
    auth.login(world.officer)  # reads the city's programme (when is my agency audited?)
    assert client.get(f"/audits/programmes/{programme.id}").status_code == 200
    assert client.get(f"/audits/programmes/{programme.id}/edit").status_code == 403
    assert client.post(f"/audits/programmes/{programme.id}/archive").status_code == 403


def test_programme_api(world, api):
    programme, item = _programme(world)
    planner = api.as_user(world.lead)
    patched = planner.patch(f"/audit-programmes/{programme.id}", json={"title": "Baru"})
    assert patched.status_code == 200
    assert patched.get_json()["data"]["title"] == "Baru"
    assert patched.get_json()["data"]["year"] == 2026
    moved = planner.patch(f"/audit-programme-items/{item.id}", json={"planned_month": 6})
    assert moved.status_code == 200
    assert moved.get_json()["data"]["items"][0]["planned_month"] == 6
    assert moved.get_json()["data"]["items"][0]["reason"] == "Temuan tahun lalu"
    bad = planner.patch(f"/audit-programme-items/{item.id}", json={"planned_month": 13})
    assert bad.status_code == 422
    for user in (world.reviewer, world.viewer, world.outsider_auditor):
        assert (
            api.as_user(user).patch(f"/audit-programmes/{programme.id}", json={"title": "x"})
        ).status_code in (403, 404)
    api.as_user(world.officer)  # reads the programme, changes nothing
    assert api.get(f"/audit-programmes/{programme.id}").status_code == 200
    assert api.patch(f"/audit-programme-items/{item.id}", json={}).status_code == 403
    planner = api.as_user(world.lead)
    removed = planner.post(f"/audit-programme-items/{item.id}/archive")
    assert removed.status_code == 200 and removed.get_json()["data"]["items"] == []
    archived = api.as_user(world.lead).post(f"/audit-programmes/{programme.id}/archive")
    assert archived.status_code == 200 and archived.get_json()["data"]["archived"] is True
    assert api.patch(f"/audit-programmes/{programme.id}", json={"title": "x"}).status_code == 403
    listed = api.get("/audit-programmes").get_json()["data"]
    assert [p["archived"] for p in listed] == [True]


# --- the standard's name ---------------------------------------------------------------------


def test_audit_pages_name_the_standard_by_its_title_in_the_users_language(world, client, auth):
    audit = plan_audit(world)
    auth.login(world.lead)
    for path in (f"/audits/{audit.id}/checklist", f"/audits/{audit.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Standar uji" in page and world.standard.code in page, path
    world.lead.locale = "en"
    db.session.commit()
    page = client.get(f"/audits/{audit.id}/checklist").get_data(as_text=True)
    assert "Test standard" in page


# --- who writes the checklist ----------------------------------------------------------------


def test_only_the_team_adds_copies_or_generates_rows(world, client, auth):
    audit = plan_audit(world)
    clause_id = world.standard.clauses[1].id
    outsider = user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Yohanes Lake")
    for user in (world.city_admin, outsider):
        with pytest.raises(PermissionDenied, match="team"):
            checklist.add_row(user, audit, clause_id, "Pertanyaan?")
        with pytest.raises(PermissionDenied):
            checklist.add_standard_questions(user, audit)
    assert audit.rows == []
    auth.login(world.city_admin)
    page = client.get(f"/audits/{audit.id}/checklist").get_data(as_text=True)
    assert f"/audits/{audit.id}/checklist/rows" not in page
    refused = client.post(
        f"/audits/{audit.id}/checklist/rows", data={"clause_id": clause_id, "text": "Q?"}
    )
    assert refused.status_code == 403
    auth.logout()
    auth.login(world.lead)
    page = client.get(f"/audits/{audit.id}/checklist").get_data(as_text=True)
    assert f"/audits/{audit.id}/checklist/rows" in page
    added = client.post(
        f"/audits/{audit.id}/checklist/rows", data={"clause_id": clause_id, "text": "Q?"}
    )
    assert added.status_code == 303
    assert [r.text for r in db.session.get(type(audit), audit.id).rows] == ["Q?"]


def test_the_audited_agencys_officer_reads_findings_through_the_api_once_reported(world, api):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    finding_id = audit.rows[0].finding.id
    officer = api.as_user(world.officer)
    assert officer.get(f"/audits/{audit.id}/findings").status_code == 404
    assert officer.get(f"/findings/{finding_id}").status_code == 404
    workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    db.session.commit()
    assert officer.get(f"/findings/{finding_id}").get_json()["data"]["grade"] == "minor"
    assert [f["id"] for f in officer.get(f"/audits/{audit.id}/findings").get_json()["data"]] == [
        finding_id
    ]
    # reading is not writing
    refused = officer.patch(f"/findings/{finding_id}", json={"grade": "major", "version": 99})
    assert refused.status_code == 403


def test_an_audit_patch_changes_only_what_it_sends(world, api):
    """The fields left out keep their values, the meeting times included (they are read and
    written in the offices' time zone)."""
    audit = plan_audit(world)
    operations.update_audit(
        world.lead,
        audit,
        {"opening_meeting_at": datetime(2026, 10, 13, 0, 30)},  # 08.30 WITA
    )
    db.session.commit()
    patched = api.as_user(world.lead).patch(f"/audits/{audit.id}", json={"conclusion": "Baik"})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["data"]["conclusion"] == "Baik"
    db.session.expire_all()
    assert audit.opening_meeting_at == datetime(2026, 10, 13, 0, 30)
    assert audit.scope_clauses == ["7.5", "8", "9.3"] and audit.lead_auditor_id == world.lead.id
