"""The checklist as a field tool, on the server side: every error of a row at once, the JSON
the page's script reads after a save and after attaching evidence in place, completion apart
from compliance, the row filters without JavaScript, the audit's stepper, and who is refused."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.audits import checklist, figures, queries, workflow
from qms.audits.models import ChecklistRow, Finding
from qms.core.errors import ValidationFailed
from qms.core.roles import Role
from qms.extensions import db
from qms.files.models import StoredFile
from tests.factories import user_with_role
from tests.factories_audits import NC, make_world, plan_audit, started_audit

FETCH = {"X-Requested-With": "fetch"}
PROVISIONAL = '<span class="badge">sementara</span>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(app):
    with force_locale("en"):
        yield make_world()


def _article(page: str, row_id: int) -> str:
    return re.search(rf'<article[^>]* id="row-{row_id}"[^>]*>.*?</article>', page, re.S).group(0)


# --- the service: every error at once ------------------------------------------------------


def test_a_finding_without_grade_evidence_and_statement_is_refused_with_every_reason(world):
    audit = started_audit(world)
    row = audit.rows[0]
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        checklist.record_row(world.lead, row, {"result": "nonconform"})
    assert set(refused.value.errors) == {"grade", "evidence", "statement"}
    db.session.rollback()
    assert db.session.scalar(select(func.count(Finding.id))) == 0
    # an observation needs no evidence; its one grade is taken when none is chosen
    with pytest.raises(ValidationFailed) as refused:
        checklist.record_row(world.lead, audit.rows[1], {"result": "observation"})
    assert set(refused.value.errors) == {"statement"}


def test_completion_counts_every_answer_and_stands_apart_from_compliance(world):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    checklist.record_row(world.lead, audit.rows[1], {"result": "conform"})
    checklist.record_row(world.lead, audit.rows[2], {"result": "not_applicable"})
    done = figures.completion(audit.rows)
    assert (done.answered, done.total) == (3, 6) and not done.complete
    # compliance is of the assessed rows only (not applicable is not assessed)
    assert figures.tally(audit.rows).compliance == pytest.approx(0.5)
    sections = queries.checklist_sections(audit)
    assert [(s.number, s.completion.answered, s.completion.total) for s in sections] == [
        ("7", 2, 2),
        ("8", 1, 2),
        ("9", 0, 2),
    ]
    assert sections[0].title == "Clause 7"


def test_the_audit_stages_mark_the_done_ones_and_where_it_stands(world):
    audit = plan_audit(world)
    stages = workflow.stages(audit)
    assert [(s.key, s.done, s.current) for s in stages] == [
        ("planned", False, True),
        ("in_progress", False, False),
        ("reported", False, False),
        ("closed", False, False),
    ]
    workflow.transition(world.lead, audit, "start")
    checklist.record_row(world.lead, audit.rows[0], {"result": "conform"})
    stages = workflow.stages(audit)
    assert [(s.done, s.current) for s in stages] == [
        (True, False),
        (False, True),
        (False, False),
        (False, False),
    ]
    assert "1 of 6 answered" in stages[1].note


# --- the pages ---------------------------------------------------------------------------------


def test_a_row_saved_in_the_background_answers_what_its_badge_and_version_need(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.lead)
    saved = client.post(
        f"/audits/rows/{row.id}", data={**NC, "version": row.version}, headers=FETCH
    )
    assert saved.status_code == 200
    answer = saved.get_json()
    finding = db.session.scalar(select(Finding))
    assert answer["result"] == "nonconform" and answer["version"] == row.version
    assert answer["finding"] == finding.number
    assert answer["finding_url"] == f"/audits/findings/{finding.id}"


def test_a_refused_row_answers_every_field_error_at_once(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.lead)
    typed = {"result": "nonconform", "notes": "Dicek", "version": row.version}
    refused = client.post(f"/audits/rows/{row.id}", data=typed, headers=FETCH)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["status"] == 422
    assert set(error["fields"]) == {"grade", "evidence", "statement"}
    # without JavaScript: the row comes back as typed, each error at its own field
    page = client.post(f"/audits/rows/{row.id}", data=typed)
    assert page.status_code == 422
    mine = _article(page.get_data(as_text=True), row.id)
    for name in ("grade", "evidence", "statement"):
        assert re.search(rf'class="field has-error" data-field="{name}"', mine), name
    assert "Dicek" in mine
    db.session.expire_all()
    assert db.session.get(ChecklistRow, row.id).result is None


def test_evidence_attached_in_the_background_is_answered_for_the_row(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    attached = client.post(
        f"/audits/rows/{row.id}/files",
        data={"file": (io.BytesIO(PNG), "loket 2.png"), "description": "Papan informasi"},
        headers=FETCH,
        content_type="multipart/form-data",
    )
    assert attached.status_code == 200
    file = attached.get_json()["file"]
    stored = db.session.scalar(select(StoredFile))
    assert file == {
        "id": stored.id,
        "name": "loket 2.png",
        "description": "Papan informasi",
        "url": f"/files/{stored.id}",
    }
    assert stored.owner_id == row.id
    # the row is untouched: attaching is not answering
    db.session.expire_all()
    assert db.session.get(ChecklistRow, row.id).result is None
    # a file of a type not accepted, and no file, are refused at the file field
    for data in ({"file": (io.BytesIO(b"MZ not a document"), "x.exe")}, {}):
        refused = client.post(
            f"/audits/rows/{row.id}/files",
            data=data,
            headers=FETCH,
            content_type="multipart/form-data",
        )
        assert refused.status_code == 422
        assert list(refused.get_json()["error"]["fields"]) == ["file"]
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1


def test_without_javascript_an_attached_file_is_confirmed_at_its_row(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[1]
    auth.login(world.lead)
    posted = client.post(
        f"/audits/rows/{row.id}/files",
        data={"file": (io.BytesIO(PNG), "bukti.png")},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 303
    assert posted.headers["Location"].endswith(f"?attached={row.id}#row-{row.id}")
    mine = _article(client.get(posted.headers["Location"]).get_data(as_text=True), row.id)
    assert "bukti.png" in mine and '<details class="attach" open>' in mine
    assert "Berkas bukti telah dilampirkan." in mine


@pytest.mark.parametrize("who", ["outsider", "reviewer", "officer"])
def test_only_the_team_answers_or_attaches(world, client, auth, who):
    """An auditor of the city who is not on the audit, a BSN reviewer and the auditee's
    quality officer are refused, as JSON for the page's script; nothing is written."""
    audit = started_audit(world)
    row = audit.rows[0]
    user = {
        "outsider": user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Yohanes"),
        "reviewer": world.reviewer,
        "officer": world.officer,
    }[who]
    auth.login(user)
    answer = client.post(
        f"/audits/rows/{row.id}", data={"result": "conform", "version": 1}, headers=FETCH
    )
    upload = client.post(
        f"/audits/rows/{row.id}/files",
        data={"file": (io.BytesIO(PNG), "x.png")},
        headers=FETCH,
        content_type="multipart/form-data",
    )
    # the auditee's officer does not see the audit before its report (404); the others see it
    # and may not change it (403)
    expected = 404 if who == "officer" else 403
    for response in (answer, upload):
        assert response.status_code == expected
        assert response.get_json()["error"]["status"] == expected
    db.session.expire_all()
    assert db.session.get(ChecklistRow, row.id).result is None
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    # without JavaScript the same refusals
    plain = client.post(f"/audits/rows/{row.id}", data={"result": "conform", "version": 1})
    assert plain.status_code == (303 if who == "reviewer" else expected)


