"""Refused audit forms: what was typed comes back with every error at its field (a checklist
answer, an agenda row, a new audit), and the messages users read after each step."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.audits import operations, workflow
from qms.audits.models import AgendaItem, Audit, AuditStatus, Finding
from qms.core.errors import DomainError, ValidationFailed
from qms.extensions import db
from tests.factories import UnitFactory
from tests.factories_audits import make_world, plan_audit, started_audit

FETCH = {"X-Requested-With": "fetch"}
EVIDENCE_NEEDED = "Ketidaksesuaian harus disertai bukti objektif"
REQUIRED = "Kolom ini wajib diisi."


@pytest.fixture
def world(app):
    with force_locale("en"):
        yield make_world()


def _article(page: str, row_id: int) -> str:
    """The markup of one checklist row."""
    return re.search(rf'<article[^>]* id="row-{row_id}"[^>]*>.*?</article>', page, re.S).group(0)


def _field(page: str, name: str) -> str:
    """The markup of the form field (label, input, errors) whose input is named `name`."""
    return re.search(
        rf'<div class="field[^"]*"[^>]*>(?:(?!</div>).)*name="{name}".*?</div>', page, re.S
    ).group(0)


# --- a checklist answer ------------------------------------------------------------------------


def test_a_refused_answer_comes_back_in_its_row_as_typed(world, client, auth):
    audit = started_audit(world)
    row, other = audit.rows[0], audit.rows[1]
    typed = {
        "result": "nonconform",
        "grade": "major",
        "notes": "Dicek di loket 2",
        "statement": "Tidak ada RTM tahun ini",
        "requirement": "ISO 9001 9.3",
        "version": row.version,
    }
    auth.login(world.lead)
    refused = client.post(f"/audits/rows/{row.id}", data=typed)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    mine = _article(page, row.id)
    assert 'value="nonconform" checked' in mine
    assert 'value="major" selected' in mine
    for text in ("Dicek di loket 2", "Tidak ada RTM tahun ini", "ISO 9001 9.3"):
        assert text in mine
    assert '<details class="finding-fields" open>' in mine
    # the reason sits at the evidence field, in this row only
    assert EVIDENCE_NEEDED in _field(mine, "evidence")
    assert EVIDENCE_NEEDED not in _article(page, other.id)
    assert "Dicek di loket 2" not in _article(page, other.id)
    # the form posts back to the row
    assert f'action="/audits/rows/{row.id}#row-{row.id}"' in mine
    # nothing was saved
    db.session.expire_all()
    assert row.result is None and row.notes == "" and row.version == typed["version"]
    assert db.session.scalar(select(func.count(Finding.id))) == 0

    # the same answer with its evidence is saved from the page shown again
    version = re.search(r'name="version" value="(\d+)"', mine).group(1)
    saved = client.post(
        f"/audits/rows/{row.id}", data={**typed, "evidence": "Notulen", "version": version}
    )
    assert saved.status_code == 303
    db.session.expire_all()
    assert row.finding is not None and row.finding.statement == "Tidak ada RTM tahun ini"


def test_an_invalid_answer_is_shown_with_the_fields_error(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.lead)
    refused = client.post(
        f"/audits/rows/{row.id}",
        data={"result": "maybe", "notes": "Catatan saya", "version": row.version},
    )
    assert refused.status_code == 422
    mine = _article(refused.get_data(as_text=True), row.id)
    assert "Catatan saya" in mine and "Pilih salah satu pilihan." in mine
    # the page's script reads the refusal as JSON, naming the field
    fetched = client.post(
        f"/audits/rows/{row.id}",
        data={"result": "nonconform", "grade": "major", "statement": "x", "version": row.version},
        headers=FETCH,
    )
    assert fetched.status_code == 422
    fields = fetched.get_json()["error"]["fields"]
    assert list(fields) == ["evidence"] and EVIDENCE_NEEDED in fields["evidence"][0]
    db.session.expire_all()
    assert row.result is None


# --- agenda rows -------------------------------------------------------------------------------


def test_a_refused_agenda_row_is_shown_again_with_its_errors_at_the_fields(world, client, auth):
    audit = plan_audit(world)
    auth.login(world.lead)
    backwards = client.post(
        f"/audits/{audit.id}/agenda",
        data={
            "starts_at": "2026-10-13T10:00",
            "ends_at": "2026-10-13T09:00",
            "subject": "Klausul 8.5 layanan KTP-el",
            "auditee": "Kepala Bidang",
        },
    )
    assert backwards.status_code == 422
    page = backwards.get_data(as_text=True)
    ends = _field(page, "ends_at")
    assert "Baris agenda tidak dapat berakhir sebelum dimulai." in ends
    assert 'value="2026-10-13T09:00"' in ends
    assert "Audit tidak dapat selesai" not in page
    assert 'value="Klausul 8.5 layanan KTP-el"' in _field(page, "subject")
    assert 'value="Kepala Bidang"' in _field(page, "auditee")

    empty = client.post(f"/audits/{audit.id}/agenda", data={})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert REQUIRED in _field(page, "starts_at") and REQUIRED in _field(page, "subject")
    assert REQUIRED not in _field(page, "ends_at")
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 0

    added = client.post(
        f"/audits/{audit.id}/agenda",
        data={"starts_at": "2026-10-13T08:00", "ends_at": "2026-10-13T09:00", "subject": "8.5"},
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("#plan")
    assert "Baris ditambahkan ke rencana audit." in client.get(added.headers["Location"]).text


def test_the_agenda_service_names_every_refused_field(world):
    audit = plan_audit(world)
    values = {
        "starts_at": "2026-10-13T10:00",
        "ends_at": "2026-10-13T09:00",
        "subject": "8.5",
        "auditor_id": world.member.id,  # not on the team
    }
    with pytest.raises(ValidationFailed) as refused:
        operations.add_agenda_item(world.lead, audit, values)
    assert set(refused.value.errors) == {"ends_at", "auditor_id"}
    assert "The agenda row cannot end before it starts." in refused.value.errors["ends_at"]


def test_an_issued_audits_plan_refuses_agenda_rows(world, client, auth):
    audit = started_audit(world)
    workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    db.session.commit()
    auth.login(world.lead)
    refused = client.post(
        f"/audits/{audit.id}/agenda", data={"starts_at": "2026-10-13T08:00", "subject": "8.5"}
    )
    assert refused.status_code == 403
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert f"/audits/{audit.id}/agenda" not in page
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 0


# --- planning an audit -------------------------------------------------------------------------


def test_a_new_audit_reports_every_independent_error_at_once(world, client, auth):
    auth.login(world.lead)
    refused = client.post(
        "/audits/new",
        data={
            "agency_id": world.dukcapil.id,
            "kind": "internal",
            "planned_start": "2026-10-14",
            "planned_end": "2026-10-13",
            "scope_clauses": "7.5, 42",
            "objectives": "Menilai layanan",
            "lead_auditor_id": world.dukcapil_auditor.id,
        },
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "tidak dikenal: 42" in _field(page, "scope_clauses")
    assert "Audit tidak dapat selesai sebelum dimulai." in _field(page, "planned_end")
    # the independence rule's own message, at the lead auditor
    assert "Petrus tidak boleh mengaudit Dinas Dukcapil" in _field(page, "lead_auditor_id")
    assert "Menilai layanan</textarea>" in page
    assert db.session.scalar(select(func.count(Audit.id))) == 0


def test_one_refusal_keeps_its_own_error_several_are_collected(world, api):
    with pytest.raises(DomainError) as one:
        plan_audit(world, lead=world.dukcapil_auditor)
    assert not isinstance(one.value, ValidationFailed)
    assert one.value.field == "lead_auditor_id" and "independence" in str(one.value.message)

    with pytest.raises(ValidationFailed) as several:
        plan_audit(world, lead=world.dukcapil_auditor, scope_clauses=["42"])
    assert set(several.value.errors) == {"scope_clauses", "lead_auditor_id"}
    assert "independence" in str(several.value.message)

    audit = plan_audit(world)
    with pytest.raises(ValidationFailed) as edited:
        operations.update_audit(
            world.lead,
            audit,
            {
                "actual_start": audit.planned_start,
                "actual_end": audit.planned_start.replace(day=1),
                "scope_clauses": [],
            },
        )
    assert set(edited.value.errors) == {"actual_end", "scope_clauses"}

    response = api.as_user(world.lead).post(
        "/audits",
        json={
            "agency_id": world.dukcapil.id,
            "planned_start": "2026-10-14",
            "planned_end": "2026-10-13",
            "scope_clauses": ["42"],
            "objectives": "Menilai",
            "lead_auditor_id": world.dukcapil_auditor.id,
        },
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"scope_clauses", "planned_end", "lead_auditor_id"}


# --- the audit page ----------------------------------------------------------------------------


def test_each_step_says_what_was_done(world, client, auth):
    audit = plan_audit(world)
    db.session.commit()
    auth.login(world.lead)
    steps = [
        ("start", {}, "Audit dimulai."),
        ("report", {"confirm": "1"}, "Laporan audit diterbitkan."),
        ("close", {}, "Audit ditutup."),
    ]
    for name, data, message in steps:
        done = client.post(f"/audits/{audit.id}/transition/{name}", data=data)
        assert done.status_code == 302
        page = client.get(done.headers["Location"]).get_data(as_text=True)
        assert message in page and "Selesai:" not in page
    db.session.expire_all()
    assert audit.status == AuditStatus.CLOSED


def test_the_audit_page_names_the_units_in_scope(world, client, auth):
    loket = UnitFactory(agency=world.dukcapil, name="Bidang Pelayanan Pendaftaran Penduduk")
    UnitFactory(agency=world.dukcapil, name="Bidang Pemanfaatan Data")
    whole = plan_audit(world)
    scoped = plan_audit(world, scope_unit_ids=[loket.id])
    db.session.commit()
    auth.login(world.lead)
    page = client.get(f"/audits/{scoped.id}").get_data(as_text=True)
    assert "Unit dalam lingkup" in page and "Bidang Pelayanan Pendaftaran Penduduk" in page
    assert "Bidang Pemanfaatan Data" not in page
    assert "Seluruh OPD" in client.get(f"/audits/{whole.id}").get_data(as_text=True)


def test_an_auditor_is_offered_no_audit_of_their_own_agency(world, client, auth, api):
    """The agencies a planner may choose leave out their own; asking for it anyway is refused
    at the field, through the page, the API and the operation alike."""
    auth.login(world.dukcapil_auditor)
    page = client.get("/audits/new").get_data(as_text=True)
    options = _field(page, "agency_id")
    assert world.bakeuda.name in options and world.dukcapil.name not in options
    values = {
        "agency_id": world.dukcapil.id,
        "planned_start": "2026-10-13",
        "scope_clauses": ["7.5"],
        "objectives": "Menilai",
    }
    refused = api.as_user(world.dukcapil_auditor).post("/audits", json=values)
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["agency_id"]
    with pytest.raises(ValidationFailed) as denied:
        operations.create_audit(
            world.dukcapil_auditor, {**values, "planned_start": date(2026, 10, 13)}
        )
    assert list(denied.value.errors) == ["agency_id"]
    assert db.session.scalar(select(func.count(Audit.id))) == 0
