"""A management review walked step by step with every refusal named, its minutes fixed once
held (corrections only with a reason, kept in the history), its actions tracked to done with
reminders sent once, an action leading to a nonconformity (linked both ways), the late flag,
its pages and API for each role, and the minutes PDF read back. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from qms.capa.models import NcSource, Nonconformity
from qms.core.errors import DomainError, PermissionDenied
from qms.core.history import history_of
from qms.core.registry import reminder_sources
from qms.extensions import db
from qms.reports import archive, jobs, portal
from qms.reports.models import ReportStatus
from qms.review import operations, queries, workflow
from qms.review.models import ReviewStatus
from qms.review.readiness import readiness
from tests.factories_plan import make_world
from tests.factories_review import CUT_OFF, held_review, plan_review, prepared_review


@pytest.fixture(autouse=True)
def _english(app):
    """The refusals are read in English here (the default language is Indonesian)."""
    with force_locale("en"):
        yield


def _refusal(call) -> DomainError:
    """The refusal a change meets (each refuses before it changes anything)."""
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_the_review_walks_its_steps_and_refuses_what_it_must(app):
    world = make_world()
    review = plan_review(world)
    officer = world.officer

    # nothing to minute or decide before the pack exists
    refused = _refusal(
        lambda: operations.add_action(
            officer,
            review,
            {"kind": "resource", "description": "x", "owner": "y", "due_on": CUT_OFF},
        )
    )
    assert "Prepare the input pack first" in str(refused.message)
    refused = _refusal(
        lambda: workflow.transition(officer, review, "hold", today=date(2026, 4, 14))
    )
    assert "not possible while the status" in str(refused.message)

    review = plan_review(world, title="RTM kedua")
    workflow.transition(officer, review, "prepare", today=date(2026, 4, 2))
    assert review.status == ReviewStatus.PREPARED and review.pack_hash

    # an action without owner or due date is refused with the field named
    base = {"kind": "improvement", "description": "SMS notifikasi KTP-el siap"}
    assert (
        _refusal(
            lambda: operations.add_action(officer, review, {**base, "due_on": date(2026, 6, 1)})
        ).field
        == "owner"
    )
    assert (
        _refusal(lambda: operations.add_action(officer, review, {**base, "owner": "Kabid"})).field
        == "due_on"
    )
    assert (
        _refusal(
            lambda: operations.add_action(
                officer, review, {**base, "owner": "K", "due_on": date(2026, 6, 1), "kind": "x"}
            )
        ).field
        == "kind"
    )
    action = operations.add_action(
        officer, review, {**base, "owner": "Kabid", "due_on": date(2026, 6, 1)}
    )

    # not before the cut-off, not in the future
    refused = _refusal(
        lambda: workflow.transition(
            officer, review, "hold", {"held_on": date(2026, 3, 30)}, today=date(2026, 4, 14)
        )
    )
    assert refused.field == "held_on" and "before its data cut-off" in str(refused.message)
    refused = _refusal(
        lambda: workflow.transition(
            officer, review, "hold", {"held_on": date(2026, 4, 20)}, today=date(2026, 4, 14)
        )
    )
    assert "before it takes place" in str(refused.message)

    # a cut-off changed after preparing asks for the pack again
    review = db.session.get(type(review), review.id)
    operations.update_review(
        officer, review, {"cut_off": date(2026, 4, 1), "planned_on": date(2026, 4, 14)}
    )
    refused = _refusal(
        lambda: workflow.transition(
            officer, review, "hold", {"held_on": date(2026, 4, 14)}, today=date(2026, 4, 14)
        )
    )
    assert "prepare it again" in str(refused.message)
    review = db.session.get(type(review), review.id)
    operations.update_review(
        officer, review, {"cut_off": date(2026, 4, 1), "planned_on": date(2026, 4, 14)}
    )
    workflow.transition(officer, review, "prepare", today=date(2026, 4, 2))
    operations.record_minutes(officer, review, "Rapat lancar.", {"complaints": "Pengaduan naik."})
    workflow.transition(
        officer, review, "hold", {"held_on": date(2026, 4, 14)}, today=date(2026, 4, 14)
    )
    db.session.commit()
    assert review.status == ReviewStatus.HELD and review.held_on == date(2026, 4, 14)

    # the minutes are fixed: no edit, no attendee, no new action, no new minutes
    assert "minutes are fixed" in str(
        _refusal(lambda: operations.update_review(officer, review, {"venue": "Kantor"})).message
    )
    assert "minutes are fixed" in str(
        _refusal(lambda: operations.add_attendee(officer, review, {"name": "A"})).message
    )
    assert "minutes are fixed" in str(
        _refusal(lambda: operations.record_minutes(officer, review, "x", {})).message
    )

    # a correction needs a reason, and the history keeps the old text and the reason
    assert (
        _refusal(
            lambda: operations.correct(officer, review, {"summary": "Rapat berjalan lancar."}, " ")
        ).field
        == "reason"
    )
    operations.correct(
        officer, review, {"summary": "Rapat berjalan lancar dan tepat waktu."}, "Salah ketik"
    )
    db.session.commit()
    entries = history_of(review)
    corrected = next(e for e in entries if e.note and "Salah ketik" in e.note)
    assert corrected.changes["summary"] == [
        "Rapat lancar.",
        "Rapat berjalan lancar dan tepat waktu.",
    ]

    # closing waits for every action
    refused = _refusal(
        lambda: workflow.transition(officer, review, "close", today=date(2026, 5, 1))
    )
    assert "1 action(s) of the review are still open" in str(refused.message)
    assert (
        _refusal(lambda: operations.complete_action(officer, action, {"result": ""})).field
        == "result"
    )
    operations.complete_action(officer, action, {"result": "SMS aktif"}, today=date(2026, 5, 2))
    workflow.transition(officer, review, "close", today=date(2026, 5, 3))
    assert review.status == ReviewStatus.CLOSED and review.closed_on == date(2026, 5, 3)


def test_only_the_agencys_officer_and_the_city_admin_change_reviews(app):
    world = make_world()
    review = prepared_review(world)
    for reader in [*world.readers, world.other_officer, world.stranger]:
        with pytest.raises(PermissionDenied):
            operations.add_attendee(reader, review, {"name": "Penyusup"})
        with pytest.raises(PermissionDenied):
            workflow.transition(reader, review, "prepare")
    operations.add_attendee(world.admin, review, {"name": "Yohanes Ndun", "position": "Admin kota"})
    assert [a.name for a in review.attendees] == ["Yohanes Ndun"]


def test_pages_and_api_for_each_role(app, client, auth, api):
    world = make_world()
    review = held_review(world)
    db.session.commit()
    for reader in [world.officer, world.admin, *world.readers]:
        auth.login(reader)
        assert client.get(f"/review/{review.id}").status_code == 200
        assert client.get("/review/").status_code == 200
        assert client.get(f"/review/readiness/{world.agency.id}").status_code == 200
        assert client.get(f"/agencies/{world.agency.id}").status_code == 200
        auth.logout()
    for outsider in (world.other_officer, world.stranger):
        auth.login(outsider)
        assert client.get(f"/review/{review.id}").status_code == 404
        auth.logout()
        api.as_user(outsider)
        assert api.get(f"/management-reviews/{review.id}").status_code == 404
        assert api.get(f"/management-reviews/{review.id}/inputs").status_code == 404
    # read-only roles read through the API and never write
    for reader in world.readers:
        api.as_user(reader)
        assert api.get(f"/management-reviews/{review.id}/inputs").status_code == 200
        assert api.post(f"/management-reviews/{review.id}/transitions/close").status_code == 403
    api.as_user(world.auditor)
    created = api.post(
        "/management-reviews",
        json={
            "agency_id": world.agency.id,
            "planned_on": "2026-10-01",
            "cut_off": "2026-09-30",
            "chair": "X",
        },
    )
    assert created.status_code == 422 and "agency_id" in created.get_json()["error"]["fields"]

    # the officer plans, prepares and decides through the API; the field is named
    api.as_user(world.officer)
    created = api.post(
        "/management-reviews",
        json={
            "agency_id": world.agency.id,
            "planned_on": "2026-10-01",
            "cut_off": "2026-10-02",
            "chair": "X",
        },
    )
    assert created.status_code == 422 and "cut_off" in created.get_json()["error"]["fields"]
    created = api.post(
        "/management-reviews",
        json={
            "agency_id": world.agency.id,
            "planned_on": "2026-10-01",
            "cut_off": "2026-09-30",
            "chair": "Kadis",
        },
    )
    assert created.status_code == 201
    new = created.get_json()["data"]
    assert new["title"] == "Tinjauan manajemen 2026" or new["title"].endswith("2026")
    patched = api.patch(
        f"/management-reviews/{new['id']}", json={"venue": "Aula", "version": new["version"]}
    )
    assert patched.status_code == 200 and patched.get_json()["data"]["venue"] == "Aula"
    stale = api.patch(
        f"/management-reviews/{new['id']}", json={"venue": "Lain", "version": new["version"]}
    )
    assert stale.status_code == 409
    assert api.post(f"/management-reviews/{new['id']}/transitions/prepare").status_code == 200
    missing_owner = api.post(
        f"/management-reviews/{new['id']}/actions",
        json={"kind": "resource", "description": "Tambah loket", "due_on": "2026-12-01"},
    )
    assert (
        missing_owner.status_code == 422 and "owner" in missing_owner.get_json()["error"]["fields"]
    )
    added = api.post(
        f"/management-reviews/{new['id']}/actions",
        json={
            "kind": "resource",
            "description": "Tambah loket",
            "owner": "Sekdis",
            "due_on": "2026-12-01",
        },
    )
    assert added.status_code == 201
    listed = api.get(f"/management-reviews/{new['id']}/actions").get_json()["data"]
    assert [a["description"] for a in listed] == ["Tambah loket"]
    early = api.post(
        f"/management-reviews/{new['id']}/transitions/hold", json={"held_on": "2026-09-01"}
    )
    assert early.status_code == 422 and "held_on" in early.get_json()["error"]["fields"]


def test_an_action_raises_a_nonconformity_linked_both_ways(app, client, auth):
    world = make_world()
    review = prepared_review(world)
    action = operations.add_action(
        world.officer,
        review,
        {
            "kind": "qms_change",
            "description": "SOP antrean tidak diikuti",
            "owner": "Kabid",
            "due_on": date(2026, 6, 1),
        },
    )
    with pytest.raises(DomainError) as refused:
        operations.link_action(world.officer, action, "nowhere")
    assert refused.value.field == "outlet"
    with pytest.raises(DomainError) as refused:
        operations.link_action(world.officer, action, "document_revision")
    assert refused.value.field == "target_id"
    operations.link_action(world.officer, action, "nonconformity")
    db.session.commit()
    nc = db.session.scalar(select(Nonconformity).where(Nonconformity.id == action.link_id))
    assert nc.source == NcSource.MANAGEMENT_REVIEW and nc.source_reference == review.title
    assert nc.statement == "SOP antrean tidak diikuti" and nc.agency_id == world.agency.id
    auth.login(world.officer)
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert nc.number in page and f"/capa/{nc.id}" in page
    nc_page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert review.title in nc_page


def test_reminders_of_actions_are_sent_once_and_late_reviews_are_flagged(app, runner):
    world = make_world()
    earlier = held_review(
        world,
        title="RTM 2025",
        planned_on=date(2025, 1, 20),
        cut_off=date(2024, 12, 31),
        held_on=date(2025, 1, 20),
    )
    later = held_review(world, held_on=date(2026, 4, 14))
    assert queries.months_between(earlier.held_on, later.held_on) == 15
    assert queries.late_by(later) == 15 and queries.late_by(earlier) is None
    db.session.commit()
    sources = [s for s in reminder_sources if s.__module__ == "qms.review.reminders"]
    assert len(sources) == 1
    with app.test_request_context():
        before = list(sources[0](date(2026, 6, 25)))
        overdue = list(sources[0](date(2026, 7, 2)))
        assert list(sources[0](date(2026, 6, 1))) == []  # not yet within the notice period
    # each action once per stage, for the agency's officer: two actions, due, then overdue
    assert [r.to for r in before] == [world.officer.email] * 2
    assert all(":before:" in r.key for r in before) and all(":overdue:" in r.key for r in overdue)
    assert len({r.key for r in before + overdue}) == 4


def test_the_minutes_pdf_reads_back(app):
    world = make_world()
    review = held_review(world)
    operations.correct(world.officer, review, {"summary": "Keputusan rapat dicatat."}, "Ringkasan")
    db.session.commit()
    rtype, req = portal.build_request(
        world.officer,
        "management-review-minutes",
        locale="id",
        city_id=world.city.id,
        record_reference=str(review.id),
    )
    report = jobs.submit(world.officer, rtype, req).report
    db.session.refresh(report)
    assert report.status is ReportStatus.DONE, report.error
    pdf = PdfReader(io.BytesIO(archive.read_pdf(report)))
    assert len(pdf.pages) >= 5  # cover, contents, meeting, inputs, decisions, attendance
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Notulen Rapat Tinjauan Manajemen" in text
    assert "Ajukan tambahan blangko KTP-el ke Ditjen Dukcapil." in text
    assert "Drs. Markus Lalo" in text and "Maria Bria" in text and "Wakil Manajemen" in text
    assert "Tanda tangan" in text and text.count("..............................") >= 2
    assert review.pack_hash in text


def test_the_pages_record_minutes_refuse_with_the_field_and_correct_with_a_reason(
    app, client, auth
):
    world = make_world()
    review = prepared_review(world)
    db.session.commit()
    auth.login(world.officer)
    saved = client.post(
        f"/review/{review.id}/minutes",
        data={"summary": "Rapat tepat waktu.", "discussion_complaints": "Pengaduan turun."},
    )
    assert saved.status_code == 302
    assert review.summary == "Rapat tepat waktu." and review.discussion_of("complaints") == (
        "Pengaduan turun."
    )
    refused = client.post(
        f"/review/{review.id}/actions",
        data={"kind": "improvement", "description": "Antrean daring", "due_on": "2026-08-01"},
    )
    assert refused.status_code == 422 and "Sebutkan penanggung jawabnya." in refused.get_data(
        as_text=True
    )
    assert review.actions == []
    held = client.post(f"/review/{review.id}/step/hold", data={"held_on": "2026-04-14"})
    assert held.status_code == 302 and review.status == ReviewStatus.HELD
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert 'id="correction"' in page and "Pengaduan turun." in page
    assert client.post(f"/review/{review.id}/minutes", data={"summary": "x"}).status_code == 422
    corrected = client.post(
        f"/review/{review.id}/correct",
        data={"summary": "Rapat tepat waktu, dihadiri 5 orang.", "reason": "Jumlah peserta"},
    )
    assert corrected.status_code == 302 and review.summary.endswith("5 orang.")
    closed = client.post(f"/review/{review.id}/step/close")
    assert closed.status_code == 302 and review.status == ReviewStatus.CLOSED


def test_readiness_reads_without_a_request_as_the_report_worker_builds_it(app):
    """Without a request (the report worker, a command) the reasons are the same, without links."""
    world = make_world()
    review = held_review(world)
    data = readiness(world.agency, date(2026, 6, 1))
    held = next(c for c in data["conditions"] if c["key"] == "review-held")
    assert held["met"] and held["links"] == [{"label": review.title, "url": None}]
