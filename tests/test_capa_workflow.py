"""The gated corrective-action workflow: every step, the refusals, separation of duties, the
verification date, re-opening, numbering and optimistic locking."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from qms.capa import operations, workflow
from qms.capa.forms import TRANSITION_FORMS
from qms.capa.models import NcStatus, Nonconformity
from qms.core.errors import DomainError, PermissionDenied, StaleRecordError
from qms.core.history import HistoryEntry
from qms.extensions import db
from tests.factories_capa import PDF, analysed, implemented, make_world, planned, raise_nc

TODAY = date(2026, 3, 2)


@pytest.fixture
def world(app):
    with app.test_request_context():  # messages are rendered in a language, as in a request
        yield make_world()


def notes(nc: Nonconformity) -> list[str]:
    return [
        e.note
        for e in db.session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.record_type == "nonconformities", HistoryEntry.record_id == nc.id)
            .order_by(HistoryEntry.id)
        )
        if e.note
    ]


def test_every_step_of_the_table_has_its_handler_and_its_form():
    assert set(workflow.STEPS) == set(workflow.WORKFLOW.transitions) == set(TRANSITION_FORMS)


def test_a_major_finding_goes_to_closed_through_a_failed_verification(world):
    """The workflow of the issue's 'done when' (from a real audit finding, through the pages:
    tests/test_audit_capa_flow.py): correction → 5-why → plan → acceptance → implementation →
    failed verification → second plan → effective verification → closed."""
    nc = raise_nc(world, raised_on=TODAY)
    assert nc.number == "KTS-2026-DUKCAPIL-001"
    assert nc.due_date == TODAY + timedelta(days=30)  # internal audit, major
    analysed(world, nc, TODAY)
    planned(world, nc, TODAY)
    assert not workflow.plan_is_accepted(nc)
    implemented(world, nc, TODAY)
    assert workflow.plan_is_accepted(nc)
    later = TODAY + timedelta(days=30)
    workflow.transition(
        world.auditor, nc, "verify_not_effective", {"note": "RTM tanpa masukan audit."}, today=later
    )
    assert nc.status == NcStatus.REOPENED and nc.reopened_count == 1 and nc.plan_round == 2
    assert not workflow.plan_is_accepted(nc)
    assert nc.due_date == later + timedelta(days=30)
    assert nc.current_actions == []
    planned(world, nc, later)
    implemented(world, nc, later)
    workflow.transition(
        world.auditor, nc, "verify_effective", {"note": "RTM lengkap."}, today=later + timedelta(30)
    )
    workflow.transition(world.auditor, nc, "close", today=later + timedelta(days=30))
    assert nc.status == NcStatus.CLOSED and not nc.is_open
    assert [c.result.value for c in nc.checks] == ["not_effective", "effective"]
    assert len(nc.actions) == 2
    steps = [n.removeprefix("transition:") for n in notes(nc)]
    assert steps == [
        "record_correction",
        "analyse_cause",
        "submit_plan",
        "accept_plan",
        "mark_implemented",
        "verify_not_effective",
        "submit_plan",
        "accept_plan",
        "mark_implemented",
        "verify_effective",
        "close",
    ]


def _refused(actor, nc, name, values=None, *, today=TODAY, error=DomainError, match=""):
    db.session.commit()  # what was there before stays; the refused step is rolled back
    before = (nc.status, nc.version)
    with pytest.raises(error) as caught:
        workflow.transition(actor, nc, name, values or {}, today=today)
    db.session.rollback()
    db.session.refresh(nc)
    assert (nc.status, nc.version) == before
    assert match in str(caught.value.message)
    return caught.value


@pytest.mark.parametrize(
    "name",
    [
        "analyse_cause",
        "submit_plan",
        "accept_plan",
        "mark_implemented",
        "verify_effective",
        "close",
    ],
)
def test_an_open_nonconformity_refuses_every_later_step(world, name):
    nc = raise_nc(world)
    with force_locale("id"):
        error = _refused(world.officer, nc, name)
        assert "tidak dapat dilakukan selama status “Terbuka”" in str(error.message)


def test_the_rule_broken_is_named_in_the_users_language(world, app):
    nc = raise_nc(world)
    with force_locale("en"):
        error = _refused(world.officer, nc, "close")
        assert str(error.message) == "“Close” is not possible while the status is “Open”."


def test_the_correction_and_analysis_need_their_content(world):
    nc = raise_nc(world)
    _refused(world.officer, nc, "record_correction", {"correction": " "})
    workflow.transition(world.officer, nc, "record_correction", {"correction": "Diperbaiki."})
    _refused(world.officer, nc, "analyse_cause", {"why_steps": [], "root_cause": "x"})
    _refused(
        world.officer,
        nc,
        "analyse_cause",
        {"why_steps": ["a"], "cause_category": "method", "root_cause": "x"},  # no "elsewhere?"
    )


def test_a_plan_needs_actions_and_a_check_after_the_last_due_date(world):
    nc = analysed(world, raise_nc(world), TODAY)
    _refused(world.officer, nc, "submit_plan", {"effectiveness_check_on": TODAY})
    operations.add_action(
        world.officer,
        nc,
        {"description": "Susun jadwal RTM", "owner": "Sekdis", "due_date": TODAY + timedelta(9)},
    )
    _refused(world.officer, nc, "submit_plan", {"effectiveness_check_on": TODAY})
    workflow.transition(
        world.officer, nc, "submit_plan", {"effectiveness_check_on": TODAY + timedelta(10)}
    )
    assert nc.status == NcStatus.PLAN_SUBMITTED
    with pytest.raises(DomainError):  # the plan is frozen once submitted
        operations.add_action(
            world.officer, nc, {"description": "x", "owner": "y", "due_date": TODAY}
        )


def test_an_action_of_the_plan_being_written_can_be_removed_and_the_history_keeps_it(world):
    nc = analysed(world, raise_nc(world), TODAY)
    values = {"description": "Susun jadwal RTM", "owner": "Sekdis", "due_date": TODAY}
    dropped = operations.add_action(world.officer, nc, values)
    kept = operations.add_action(world.officer, nc, {**values, "description": "Undang pimpinan"})
    dropped_id = dropped.id
    with pytest.raises(PermissionDenied):
        operations.remove_action(world.rsud_officer, dropped)
    with pytest.raises(StaleRecordError):
        operations.remove_action(world.officer, dropped, version=nc.version - 1)
    operations.remove_action(world.officer, dropped, version=nc.version)
    db.session.refresh(nc)
    assert nc.current_actions == [kept]
    removal = db.session.scalars(
        select(HistoryEntry)
        .where(
            HistoryEntry.record_type == "corrective_actions", HistoryEntry.record_id == dropped_id
        )
        .order_by(HistoryEntry.id)
    ).all()
    assert [e.action for e in removal] == ["create", "delete"]
    workflow.transition(world.officer, nc, "submit_plan", {"effectiveness_check_on": TODAY})
    with pytest.raises(DomainError, match="masih disusun"):
        operations.remove_action(world.officer, kept)
    assert nc.current_actions == [kept]


def test_the_plan_is_accepted_by_someone_other_than_its_author(world):
    nc = planned(world, analysed(world, raise_nc(world), TODAY), TODAY)
    _refused(world.officer, nc, "accept_plan", match="selain penyusunnya")
    _refused(world.rsud_officer, nc, "accept_plan", error=PermissionDenied)
    _refused(world.other_auditor, nc, "accept_plan", error=PermissionDenied)  # not following it
    _refused(world.admin, nc, "accept_plan", error=PermissionDenied)  # auditor or officer only
    workflow.transition(world.officer2, nc, "accept_plan")  # the agency's other quality officer
    assert nc.plan_accepted_by_id == world.officer2.id


def test_a_returned_plan_goes_back_to_the_analysis(world):
    nc = planned(world, analysed(world, raise_nc(world), TODAY), TODAY)
    _refused(world.auditor, nc, "return_plan", {"note": ""})
    workflow.transition(world.auditor, nc, "return_plan", {"note": "Tambahkan pelatihan."})
    assert nc.status == NcStatus.CAUSE_ANALYSED and nc.plan_return_note


def test_implemented_needs_every_action_done_with_evidence(world):
    nc = analysed(world, raise_nc(world), TODAY)
    values = {"description": "Susun jadwal RTM", "owner": "Sekdis", "due_date": TODAY}
    operations.add_action(world.officer, nc, values)
    operations.add_action(world.officer, nc, {**values, "description": "Laksanakan RTM"})
    workflow.transition(world.officer, nc, "submit_plan", {"effectiveness_check_on": TODAY})
    workflow.transition(world.auditor, nc, "accept_plan")
    _refused(world.officer, nc, "mark_implemented", match="")
    first, second = nc.current_actions
    with pytest.raises(DomainError):
        operations.complete_action(world.officer, first, evidence=None, filename="")
    db.session.rollback()
    operations.complete_action(world.officer, first, evidence=io.BytesIO(PDF), filename="a.pdf")
    _refused(world.officer, nc, "mark_implemented", match="Semua tindakan")  # one still open
    operations.complete_action(world.officer, second, evidence=io.BytesIO(PDF), filename="b.pdf")
    workflow.transition(world.officer, nc, "mark_implemented")
    assert nc.status == NcStatus.IMPLEMENTED and nc.implemented_by_id == world.officer.id


def test_verification_by_someone_else_and_only_from_the_check_date(world):
    nc = implemented(world, planned(world, analysed(world, raise_nc(world), TODAY), TODAY), TODAY)
    check_day = nc.effectiveness_check_on
    note = {"note": "Sampel 10 berkas sesuai."}
    _refused(world.officer, nc, "verify_effective", note, today=check_day, match="selain pelaksana")
    _refused(world.auditor, nc, "verify_effective", note, today=check_day - timedelta(days=1))
    _refused(world.auditor, nc, "verify_effective", {"note": ""}, today=check_day)
    _refused(world.viewer, nc, "verify_effective", note, today=check_day, error=PermissionDenied)
    workflow.transition(world.auditor, nc, "verify_effective", note, today=check_day)
    assert nc.status == NcStatus.VERIFIED


def test_the_city_admin_may_verify_and_close(world):
    nc = implemented(world, planned(world, analysed(world, raise_nc(world), TODAY), TODAY), TODAY)
    day = nc.effectiveness_check_on
    workflow.transition(world.admin, nc, "verify_effective", {"note": "ok"}, today=day)
    workflow.transition(world.admin, nc, "close", today=day)
    assert nc.closed_by_id == world.admin.id


def test_no_close_without_an_effective_verification(world):
    nc = implemented(world, planned(world, analysed(world, raise_nc(world), TODAY), TODAY), TODAY)
    _refused(world.auditor, nc, "close")
    nc.status = NcStatus.VERIFIED  # even if the status were forced, the rule holds
    with pytest.raises(DomainError, match="setelah verifikasi menyatakan efektif"):
        workflow.transition(world.auditor, nc, "close")
    db.session.rollback()


def test_could_occur_elsewhere_raises_linked_nonconformities_in_the_same_city(world):
    nc = raise_nc(world, raised_on=TODAY)
    workflow.transition(world.officer, nc, "record_correction", {"correction": "Diperbaiki."})
    values = {
        "why_steps": ["a"],
        "cause_category": "method",
        "root_cause": "Tidak ada program SMM.",
        "occurs_elsewhere": True,
    }
    _refused(
        world.officer,
        nc,
        "analyse_cause",
        {**values, "elsewhere_agency_ids": [world.other_city_agency.id]},
    )
    workflow.transition(
        world.officer,
        nc,
        "analyse_cause",
        {**values, "elsewhere_agency_ids": [world.rsud.id]},
        today=TODAY,
    )
    linked = db.session.scalars(select(Nonconformity).where(Nonconformity.origin_id == nc.id)).all()
    assert [(n.agency_id, n.number, n.source_reference) for n in linked] == [
        (world.rsud.id, "KTS-2026-RSUD-001", nc.number)
    ]


def test_numbers_count_per_agency_and_year(world):
    a = raise_nc(world, raised_on=date(2026, 1, 5))
    b = raise_nc(world, raised_on=date(2026, 2, 5))
    c = raise_nc(world, agency=world.rsud, raised_on=date(2026, 2, 5))
    d = raise_nc(world, raised_on=date(2027, 1, 5))
    assert [x.number for x in (a, b, c, d)] == [
        "KTS-2026-DUKCAPIL-001",
        "KTS-2026-DUKCAPIL-002",
        "KTS-2026-RSUD-001",
        "KTS-2027-DUKCAPIL-001",
    ]
    assert re.fullmatch(r"KTS-\d{4}-[A-Z-]+-\d{3}", a.number)


def test_deadlines_come_from_the_configuration(world, app):
    assert raise_nc(world, grade="minor", raised_on=TODAY).due_date == TODAY + timedelta(60)
    app.config["CAPA_DEADLINES"]["external_audit"]["minor"] = 45
    nc = raise_nc(world, grade="minor", raised_on=TODAY, source="external_audit")
    assert nc.due_date == TODAY + timedelta(45)


def test_a_stale_version_is_refused_and_changes_nothing(world):
    nc = raise_nc(world)
    read = nc.version
    workflow.transition(world.officer, nc, "record_correction", {"correction": "A"}, version=read)
    with pytest.raises(StaleRecordError):
        workflow.transition(world.officer2, nc, "analyse_cause", {}, version=read)
    with pytest.raises(StaleRecordError):
        operations.add_action(world.officer2, nc, {}, version=read)


def test_two_sessions_writing_at_once_one_wins(world, app):
    """Two requests read the same version; the first commits; the second's write is refused
    by the database row's version, not silently applied."""
    nc = raise_nc(world)
    db.session.commit()
    other = Session(db.engine)
    try:
        theirs = other.get(Nonconformity, nc.id)
        workflow.transition(world.officer, nc, "record_correction", {"correction": "Kami."})
        db.session.commit()
        theirs.correction = "Mereka."
        with pytest.raises(Exception) as caught:
            other.flush()
        assert "StaleDataError" in type(caught.value).__name__
    finally:
        other.rollback()
        other.close()
    db.session.refresh(nc)
    assert nc.correction == "Kami."


def test_stale_data_during_a_step_becomes_a_readable_error(world, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    nc = raise_nc(world)

    def clash(*args, **kwargs):
        raise StaleDataError("row changed")

    monkeypatch.setattr(workflow.WORKFLOW, "apply", clash)
    with pytest.raises(StaleRecordError):
        workflow.transition(world.officer, nc, "record_correction", {"correction": "x"})
