"""The checklist without a signal, on the server side: the copy of an audit's checklist the
phone stores (only for the audit's team while it is in progress), the service worker at the
root of the site and the web app manifest, and the sync of a queued answer through the same
save as online: a row changed meanwhile is refused (409), never overwritten."""

from __future__ import annotations

import base64

import pytest
from flask_babel import force_locale

from qms.audits import checklist
from qms.audits.models import AuditStatus, ChecklistRow
from qms.core.roles import Role
from qms.extensions import db
from tests.factories import user_with_role
from tests.factories_audits import NC, make_world, plan_audit, started_audit

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def world(app):
    with force_locale("en"):
        yield make_world()


def test_the_team_takes_the_checklist_offline_with_what_it_needs(world, client, auth):
    audit = started_audit(world)
    first = audit.rows[0]
    checklist.record_row(world.member, first, NC, version=first.version)
    db.session.commit()
    auth.login(world.lead)
    response = client.get(f"/audits/{audit.id}/offline.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["audit"]["id"] == audit.id and data["audit"]["status"] == "in_progress"
    assert data["user"] == world.lead.id and data["csrf_token"]
    # the key the phone encrypts the lead's records with: 256 bits, the lead's own, the same
    # at every reading (a queue left at logout is read again at the next login)
    key = base64.b64decode(data["key"])
    assert len(key) == 32
    assert len(data["rows"]) == len(audit.rows)
    row = data["rows"][0]
    assert row["id"] == first.id and row["version"] == first.version
    assert row["result"] == "nonconform" and row["evidence"] == NC["evidence"]
    assert row["finding"] and row["changed_by"] == world.member.name and row["changed_at"]
    assert row["question"] and "typical_evidence" in row
    assert data["rows"][1]["result"] == "" and data["rows"][1]["changed_by"] == ""
    # the grades and the rules the phone checks a row against before it queues it
    assert {g["result"] for g in data["grades"]} >= {"nonconform", "observation"}
    assert data["rules"]["evidence_required"] == ["nonconform"]
    assert set(data["rules"]["messages"]) == {"grade", "evidence", "statement"}
    assert client.get(f"/audits/{audit.id}/offline.json").get_json()["key"] == data["key"]
    # the member of the team too, with a key of their own
    auth.logout()
    auth.login(world.member)
    theirs = client.get(f"/audits/{audit.id}/offline.json")
    assert theirs.status_code == 200 and theirs.get_json()["key"] != data["key"]


@pytest.mark.parametrize("who", ["outsider", "reviewer", "officer", "city_admin"])
def test_no_one_but_the_team_takes_the_checklist_offline(world, client, auth, who):
    audit = started_audit(world)
    user = {
        "outsider": user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Yohanes"),
        "reviewer": world.reviewer,
        "officer": world.officer,
        "city_admin": world.city_admin,
    }[who]
    auth.login(user)
    response = client.get(f"/audits/{audit.id}/offline.json")
    # the auditee's officer does not see the audit before its report; the others see it and
    # may not answer it (the BSN reviewer reads it, online)
    assert response.status_code == (404 if who == "officer" else 403)
    # the checklist page offers no offline copy to them either
    page = client.get(f"/audits/{audit.id}/checklist")
    if who != "officer":
        assert 'data-allowed="0"' in page.text and "data-offline-save" not in page.text


def test_a_planned_audit_is_not_taken_offline_and_its_page_removes_a_copy(world, client, auth):
    audit = plan_audit(world)
    db.session.commit()
    auth.login(world.lead)
    assert client.get(f"/audits/{audit.id}/offline.json").status_code == 403
    assert 'data-allowed="0"' in client.get(f"/audits/{audit.id}/checklist").text


def test_the_checklist_page_offers_the_offline_copy_to_the_team(world, client, auth):
    audit = started_audit(world)
    auth.login(world.lead)
    page = client.get(f"/audits/{audit.id}/checklist").text
    assert 'id="offline-panel"' in page and 'data-allowed="1"' in page
    assert f'data-snapshot="/audits/{audit.id}/offline.json"' in page
    assert "data-offline-save" in page and "js/offline.js" in page


def test_not_logged_in_there_is_no_copy(world, client):
    audit = started_audit(world)
    response = client.get(f"/audits/{audit.id}/offline.json")
    assert response.status_code in (302, 401)


def test_a_queued_answer_based_on_an_older_version_is_refused_not_written(world, client, auth):
    """What the sync sends: the row's answer with the version the copy held. A colleague's
    save in between makes it stale: 409, the colleague's answer stays."""
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.lead)
    copy = client.get(f"/audits/{audit.id}/offline.json").get_json()
    based_on = copy["rows"][0]["version"]
    checklist.record_row(
        world.member, row, {"result": "conform", "notes": "theirs"}, version=based_on
    )
    db.session.commit()
    sent = client.post(
        f"/audits/rows/{row.id}",
        data={
            "csrf_token": copy["csrf_token"],
            "result": "not_applicable",
            "notes": "mine",
            "version": based_on,
        },
        headers=FETCH,
    )
    assert sent.status_code == 409
    assert world.member.name in sent.get_json()["error"]["message"]
    db.session.expire_all()
    kept = db.session.get(ChecklistRow, row.id)
    assert kept.notes == "theirs" and kept.result.value == "conform"
    # sent again on the version that holds theirs (the auditor chose "keep mine"): saved
    fresh = client.get(f"/audits/{audit.id}/offline.json").get_json()["rows"][0]
    assert fresh["notes"] == "theirs" and fresh["changed_by"] == world.member.name
    again = client.post(
        f"/audits/rows/{row.id}",
        data={"result": "not_applicable", "notes": "mine", "version": fresh["version"]},
        headers=FETCH,
    )
    assert again.status_code == 200
    db.session.expire_all()
    assert db.session.get(ChecklistRow, row.id).notes == "mine"


def test_the_service_worker_and_the_manifest_are_served_by_the_app(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert "qms-offline" in worker.text
    worker.close()
    manifest = client.get("/static/manifest.webmanifest")
    assert manifest.status_code == 200
    data = manifest.get_json(force=True)
    manifest.close()
    assert data["display"] == "standalone" and data["start_url"] == "/"
    assert data["short_name"] and data["theme_color"]
    for icon in data["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
        image.close()
    login = client.get("/login").text
    assert 'rel="manifest"' in login and "/sw.js" in login


def test_a_reported_audit_tells_its_team_the_copy_is_closed_and_takes_no_answer(
    world, client, auth
):
    """The phones learn from the copy's address that the audit is reported: no rows, `open`
    false (they delete their copy); a queued answer sent anyway is refused, nothing written."""
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    assert client.get(f"/audits/{audit.id}/offline.json").get_json()["open"] is True
    audit.status = AuditStatus.REPORTED
    db.session.commit()
    answer = client.get(f"/audits/{audit.id}/offline.json")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    data = answer.get_json()
    assert data["open"] is False and data["rows"] == [] and data["audit"]["status"] == "reported"
    assert "dilaporkan" in data["message"]
    sent = client.post(
        f"/audits/rows/{row.id}",
        data={"result": "conform", "notes": "late", "version": row.version},
        headers=FETCH,
    )
    assert sent.status_code == 403
    db.session.expire_all()
    assert db.session.get(ChecklistRow, row.id).notes != "late"
    # outside the team it stays refused
    auth.logout()
    auth.login(world.reviewer)
    assert client.get(f"/audits/{audit.id}/offline.json").status_code == 403
