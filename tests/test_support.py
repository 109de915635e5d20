"""Support and resources (qms/support, issue 13): an instrument walked through due, overdue and
out of tolerance with its evaluation and nonconformity; a person's competence gap closed by a
training; an auditor refused as lead until qualified, and evaluated after an audit; the bad
inputs refused with the field named; who may read and write; reminders sent once each; the
resources summary counted in SQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from qms.audits import eligibility, workflow
from qms.audits.models import AuditStatus
from qms.core.errors import DomainError
from qms.core.mail import OutboxMessage
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.extensions import db
from qms.support import auditors, figures
from qms.support.models import AuditorEvaluation, Instrument
from tests.factories import user_with_role
from tests.factories_audits import make_world, plan_audit
from tests.factories_support import qualify

LAB = {
    "identifier": "TENSI-01",
    "description": "Sfigmomanometer digital",
    "location": "Loket pelayanan",
    "measuring_range": "0–300 mmHg",
    "required_accuracy": "± 3 mmHg",
    "interval_months": 12,
    "method": "laboratory",
    "laboratory": "LPFK Kupang",
    "kan_number": "LK-091-IDN",
}


@pytest.fixture
def world(app):
    return make_world()


def _instrument(api, world, **changes) -> dict:
    response = api.as_user(world.officer).post(
        "/instruments", json={"agency_id": world.dukcapil.id, **LAB, **changes}
    )
    assert response.status_code == 201, response.json
    return response.json["data"]


def _event(api, instrument_id: int, days_ago: int, result: str = "within", **extra):
    return api.post(
        f"/instruments/{instrument_id}/calibration-events",
        json={
            "kind": "calibration",
            "performed_on": (today() - timedelta(days=days_ago)).isoformat(),
            "result": result,
            "certificate_number": "LPFK/2026/001",
            **extra,
        },
    )


def test_an_instrument_goes_due_overdue_and_out_of_tolerance_with_its_evaluation(
    world, api, client, auth
):
    instrument = _instrument(api, world)
    assert instrument["status"] == "in_use" and instrument["next_due_on"] is None

    # calibrated a year less 20 days ago: due within the 30-day notice, still fit for use
    assert _event(api, instrument["id"], 365 - 20).status_code == 201
    shown = api.get(f"/instruments/{instrument['id']}").json["data"]
    assert shown["status"] == "due" and shown["fit_for_use"] is True

    # a second instrument calibrated 13 months ago is overdue: not fit for use, on every page
    late = _instrument(api, world, identifier="TENSI-02")
    _event(api, late["id"], 400)
    shown = api.get(f"/instruments/{late['id']}").json["data"]
    assert shown["status"] == "overdue" and shown["fit_for_use"] is False
    auth.login(world.officer)
    page = client.get(f"/support/instruments/{late['id']}").get_data(as_text=True)
    assert "tidak layak pakai" in page
    assert "tidak layak pakai" in client.get("/support/instruments").get_data(as_text=True)
    assert "TENSI-02" in client.get(f"/agencies/{world.dukcapil.id}").get_data(as_text=True)

    # found out of tolerance: out of service, and the evaluation 7.1.5.2 asks for is required
    event = _event(api, instrument["id"], 1, "out").json["data"]
    assert event["needs_evaluation"] is True
    assert api.get(f"/instruments/{instrument['id']}").json["data"]["status"] == "out_of_service"
    early = api.post(f"/calibration-events/{event['id']}/nonconformity")
    assert early.status_code == 422 and "evaluasi" in early.json["error"]["message"]
    missing = api.post(f"/calibration-events/{event['id']}/evaluation", json={"evaluation": "x"})
    assert set(missing.json["error"]["fields"]) == {"previous_results_valid", "conclusion"}
    evaluated = api.post(
        f"/calibration-events/{event['id']}/evaluation",
        json={
            "previous_results_valid": "no",
            "evaluation": "Pengukuran sejak kalibrasi terakhir ditelusuri.",
            "conclusion": "Alat ditarik; pasien dengan hasil batas diperiksa ulang.",
        },
    ).json["data"]
    assert evaluated["previous_results_valid"] is False and evaluated["needs_evaluation"] is False

    raised = api.post(f"/calibration-events/{event['id']}/nonconformity").json["data"]
    assert raised["nonconformity_id"] is not None
    again = api.post(f"/calibration-events/{event['id']}/nonconformity").json["data"]
    assert again["nonconformity_id"] == raised["nonconformity_id"]
    nonconformity = api.get(f"/nonconformities/{raised['nonconformity_id']}").json["data"]
    assert nonconformity["clause"] == "7.1.5.2" and nonconformity["agency_id"] == world.dukcapil.id

    # calibrated again within tolerance: back in use, due a year later
    _event(api, instrument["id"], 0)
    shown = api.get(f"/instruments/{instrument['id']}").json["data"]
    assert shown["status"] == "in_use" and shown["next_due_on"] > today().isoformat()


def test_bad_inputs_are_refused_naming_the_field(world, api, client, auth):
    api.as_user(world.officer)
    base = {"agency_id": world.dukcapil.id, **LAB}
    for changes, field in (
        ({"interval_months": 0}, "interval_months"),
        ({"kan_number": "LSPr-034-IDN"}, "kan_number"),
        ({"kan_number": "LK-91-IDN"}, "kan_number"),
    ):
        response = api.post("/instruments", json={**base, **changes})
        assert response.status_code == 422 and field in response.json["error"]["fields"], changes
    assert db.session.scalar(select(Instrument.id)) is None

    instrument = _instrument(api, world)
    future = _event(api, instrument["id"], -1)
    assert future.status_code == 422 and "performed_on" in future.json["error"]["fields"]
    before = _event(
        api, instrument["id"], 10, next_due_on=(today() - timedelta(days=20)).isoformat()
    )
    assert before.status_code == 422 and "next_due_on" in before.json["error"]["fields"]

    person = api.post(
        "/staff", json={"agency_id": world.dukcapil.id, "name": "Yohana", "nip": "123"}
    )
    assert "nip" in person.json["error"]["fields"]
    person = api.post("/staff", json={"agency_id": world.dukcapil.id, "name": "Yohana"}).json
    expired = api.post(
        f"/staff/{person['data']['id']}/trainings",
        json={
            "title": "Sertifikasi Bendahara",
            "finished_on": "2026-03-01",
            "certificate_expires_on": "2026-02-01",
        },
    )
    assert expired.status_code == 422
    assert "certificate_expires_on" in expired.json["error"]["fields"]

    # the page shows the same refusal on the form, with a 422
    auth.login(world.officer)
    page = client.post(
        "/support/instruments/new",
        data={**base, "identifier": "X-1", "interval_months": "0", "kan_number": "LK-1-IDN"},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "paling sedikit 1" in text and "LK-123-IDN" in text


def test_a_gap_in_competence_is_closed_by_training(world, api, client, auth):
    api.as_user(world.officer)
    position = api.post(
        "/positions",
        json={
            "agency_id": world.dukcapil.id,
            "title": "Bendahara Pengeluaran",
            "required_competences": "Sertifikasi Bendahara\nPenatausahaan SIPD",
        },
    ).json["data"]
    person = api.post(
        "/staff",
        json={
            "agency_id": world.dukcapil.id,
            "name": "Yohana Bessie",
            "nip": "199203142019032008",
            "position_id": position["id"],
        },
    ).json["data"]
    gaps = figures.gaps(world.dukcapil.id, today())
    assert [g[3] for g in gaps] == ["Sertifikasi Bendahara", "Penatausahaan SIPD"]

    def train(competence: str, expires: date | None) -> None:
        response = api.post(
            f"/staff/{person['id']}/trainings",
            json={
                "title": competence,
                "competence": competence,
                "finished_on": "2025-01-10",
                "certificate_expires_on": expires.isoformat() if expires else None,
            },
        )
        assert response.status_code == 201, response.json

    train("Penatausahaan SIPD", None)
    train("Sertifikasi Bendahara", date(2025, 12, 31))  # expired: the gap stays
    assert [g[3] for g in figures.gaps(world.dukcapil.id, today())] == ["Sertifikasi Bendahara"]
    auth.login(world.officer)
    assert "Sertifikasi Bendahara" in client.get(f"/support/people/{person['id']}").get_data(
        as_text=True
    )
    train("sertifikasi bendahara", today() + timedelta(days=700))
    assert figures.gaps(world.dukcapil.id, today()) == []


def test_an_auditor_is_refused_as_lead_until_qualified(world, api, client, auth):
    newcomer = user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Maria Newa")
    with pytest.raises(DomainError) as refused:
        plan_audit(world, lead=newcomer)
    assert refused.value.field == "lead_auditor_id"
    assert "pelatihan auditor" in str(refused.value.message)

    api.as_user(world.city_admin)
    record = api.post(
        "/auditor-qualifications", json={"city_id": world.city.id, "user_id": newcomer.id}
    ).json["data"]
    assert record["may_lead"] and record["may_join"]
    api.post(
        f"/auditor-qualifications/{record['id']}/trainings",
        json={"title": "Pelatihan Auditor Internal", "completed_on": "2026-02-10"},
    )
    record = api.get(f"/auditor-qualifications/{record['id']}").json["data"]
    assert record["may_join"] is None and "0 dari 2" in record["may_lead"]

    audit = plan_audit(world)
    # the team form offers the qualified, says why the others are not, keeps independence
    auth.login(world.city_admin)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Petrus tidak boleh mengaudit Dinas Dukcapil" in page
    assert f'value="{newcomer.id}"' in page
    edit = client.get(f"/audits/{audit.id}/edit").get_data(as_text=True)
    assert "Maria Newa tidak boleh menjadi ketua tim audit" in edit
    assert f'<option value="{newcomer.id}"' not in edit
    response = api.patch(f"/audits/{audit.id}", json={"lead_auditor_id": newcomer.id})
    assert response.status_code == 422 and "lead_auditor_id" in response.json["error"]["fields"]

    api.patch(f"/auditor-qualifications/{record['id']}", json={"prior_audits_as_member": 2})
    response = api.patch(f"/audits/{audit.id}", json={"lead_auditor_id": newcomer.id})
    assert response.status_code == 200, response.json


def test_an_untrained_auditor_may_not_join_and_the_audits_work_without_rules(world, monkeypatch):
    untrained = user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Yos Tanu")
    qualify(world.city, untrained, audits=5, trained=False)
    audit = plan_audit(world)
    from qms.audits import operations

    with pytest.raises(DomainError) as refused:
        operations.add_member(world.city_admin, audit, untrained.id)
    assert refused.value.field == "user_id" and "pelatihan auditor" in str(refused.value.message)
    # with no rule registered (no support feature) the independence rule alone decides
    monkeypatch.setattr(eligibility, "team_rules", [])
    assert operations.add_member(world.city_admin, audit, untrained.id).user_id == untrained.id


def test_auditors_are_evaluated_by_the_lead_and_the_auditee_after_the_audit(world, api):
    from qms.audits import operations

    audit = plan_audit(world)
    operations.add_member(world.city_admin, audit, world.member.id)
    body = {"audit_id": audit.id, "auditor_id": world.member.id, "score": 2}
    early = api.as_user(world.lead).post("/auditor-evaluations", json=body)
    assert early.status_code == 422 and "audit_id" in early.json["error"]["fields"]
    workflow.transition(world.lead, audit, "start")
    workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    assert audit.status == AuditStatus.REPORTED
    before = auditors.experience(world.member.id, date(2027, 1, 1)).as_member

    stranger = api.as_user(world.other_officer).post("/auditor-evaluations", json=body)
    assert stranger.status_code == 422 and "audit_id" in stranger.json["error"]["fields"]
    bad = api.as_user(world.lead).post("/auditor-evaluations", json={**body, "score": 6})
    assert bad.status_code == 422 and "score" in bad.json["error"]["fields"]
    not_on_team = api.post(
        "/auditor-evaluations", json={**body, "auditor_id": world.dukcapil_auditor.id}
    )
    assert "auditor_id" in not_on_team.json["error"]["fields"]
    assert api.post("/auditor-evaluations", json=body).status_code == 201
    auditee = api.as_user(world.officer).post(
        "/auditor-evaluations", json={**body, "auditor_id": world.lead.id, "score": 5}
    )
    assert auditee.json["data"]["evaluator_role"] == "auditee"
    # an audit the lead rated below the minimum does not count as experience
    assert auditors.experience(world.member.id, date(2027, 1, 1)).as_member == before - 1
    assert len(db.session.scalars(select(AuditorEvaluation)).all()) == 2
    seen = api.as_user(world.member).get("/auditor-evaluations").json["data"]
    assert [e["score"] for e in seen] == [2]


def test_who_reads_and_who_writes(world, api):
    instrument = _instrument(api, world)
    path = f"/instruments/{instrument['id']}"
    # another agency's officer sees nothing and may not write there
    api.as_user(world.other_officer)
    assert api.get(path).status_code == 404
    assert api.get("/instruments").json["data"] == []
    refused = api.post("/instruments", json={"agency_id": world.dukcapil.id, **LAB})
    assert refused.status_code == 422 and "agency_id" in refused.json["error"]["fields"]
    # the BSN reviewer and the management viewer read, never write
    for reader in (world.reviewer, world.viewer):
        api.as_user(reader)
        assert api.get(path).status_code == 200
        assert api.patch(path, json={"location": "x"}).status_code == 403
    # an internal auditor reads the registers but does not write them
    api.as_user(world.lead)
    assert api.get(path).status_code == 200
    assert api.patch(path, json={"location": "x"}).status_code == 403
    assert api.post("/instruments", json={"agency_id": world.dukcapil.id, **LAB}).status_code == 422
    assert _event(api, instrument["id"], 3).status_code == 403
    # auditors' qualifications are kept by the city admin only
    api.as_user(world.officer)
    kept = api.post(
        "/auditor-qualifications", json={"city_id": world.city.id, "user_id": world.lead.id}
    )
    assert kept.status_code == 422 and "city_id" in kept.json["error"]["fields"]
    assert api.as_user(world.lead).get("/auditor-qualifications").status_code == 200


def test_reminders_are_sent_once_each(world, api, runner):
    instrument = _instrument(api, world)
    _event(api, instrument["id"], 365 - 5)  # due within 7 days
    late = _instrument(api, world, identifier="TENSI-02")
    _event(api, late["id"], 400)  # overdue
    person = api.post("/staff", json={"agency_id": world.dukcapil.id, "name": "Yohana"}).json
    api.post(
        f"/staff/{person['data']['id']}/trainings",
        json={
            "title": "Sertifikasi Bendahara",
            "finished_on": "2024-01-10",
            "certificate_expires_on": (today() + timedelta(days=20)).isoformat(),
        },
    )
    provider = api.post(
        "/providers",
        json={
            "agency_id": world.dukcapil.id,
            "name": "CV Timor Jaya Teknik",
            "kind": "service",
            "supplies": "Pemeliharaan printer KTP-el",
            "next_evaluation_on": (today() + timedelta(days=3)).isoformat(),
        },
    )
    assert provider.status_code == 201

    first = runner.invoke(args=["qms", "remind"])
    assert "4 reminder(s) queued" in first.output, first.output
    subjects = set(db.session.scalars(select(OutboxMessage.subject)))
    assert any(s.startswith("Kalibrasi terlambat") for s in subjects)
    assert any(s.startswith("Kalibrasi jatuh tempo") for s in subjects)
    assert any(s.startswith("Sertifikat berakhir") for s in subjects)
    assert any(s.startswith("Evaluasi penyedia") for s in subjects)
    assert "0 reminder(s) queued" in runner.invoke(args=["qms", "remind"]).output


def test_the_resources_summary_is_plain_data_counted_in_sql(world, api):
    instrument = _instrument(api, world)
    _event(api, instrument["id"], 365 - 10)
    late = _instrument(api, world, identifier="TENSI-02")
    _event(api, late["id"], 400)
    api.post(
        "/positions",
        json={
            "agency_id": world.dukcapil.id,
            "title": "Bendahara",
            "required_competences": "Sertifikasi Bendahara",
        },
    )
    position_id = api.get("/positions").json["data"][0]["id"]
    api.post(
        "/staff",
        json={"agency_id": world.dukcapil.id, "name": "Yohana", "position_id": position_id},
    )
    provider = api.post(
        "/providers",
        json={
            "agency_id": world.dukcapil.id,
            "name": "Ditjen Dukcapil",
            "kind": "product",
            "supplies": "Blangko KTP-el",
        },
    ).json["data"]
    evaluation = api.post(
        f"/providers/{provider['id']}/evaluations",
        json={"score": 68, "status": "conditional", "next_evaluation_on": "2027-06-30"},
    )
    assert evaluation.status_code == 201, evaluation.json

    summary = figures.resources_summary(world.dukcapil)
    assert summary["instruments"] == {"total": 2, "due": 1, "overdue": 1, "out_of_service": 0}
    assert [i["identifier"] for i in summary["instruments_overdue"]] == ["TENSI-02"]
    assert [i["identifier"] for i in summary["instruments_due"]] == ["TENSI-01"]
    assert summary["competence_gaps"] == [
        {"person": "Yohana", "position": "Bendahara", "competence": "Sertifikasi Bendahara"}
    ]
    assert summary["providers"][0]["status"] == "conditional"
    assert summary["providers"][0]["score"] == 68
    assert figures.resources_summary(world.bakeuda)["instruments"]["total"] == 0


def _statements(client, path: str) -> int:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    db.session.commit()
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return len(seen)


def test_the_registers_read_in_as_many_queries_whatever_their_rows(world, api, client, auth):
    def add(n: int) -> None:
        api.as_user(world.officer)
        position = api.post(
            "/positions",
            json={
                "agency_id": world.dukcapil.id,
                "title": f"Jabatan {n}",
                "required_competences": f"Kompetensi {n}\nKompetensi umum",
            },
        ).json["data"]
        person = api.post(
            "/staff",
            json={
                "agency_id": world.dukcapil.id,
                "name": f"Pegawai {n}",
                "position_id": position["id"],
            },
        ).json["data"]
        api.post(
            f"/staff/{person['id']}/trainings",
            json={"title": "Umum", "competence": "Kompetensi umum", "finished_on": "2025-01-01"},
        )
        _instrument(api, world, identifier=f"ALAT-{n}")

    add(1)
    auth.login(world.officer)
    pages = ("/support/competence", "/support/instruments", "/support/providers")
    first = [_statements(client, page) for page in pages]
    for n in range(2, 6):
        add(n)
    assert [_statements(client, page) for page in pages] == first


def test_a_calibration_certificate_is_uploaded_with_the_event_page(world, api, client, auth):
    from io import BytesIO

    instrument = _instrument(api, world)
    auth.login(world.officer)
    form = client.get(f"/support/instruments/{instrument['id']}/events/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    response = client.post(
        f"/support/instruments/{instrument['id']}/events/new",
        data={
            "kind": "calibration",
            "performed_on": today().isoformat(),
            "result": "within",
            "certificate_number": "LPFK/2026/77",
            "file": (BytesIO(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n"), "sertifikat.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/support/instruments/{instrument['id']}").get_data(as_text=True)
    assert "sertifikat.pdf" in page
