"""The pages and API as users see them: who sees which register, the read-only roles, stale
forms, the request form, reminders and escalation, the home panel and the dashboard figures."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from qms.capa import figures, operations, workflow
from qms.capa.models import NcStatus, Nonconformity
from qms.core.mail import OutboxMessage, run_reminders
from qms.core.timeutil import today
from qms.extensions import db
from tests.factories_capa import (
    PDF,
    ComplaintFactory,
    analysed,
    implemented,
    make_world,
    planned,
    raise_nc,
)


@pytest.fixture
def world(app):
    return make_world()


def test_each_role_sees_its_own_register(world, client, auth):
    mine = raise_nc(world)
    rsud = raise_nc(world, agency=world.rsud, raised_by=world.other_auditor)
    foreign = raise_nc(world, agency=world.other_city_agency, raised_by=None)
    expectations = {
        world.officer: {mine.number},
        world.rsud_officer: {rsud.number},
        world.auditor: {mine.number},  # raised by them
        world.other_auditor: {rsud.number},
        world.admin: {mine.number, rsud.number},
        world.viewer: {mine.number, rsud.number},
        world.bsn: {mine.number, rsud.number, foreign.number},
        world.stranger: {foreign.number},
    }
    numbers = {mine.number, rsud.number, foreign.number}
    for user, visible in expectations.items():
        auth.login(user)
        page = client.get("/capa/").get_data(as_text=True)
        assert {n for n in numbers if n in page} == visible, user.name
        assert client.get(f"/capa/{mine.id}").status_code == (
            200 if mine.number in visible else 404
        )
        auth.logout()


def test_the_register_filters_by_source_grade_and_text(world, client, auth, api):
    audit_nc = raise_nc(world)
    staff = raise_nc(world, source="staff_report", grade="minor", statement="Arsip KK basah.")
    auth.login(world.officer)

    def listed(query: str) -> set[str]:
        page = client.get(f"/capa/?{query}").get_data(as_text=True)
        return {nc.number for nc in (audit_nc, staff) if f'href="/capa/{nc.id}"' in page}

    assert listed("") == {audit_nc.number, staff.number}
    assert listed("source=staff_report") == {staff.number}
    assert listed("grade=major") == {audit_nc.number}
    assert listed("q=arsip+kk") == {staff.number}
    api.as_user(world.officer)
    got = api.get("/nonconformities?source=internal_audit").get_json()["data"]
    assert [n["number"] for n in got] == [audit_nc.number]
    ComplaintFactory(agency=world.dukcapil, channel="lapor", external_id="LPR-1")
    ComplaintFactory(agency=world.dukcapil, external_id="QL-1")
    complaints = api.get("/complaints?channel=lapor").get_json()["data"]
    assert [c["external_id"] for c in complaints] == ["LPR-1"]


def test_read_only_roles_and_other_agencies_cannot_move_a_nonconformity(world, client, auth):
    nc = raise_nc(world)
    for user in (world.bsn, world.viewer, world.rsud_officer, world.stranger):
        auth.login(user)
        response = client.post(
            f"/capa/{nc.id}/step/record_correction",
            data={"version": nc.version, "correction": "x"},
        )
        assert response.status_code in (303, 403, 404), user.name
        auth.logout()
    db.session.refresh(nc)
    assert nc.status == NcStatus.OPEN and nc.correction == ""


def test_a_form_sent_on_an_old_version_is_told_the_record_changed(world, client, auth):
    nc = raise_nc(world)
    read = nc.version
    auth.login(world.officer)
    first = client.post(
        f"/capa/{nc.id}/step/record_correction", data={"version": read, "correction": "Kami."}
    )
    assert first.status_code == 302
    auth.logout()
    auth.login(world.officer2)
    second = client.post(
        f"/capa/{nc.id}/step/record_correction", data={"version": read, "correction": "Mereka."}
    )
    assert second.status_code == 409
    assert "diubah oleh orang lain" in second.get_data(as_text=True)
    db.session.refresh(nc)
    assert nc.correction == "Kami."


def test_a_refused_step_shows_the_rule_on_the_page(world, client, auth):
    nc = raise_nc(world)
    auth.login(world.officer)
    response = client.post(f"/capa/{nc.id}/step/close", data={"version": nc.version})
    assert response.status_code == 422
    assert "tidak dapat dilakukan selama status" in response.get_data(as_text=True)


def test_the_workflow_through_the_pages(world, client, auth):
    nc = raise_nc(world, raised_on=today())
    auth.login(world.officer)
    assert client.get(f"/capa/{nc.id}").status_code == 200
    client.post(
        f"/capa/{nc.id}/step/record_correction", data={"version": 1, "correction": "Diperbaiki."}
    )
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    # the officer sees only its own agency, yet may name the city's others in the analysis
    assert f'<option value="{world.rsud.id}">' in page
    client.post(
        f"/capa/{nc.id}/step/analyse_cause",
        data={
            "version": 2,
            "why_1": "SOP lama",
            "cause_category": "method",
            "root_cause": "Tidak ada distribusi dokumen.",
            "occurs_elsewhere": "yes",
            "elsewhere_agency_ids": [world.rsud.id],
        },
    )
    db.session.refresh(nc)
    assert nc.status == NcStatus.CAUSE_ANALYSED
    due = (today() + timedelta(days=7)).isoformat()
    added = client.post(
        f"/capa/{nc.id}/actions",
        data={
            "version": nc.version,
            "kind": "corrective",
            "description": "Tarik SOP lama",
            "owner": "Kasi",
            "due_date": due,
        },
    )
    assert added.status_code == 302
    db.session.refresh(nc)
    client.post(
        f"/capa/{nc.id}/step/submit_plan",
        data={"version": nc.version, "effectiveness_check_on": due},
    )
    db.session.refresh(nc)
    assert nc.status == NcStatus.PLAN_SUBMITTED
    assert (
        client.post(f"/capa/{nc.id}/step/accept_plan", data={"version": nc.version}).status_code
        == 422
    )
    auth.logout()
    auth.login(world.auditor)
    client.post(f"/capa/{nc.id}/step/accept_plan", data={"version": nc.version})
    auth.logout()
    auth.login(world.officer)
    db.session.refresh(nc)
    action = nc.current_actions[0]
    done = client.post(
        f"/capa/actions/{action.id}/done",
        data={
            "version": nc.version,
            "note": "SOP rev.02 dipasang",
            "file": (io.BytesIO(PDF), "foto.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    db.session.refresh(nc)
    client.post(f"/capa/{nc.id}/step/mark_implemented", data={"version": nc.version})
    db.session.refresh(nc)
    assert nc.status == NcStatus.IMPLEMENTED
    form = client.get(f"/capa/{nc.id}/request-form")
    assert form.status_code == 200 and "Permintaan Tindakan Koreksi" in form.get_data(as_text=True)
    assert nc.number in form.get_data(as_text=True)


def test_the_api_moves_and_refuses_like_the_pages(world, api):
    nc = raise_nc(world)
    api.as_user(world.officer)
    got = api.get(f"/nonconformities/{nc.id}").get_json()["data"]
    assert got["transitions"] == ["record_correction"] and got["version"] == 1
    moved = api.post(
        f"/nonconformities/{nc.id}/transitions/record_correction",
        json={"version": 1, "correction": "Diperbaiki."},
    )
    assert moved.status_code == 200 and moved.get_json()["data"]["status"] == "correction_recorded"
    stale = api.post(
        f"/nonconformities/{nc.id}/transitions/analyse_cause",
        json={
            "version": 1,
            "why_1": "a",
            "cause_category": "method",
            "root_cause": "b",
            "occurs_elsewhere": "no",
        },
    )
    assert stale.status_code == 409
    bad = api.post(f"/nonconformities/{nc.id}/transitions/close", json={"version": 2})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["message"].startswith("“Tutup” tidak dapat dilakukan")
    assert api.post(f"/nonconformities/{nc.id}/transitions/close", json={}).status_code == 422
    listed = api.get("/nonconformities").get_json()["data"]
    assert [n["number"] for n in listed] == [nc.number]
    assert api.as_user(world.stranger).get(f"/nonconformities/{nc.id}").status_code == 404
    assert api.as_user(world.bsn).get(f"/nonconformities/{nc.id}").status_code == 200
    refused = api.as_user(world.bsn).post(
        f"/nonconformities/{nc.id}/transitions/analyse_cause", json={"version": 2}
    )
    assert refused.status_code == 403
    created = api.as_user(world.auditor).post(
        "/nonconformities",
        json={
            "agency_id": world.rsud.id,
            "source": "staff_report",
            "grade": "minor",
            "evidence": "Lemari arsip tidak dikunci.",
            "statement": "Rekam medis tidak aman.",
        },
    )
    assert created.status_code == 201
    assert created.get_json()["data"]["number"].startswith("KTS-")
    paths = api.get("/openapi.json").get_json()["paths"]
    assert "/api/v1/nonconformities/{nc_id}/transitions/record_correction" in paths


def test_raising_elsewhere_than_offered_is_refused_naming_the_agency(world, api, client, auth):
    """The officer of Dukcapil may raise only in Dukcapil: another agency is refused as a
    choice not offered (422 on agency_id), never quietly replaced by one they may use."""
    body = {
        "agency_id": world.rsud.id,
        "source": "staff_report",
        "grade": "minor",
        "evidence": "Lemari arsip tidak dikunci.",
        "statement": "Rekam medis tidak aman.",
    }
    refused = api.as_user(world.officer).post("/nonconformities", json=body)
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["agency_id"]
    future = {**body, "agency_id": world.dukcapil.id, "raised_on": "2999-01-01"}
    late = api.post("/nonconformities", json=future)
    assert late.status_code == 422 and list(late.get_json()["error"]["fields"]) == ["raised_on"]
    auth.login(world.officer)
    page = client.post("/capa/new", data=body)
    assert page.status_code == 422
    assert "Anda tidak boleh menambahkan data di sana" in page.get_data(as_text=True)
    assert db.session.scalar(select(Nonconformity.id)) is None


def test_the_api_adds_lists_and_removes_the_actions_of_a_plan(world, api, app):
    with app.test_request_context():
        nc = analysed(world, raise_nc(world), date(2026, 3, 2))
    version = nc.version
    api.as_user(world.officer)
    action = {
        "kind": "preventive",
        "description": "Latih petugas",
        "owner": "Kabid",
        "due_date": "2026-03-20",
    }
    added = api.post(f"/nonconformities/{nc.id}/actions", json={"version": version, **action})
    assert added.status_code == 201
    action_id = added.get_json()["data"]["id"]
    listed = api.get(f"/nonconformities/{nc.id}/actions").get_json()["data"]
    assert [(a["id"], a["kind"], a["done"]) for a in listed] == [(action_id, "preventive", False)]
    stale = api.post(f"/actions/{action_id}/remove", json={"version": version})
    assert stale.status_code == 409
    refused = api.as_user(world.bsn).post(
        f"/actions/{action_id}/remove", json={"version": version + 1}
    )
    assert refused.status_code == 403
    assert (
        api.as_user(world.stranger)
        .post(f"/actions/{action_id}/remove", json={"version": version + 1})
        .status_code
        == 404
    )
    removed = api.as_user(world.officer).post(
        f"/actions/{action_id}/remove", json={"version": version + 1}
    )
    assert removed.status_code == 200 and removed.get_json()["data"]["actions"] == []


def test_reminders_before_after_and_escalation_are_sent_once(world, app):
    nc = raise_nc(world, grade="major", raised_on=date(2026, 3, 2))  # due 1 April
    due = nc.due_date
    with app.test_request_context():
        assert run_reminders(due - timedelta(days=8)) == []
        before = run_reminders(due - timedelta(days=7))
        assert {m.to for m in before} == {world.officer.email, world.officer2.email}
        assert run_reminders(due - timedelta(days=6)) == []  # sent once
        overdue = run_reminders(due + timedelta(days=1))
        assert {m.to for m in overdue} == {world.officer.email, world.officer2.email}
        assert run_reminders(due + timedelta(days=13)) == []
        escalated = run_reminders(due + timedelta(days=14))
        assert [m.to for m in escalated] == [world.admin.email]
        assert run_reminders(due + timedelta(days=20)) == []
    keys = db.session.scalars(select(OutboxMessage.key)).all()
    assert len(keys) == len(set(keys)) == 5
    assert "Tindakan korektif" in db.session.scalars(select(OutboxMessage.subject)).first()


def test_the_reminder_and_escalation_delays_come_from_the_configuration(world, app):
    nc = raise_nc(world, raised_on=date(2026, 3, 2))
    app.config.update(CAPA_REMIND_BEFORE_DAYS=2, CAPA_ESCALATE_AFTER_DAYS=3)
    due = nc.due_date
    with app.test_request_context():
        assert run_reminders(due - timedelta(days=3)) == []
        assert len(run_reminders(due - timedelta(days=2))) == 2
        assert [
            m.to for m in run_reminders(due + timedelta(days=3)) if "Eskalasi" in m.subject
        ] == [world.admin.email]


def test_an_action_is_removed_from_the_plan_on_the_page(world, client, auth, app):
    with app.test_request_context():
        nc = analysed(world, raise_nc(world), date(2026, 3, 2))
        action = operations.add_action(
            world.officer,
            nc,
            {"description": "Salah ketik", "owner": "Sekdis", "due_date": date(2026, 3, 9)},
        )
    auth.login(world.officer)
    assert f"/capa/actions/{action.id}/remove" in client.get(f"/capa/{nc.id}").get_data(
        as_text=True
    )
    removed = client.post(f"/capa/actions/{action.id}/remove", data={"version": nc.version})
    assert removed.status_code == 302
    db.session.refresh(nc)
    assert nc.current_actions == []


def test_implemented_items_are_not_reminded(world, app):
    nc = raise_nc(world, raised_on=date(2026, 3, 2))
    nc.status = NcStatus.IMPLEMENTED
    with app.test_request_context():
        assert run_reminders(nc.due_date + timedelta(days=30)) == []


def test_the_home_panel_lists_overdue_items(world, client, auth):
    nc = raise_nc(world, raised_on=date(2025, 1, 2))
    auth.login(world.officer)
    page = client.get("/").get_data(as_text=True)
    assert nc.number in page and "Terlambat" in page


def test_dashboard_figures_match_counts_made_here(world, client, auth):
    day = date(2026, 6, 30)
    ages = [5, 45, 75, 120, 200]
    ncs = [
        raise_nc(world, grade=("major" if i % 2 else "minor"), raised_on=day - timedelta(days=a))
        for i, a in enumerate(ages)
    ]
    ncs.append(raise_nc(world, agency=world.rsud, raised_on=day - timedelta(days=10)))
    closed = ncs[-2]
    closed.status = NcStatus.CLOSED
    closed.closed_at = datetime.combine(day - timedelta(days=20), datetime.min.time())
    for i in range(4):
        ComplaintFactory(
            agency=world.dukcapil,
            received_at=datetime(2026, 6, 1 + i, 9),
            responded_at=datetime(2026, 6, 1 + i * 3, 15) if i < 3 else None,
        )
    db.session.flush()
    board = figures.build(world.admin, day)
    open_ncs = [n for n in ncs if n.status != NcStatus.CLOSED]
    assert board.open_total == len(open_ncs)
    by_agency = Counter((n.agency.name, n.grade.value) for n in open_ncs)
    assert {(a, "major"): m for a, m, _ in board.open_by_agency} | {
        (a, "minor"): m for a, _, m in board.open_by_agency
    } == {
        k: by_agency.get(k, 0)
        for a, _, _ in board.open_by_agency
        for k in ((a, "major"), (a, "minor"))
    }
    expected_ageing = Counter(
        "0–30" if d <= 30 else "31–60" if d <= 60 else "61–90" if d <= 90 else "> 90"
        for d in ((day - n.raised_on).days for n in open_ncs)
    )
    assert dict(board.ageing) == {k: expected_ageing.get(k, 0) for k in dict(board.ageing)}
    assert board.mean_days_to_close == (closed.closed_at.date() - closed.raised_on).days
    assert [n.id for n in board.overdue] == sorted(
        (n.id for n in open_ncs if n.due_date < day),
        key=lambda i: db.session.get(Nonconformity, i).due_date,
    )
    assert board.complaints_by_channel == [("Qlue", 4)]
    assert board.unanswered == 1
    # answered after 0, 2 and 2 working days (the third on Sunday 7 June: Thursday and Friday
    # count, the weekend not); all within 5; one of four unanswered
    assert board.response_by_channel[0][:3] == ("Qlue", 3, pytest.approx((0 + 2 + 2) / 3))
    assert board.response_by_channel[0][3] == pytest.approx(3 / 4)
    assert dict(board.response_buckets) == {"0–1": 1, "2–3": 2, "4–5": 0, "6–10": 0, "> 10": 0}
    assert figures.build(world.stranger, day).open_total == 0
    # the reports' figures of the agencies, selected as the user may see them, are the same
    agencies = sorted({n.agency_id for n in ncs} | {world.dukcapil.id})
    assert figures.summarise(world.admin, agencies, (None, None), day) == board
    assert figures.summarise(world.stranger, agencies, (None, None), day).open_total == 0
    auth.login(world.admin)
    page = client.get("/capa/dashboard")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)


def test_the_dashboard_names_a_bounded_number_of_agencies_and_overdue_items(
    world, client, auth, monkeypatch
):
    """A national reader sees hundreds of agencies and thousands of overdue items: the
    dashboard counts them all but names only the first few, with a link to the register."""
    monkeypatch.setattr(figures, "DASHBOARD_LISTED", 2)
    day = date(2026, 6, 30)
    agencies = [world.dukcapil, world.other_city_agency, world.rsud] * 2
    ncs = [
        raise_nc(world, agency=agency, raised_on=day - timedelta(days=100 + i))
        for i, agency in enumerate(agencies[:5])
    ]
    db.session.commit()
    board = figures.build(world.bsn, day)
    assert board.overdue_count == 5 and board.open_total == 5
    oldest_due = sorted(ncs, key=lambda nc: (nc.due_date, nc.id))[:2]
    assert [nc.id for nc in board.overdue] == [nc.id for nc in oldest_due]
    assert board.agencies_with_open == 3
    # the agency with the most first; names carry their city when several cities are listed
    assert board.open_by_agency == [
        ("Dinas Dukcapil Kota Kupang (Kota Kupang)", 2, 0),
        (f"Dinas Dukcapil Kota Lain ({world.other_city_agency.city.name})", 2, 0),
    ]
    # within one city, names stand alone
    assert figures.build(world.admin, day).open_by_agency[0][0] == "Dinas Dukcapil Kota Kupang"
    auth.login(world.bsn)
    page = client.get("/capa/dashboard").get_data(as_text=True)
    assert "/capa/?overdue=1" in page and ">5</strong>" in page


def test_the_demo_seeder_is_idempotent(app):
    from qms.demo import seed

    seed()
    first = (
        db.session.scalar(select(db.func.count(Nonconformity.id))),
        sorted(db.session.scalars(select(Nonconformity.status)).all()),
    )
    assert first[0] >= 8 and {s.value for s in first[1]} >= {"open", "closed", "reopened"}
    seed()
    assert (
        db.session.scalar(select(db.func.count(Nonconformity.id))),
        sorted(db.session.scalars(select(Nonconformity.status)).all()),
    ) == first


def test_each_step_is_offered_only_to_whoever_may_take_it(world, client, auth, api):
    """The plan's author is not offered to accept it, the implementer not to verify: the page
    says who may take the step instead (the workflow's rule, also in the API's transitions)."""
    nc = planned(world, analysed(world, raise_nc(world), date(2026, 3, 2)), date(2026, 3, 2))
    db.session.commit()
    auth.login(world.officer)  # the plan's author
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert "/step/accept_plan" not in page and "/step/return_plan" not in page
    assert "menunggu Yosef Lay, Rosalina Manafe." in page  # the other officer, the auditor
    auth.logout()
    auth.login(world.auditor)
    assert "/step/accept_plan" in client.get(f"/capa/{nc.id}").get_data(as_text=True)
    api.as_user(world.officer)
    assert api.get(f"/nonconformities/{nc.id}").get_json()["data"]["transitions"] == []
    implemented(world, nc, date(2026, 3, 2))
    db.session.commit()
    auth.logout()
    auth.login(world.officer)  # the implementer
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert "/step/verify_effective" not in page
    assert "menunggu Yosef Lay, Yohanes Ndun, Rosalina Manafe." in page


def test_the_analysis_form_shows_every_stored_answer(world, client, auth):
    """Once the analysis is saved its form (to revise it; the same form after a failed
    verification re-opens the plan) holds the stored five whys, category, root cause and the
    other answers."""
    nc = raise_nc(world)
    workflow.transition(world.officer, nc, "record_correction", {"correction": "Diperbaiki."})
    whys = ["Satu.", "Dua.", "Tiga.", "Empat.", "Lima."]
    workflow.transition(
        world.officer,
        nc,
        "analyse_cause",
        {
            "why_steps": whys,
            "cause_category": "people",
            "root_cause": "Petugas belum dilatih.",
            "occurs_elsewhere": True,
            "elsewhere_note": "Dicek di gerai MPP.",
        },
    )
    db.session.commit()
    auth.login(world.officer)
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    analysis = page[page.index(f'action="/capa/{nc.id}/step/analyse_cause"') :]
    analysis = analysis[: analysis.index("</form>")]
    for i, why in enumerate(whys, start=1):
        assert re.search(f'<input id="analyse_cause-why_{i}"[^>]* value="{why}">', analysis)
    assert '<option selected value="people">' in analysis
    assert '<option selected value="yes">' in analysis
    assert re.search(r'name="root_cause"[^>]*>\s*Petugas belum dilatih.</textarea>', analysis)
    assert re.search(r'name="elsewhere_note"[^>]*>\s*Dicek di gerai MPP.</textarea>', analysis)
    # "update risks and opportunities" links risks of the register (qms.planning's part of the
    # analysis) instead of the yes/no flag older records keep
    assert 'name="risk_ids"' in analysis and "risk_register_updated" not in analysis