def test_the_filters_work_without_javascript(world, client, auth):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    checklist.record_row(world.lead, audit.rows[1], {"result": "conform"})
    db.session.commit()
    auth.login(world.lead)
    base = f"/audits/{audit.id}/checklist"
    for show, shown in (
        ("", {0, 1, 2, 3, 4, 5}),
        ("unanswered", {2, 3, 4, 5}),
        ("nonconform", {0}),
    ):
        page = client.get(f"{base}?show={show}").get_data(as_text=True)
        visible = {
            i for i, row in enumerate(audit.rows) if "hidden" not in _article(page, row.id)[:200]
        }
        assert visible == shown, show
    page = client.get(f"{base}?show=unanswered").get_data(as_text=True)
    # the counts, the completion bar and the clause index
    assert 'data-filter-count="unanswered">4<' in page
    assert "<span data-answered>2</span> / <span data-total>6</span>" in page
    assert 'href="#clause-7"' in page and 'id="clause-7"' in page


def test_the_audit_page_shows_completion_apart_from_a_provisional_compliance(world, client, auth):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    checklist.record_row(world.lead, audit.rows[1], {"result": "conform"})
    db.session.commit()
    auth.login(world.lead)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "2 dari 6 baris terjawab" in page
    assert PROVISIONAL in page and "#b3261e" not in page  # 50 % shown grey, not red
    assert 'aria-current="step"' in page and 'class="stepper"' in page
    workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    db.session.commit()
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "6 dari 6 baris terjawab" in page and PROVISIONAL not in page
    assert "#b3261e" in page  # now a verdict: 50 % is poor


def test_the_api_gives_completion_apart_from_compliance(world, api):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    checklist.record_row(world.lead, audit.rows[1], {"result": "conform"})
    db.session.commit()
    api.as_user(world.lead)
    data = api.get(f"/audits/{audit.id}").get_json()["data"]
    assert (data["rows_answered"], data["rows_total"]) == (2, 6)
    assert data["compliance"] == pytest.approx(0.5)


def test_without_javascript_attaching_keeps_the_rows_typed_answer(world, client, auth):
    """The Attach button sends the row's form with the file: the file is attached, the page
    comes back with the answer as typed and says it is not saved yet."""
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.lead)

    def typed(file: bytes, name: str) -> dict:
        return {
            "result": "observation",
            "notes": "Belum disimpan: papan di loket 2",
            "version": row.version,
            "file": (io.BytesIO(file), name),
        }

    page = client.post(
        f"/audits/rows/{row.id}/files",
        data=typed(PNG, "papan.png"),
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    mine = _article(page.get_data(as_text=True), row.id)
    assert "papan.png" in mine and "Belum disimpan: papan di loket 2" in mine
    assert 'value="observation" checked' in mine
    assert "Berkas bukti telah dilampirkan. Jawaban belum disimpan." in mine
    db.session.expire_all()
    assert db.session.get(ChecklistRow, row.id).result is None
    # a file refused: the reason at the file field, the answer still as typed
    bad = client.post(
        f"/audits/rows/{row.id}/files",
        data=typed(b"MZ not a document", "x.exe"),
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    mine = _article(bad.get_data(as_text=True), row.id)
    assert re.search(r'class="field has-error" data-field="file"', mine)
    assert "Belum disimpan: papan di loket 2" in mine
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1
