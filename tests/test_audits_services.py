"""The audit rules through the services: workflow, independence, findings, compliance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from qms.accounts.models import RoleAssignment
from qms.audits import checklist, follow_up, operations, queries, workflow
from qms.audits import figures as audit_figures
from qms.audits.models import AuditStatus, ChecklistRow, Finding, RowResult
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, ValidationFailed
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.standards.models import Clause
from tests.factories_audits import NC, make_world, plan_audit, started_audit


@pytest.fixture
def world(app):
    # messages are read in English here; the pages' Indonesian is tested over HTTP
    with force_locale("en"):
        yield make_world()


def _figures_by_clause(world):
    """Dukcapil's compliance per clause number, as a BSN reviewer reads it."""
    figures = audit_figures.compliance_by_clause(world.dukcapil, world.reviewer)
    return {f.clause.number: f for f in figures}


def answer_all(audit, user, result="conform"):
    for row in audit.rows:
        if row.result is None:
            checklist.record_row(user, row, {"result": result})


# --- workflow -------------------------------------------------------------------------------


def test_every_allowed_transition(world):
    audit = plan_audit(world)
    assert audit.status == AuditStatus.PLANNED and audit.rows == []
    workflow.transition(world.lead, audit, "start")
    assert audit.status == AuditStatus.IN_PROGRESS
    # the checklist is generated from the standard's questions in scope: 7.5, 8 (→ 8.5), 9.3
    assert [r.question.key for r in audit.rows] == [
        "7.5-01",
        "7.5-02",
        "8.5-01",
        "8.5-02",
        "9.3-01",
        "9.3-02",
    ]
    assert audit.actual_start is not None
    answer_all(audit, world.lead)
    workflow.transition(world.lead, audit, "report")
    assert audit.status == AuditStatus.REPORTED and audit.reported_at is not None
    workflow.transition(world.lead, audit, "close")
    assert audit.status == AuditStatus.CLOSED and audit.closed_at is not None


@pytest.mark.parametrize(
    ("state", "name"),
    [
        (AuditStatus.PLANNED, "report"),
        (AuditStatus.PLANNED, "close"),
        (AuditStatus.IN_PROGRESS, "start"),
        (AuditStatus.IN_PROGRESS, "close"),
        (AuditStatus.REPORTED, "start"),
        (AuditStatus.REPORTED, "report"),
        (AuditStatus.CLOSED, "start"),
        (AuditStatus.CLOSED, "report"),
        (AuditStatus.CLOSED, "close"),
    ],
)
def test_forbidden_transitions(world, state, name):
    audit = plan_audit(world)
    audit.status = state
    db.session.flush()
    with pytest.raises(DomainError, match="not possible"):
        workflow.transition(world.lead, audit, name)
    assert audit.status == state


def test_who_may_take_transitions(world):
    audit = plan_audit(world)
    for outsider in (world.officer, world.member, world.reviewer, world.viewer):
        with pytest.raises(PermissionDenied):
            workflow.transition(outsider, audit, "start")
    operations.add_member(world.city_admin, audit, world.member.id)
    workflow.transition(world.member, audit, "start")  # any team member starts
    answer_all(audit, world.member)
    with pytest.raises(PermissionDenied):
        workflow.transition(world.member, audit, "report")  # only the lead issues the report
    workflow.transition(world.lead, audit, "report")


def test_report_needs_a_lead_auditor(world):
    audit = plan_audit(world, lead_auditor_id=None)
    workflow.transition(world.city_admin, audit, "start")
    with pytest.raises(DomainError, match="lead auditor"):
        workflow.transition(world.city_admin, audit, "report", confirm_unanswered=True)
    assert audit.status == AuditStatus.IN_PROGRESS


def test_unanswered_rows_need_confirmation_and_become_not_audited(world):
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], {"result": "conform"})
    db.session.commit()
    with pytest.raises(workflow.UnansweredRows) as refused:
        workflow.transition(world.lead, audit, "report")
    assert refused.value.count == 5
    db.session.rollback()
    assert audit.status == AuditStatus.IN_PROGRESS and audit.rows[1].result is None
    workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    results = [r.result for r in audit.rows]
    assert results[0] == RowResult.CONFORM
    assert results[1:] == [RowResult.NOT_AUDITED] * 5


def test_report_sets_the_follow_up_deadline_and_closing_waits_for_it(world, monkeypatch):
    # the audits alone: with no follow-up checker nothing can accept a follow-up
    monkeypatch.setattr(follow_up, "follow_up_checkers", [])
    monkeypatch.setattr(follow_up, "report_listeners", [])
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    checklist.record_row(
        world.lead, audit.rows[1], {"result": "opportunity", "statement": "Notifikasi SMS"}
    )
    answer_all(audit, world.lead)
    workflow.transition(world.lead, audit, "report")
    nc, ofi = audit.active_findings
    assert nc.due_date == local_today() + timedelta(days=60)  # minor: 60 days from the report
    assert ofi.due_date is None and not ofi.follow_up_required
    with pytest.raises(DomainError, match=nc.number):
        workflow.transition(world.lead, audit, "close")
    assert audit.status == AuditStatus.REPORTED


def test_report_listeners_and_follow_up_checkers_decide_the_follow_up(world, monkeypatch):
    monkeypatch.setattr(follow_up, "follow_up_checkers", [])
    monkeypatch.setattr(follow_up, "report_listeners", [])
    reported = []
    follow_up.register_report_listener(lambda actor, audit_: reported.append((actor, audit_)))
    audit = started_audit(world)
    checklist.record_row(world.lead, audit.rows[0], NC)
    answer_all(audit, world.lead)
    workflow.transition(world.lead, audit, "report")
    assert reported == [(world.lead, audit)]
    seen = []

    def corrective_actions(audit_, findings):
        seen.extend(findings)
        return findings if not accepted else []

    accepted = False
    follow_up.register_follow_up_checker(corrective_actions)
    with pytest.raises(DomainError):
        workflow.transition(world.lead, audit, "close")
    assert [f.number for f in seen] == [audit.rows[0].finding.number]
    accepted = True
    workflow.transition(world.lead, audit, "close")


def test_audit_without_nonconformities_closes_at_once(world):
    audit = started_audit(world)
    checklist.record_row(
        world.lead, audit.rows[1], {"result": "observation", "statement": "Antrian panjang"}
    )
    answer_all(audit, world.lead)
    workflow.transition(world.lead, audit, "report")
    workflow.transition(world.lead, audit, "close")
    assert audit.status == AuditStatus.CLOSED


# --- independence ----------------------------------------------------------------------------


def test_auditor_of_the_audited_agency_is_refused_everywhere(world):
    with pytest.raises(DomainError, match="home agency") as refused:
        plan_audit(world, lead=world.dukcapil_auditor)
    assert refused.value.field == "lead_auditor_id"
    audit = plan_audit(world)
    with pytest.raises(DomainError, match="Petrus may not audit Dinas Dukcapil"):
        operations.add_member(world.city_admin, audit, world.dukcapil_auditor.id)
    with pytest.raises(DomainError, match="home agency"):
        operations.update_audit(
            world.city_admin, audit, {"lead_auditor_id": world.dukcapil_auditor.id}
        )
    # nor may they plan or shape their own agency's audit
    assert not access.can(world.dukcapil_auditor, access.EDIT, audit)


def test_auditor_of_another_city_is_refused(world):
    audit = plan_audit(world)
    with pytest.raises(DomainError, match="not an internal auditor of this city"):
        operations.add_member(world.city_admin, audit, world.outsider_auditor.id)


def test_home_unit_in_scope_is_refused(world):
    from tests.factories import UnitFactory

    unit = UnitFactory(agency=world.dukcapil, name="Seksi Identitas Penduduk")
    world.member.roles[0].unit_id = unit.id
    db.session.flush()
    audit = plan_audit(world, scope_unit_ids=[unit.id])
    with pytest.raises(DomainError, match="Seksi Identitas Penduduk"):
        operations.add_member(world.city_admin, audit, world.member.id)


def test_report_refused_when_a_team_member_is_no_longer_independent(world):
    audit = started_audit(world)
    answer_all(audit, world.lead)
    db.session.add(
        RoleAssignment(
            user_id=world.member.id,
            role=Role.QUALITY_OFFICER,
            city_id=world.city.id,
            agency_id=world.dukcapil.id,
        )
    )
    db.session.flush()
    db.session.expire(world.member)
    with pytest.raises(DomainError, match="Rosalina Manafe may not audit"):
        workflow.transition(world.lead, audit, "report")


# --- findings --------------------------------------------------------------------------------


def test_finding_numbers_per_audit(world):
    audit = started_audit(world)
    assert audit.reference == "AMI-2026-DUKCAPIL"
    first = checklist.record_row(world.lead, audit.rows[0], NC).finding
    second = checklist.record_row(
        world.member, audit.rows[1], {"result": "observation", "statement": "SKM"}
    ).finding
    assert (first.number, second.number) == ("AMI-2026-DUKCAPIL-F01", "AMI-2026-DUKCAPIL-F02")
    assert second.grade == "observation" and not second.follow_up_required
    # changing a row away from a finding archives its finding; its number is never reused
    checklist.record_row(world.lead, audit.rows[0], {"result": "conform"})
    assert first.archived_at is not None
    third = checklist.record_row(world.lead, audit.rows[2], {**NC, "grade": "major"}).finding
    assert third.number == "AMI-2026-DUKCAPIL-F03"
    assert third.follow_up_required
    assert third.requirement.startswith(f"{world.standard.code} 8.5 ")
    again = plan_audit(world)
    assert again.reference == "AMI-2026-DUKCAPIL-2"


def test_a_nonconformity_needs_objective_evidence(world):
    audit = started_audit(world)
    row = audit.rows[0]
    db.session.commit()
    with pytest.raises(DomainError, match="objective evidence") as refused:
        checklist.record_row(world.lead, row, {**NC, "evidence": "  "})
    assert list(refused.value.errors) == ["evidence"]
    db.session.rollback()
    assert db.session.get(ChecklistRow, row.id).result is None
    assert db.session.query(Finding).count() == 0
    with pytest.raises(DomainError, match="grade"):
        checklist.record_row(world.lead, audit.rows[1], {**NC, "grade": "observation"})
    # an opportunity needs no evidence
    checklist.record_row(world.lead, audit.rows[2], {"result": "opportunity", "statement": "x"})


def test_only_the_team_records_and_only_while_in_progress(world):
    audit = plan_audit(world)
    operations.add_member(world.city_admin, audit, world.member.id)
    checklist.generate_checklist(audit)
    with pytest.raises(PermissionDenied):
        checklist.record_row(world.lead, audit.rows[0], {"result": "conform"})  # not started
    workflow.transition(world.lead, audit, "start")
    for outsider in (world.city_admin, world.officer, world.dukcapil_auditor, world.reviewer):
        with pytest.raises(PermissionDenied):
            checklist.record_row(outsider, audit.rows[0], {"result": "conform"})
    checklist.record_row(world.member, audit.rows[0], {"result": "conform"})


def test_rows_can_be_added_and_copied_from_an_earlier_audit(world):
    earlier = started_audit(world)
    checklist.add_row(world.lead, earlier, earlier.rows[0].clause_id, "Apakah papan SOP mutakhir?")
    later = plan_audit(world, scope_clauses=["9.3"])
    assert queries.previous_audits(world.lead, later) == [earlier]
    copied = checklist.copy_checklist(world.lead, later, earlier)
    assert copied == 7
    assert checklist.copy_checklist(world.lead, later, earlier) == 0  # nothing twice
    workflow.transition(world.lead, later, "start")  # a copied checklist is kept as it is
    assert len(later.rows) == 7
    assert later.rows[-1].question_text == "Apakah papan SOP mutakhir?"
    other = plan_audit(world, agency_id=world.setda.id)
    with pytest.raises(DomainError, match="same agency"):
        checklist.copy_checklist(world.lead, other, earlier)


# --- compliance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # counted by hand: conform-like 5 (3 conform, 1 good practice, 1 OFI), 2 observations,
        # 1 minor nonconformity; not applicable and not audited are not assessed.
        # weighted (the default): an observation counts as conforming, a minor weighs 1
        ("weighted", (5 + 2) / (5 + 2 + 1)),
        # the formula before December 2026, kept by configuration
        ("legacy", (5 + 0.5 * 2) / (5 + 2 + 1)),
    ],
)
def test_compliance_formula(world, app, formula, expected):
    app.config["AUDIT_COMPLIANCE_FORMULA"] = formula
    audit = started_audit(world)
    for text in range(8):
        checklist.add_row(world.lead, audit, audit.rows[0].clause_id, f"Tambahan {text}")
    rows_75 = [r for r in audit.rows if r.clause.number == "7.5"]
    results = [
        "conform",
        "conform",
        "good_practice",
        "opportunity",
        "observation",
        "observation",
        "nonconform",
        "not_applicable",
        "not_audited",
        "conform",
    ]
    for row, result in zip(rows_75, results, strict=True):
        values = {"result": result}
        if result in ("nonconform", "observation", "opportunity"):
            values = {**NC, **values, "grade": {"nonconform": "minor"}.get(result, "")}
        checklist.record_row(world.lead, row, values)
    for row in audit.rows:
        if row.result is None:
            checklist.record_row(world.lead, row, {"result": "not_applicable"})
    workflow.transition(world.lead, audit, "report")
    figures = _figures_by_clause(world)
    assert set(figures) == {"7.5"}  # clauses with only not applicable rows have no figure
    assert figures["7.5"].tally.compliance == pytest.approx(expected)
    assert audit_figures.tally(audit.rows).compliance == pytest.approx(expected)
    assert figures["7.5"].audit == audit
    with force_locale("id"):
        text = audit_figures.formula_text()
    assert ("½" in text) == (formula == "legacy")
    if formula == "weighted":
        assert "1 × observasi" in text and "2 × KTS Mayor" in text and "1 × KTS Minor" in text


def test_a_major_weighs_twice_a_minor_and_the_weights_are_configurable(world, app):
    audit = started_audit(world)
    rows = [r for r in audit.rows if r.clause.number == "7.5"][:1]
    rows += [r for r in audit.rows if r.clause.number == "9.3"][:1]
    checklist.add_row(world.lead, audit, rows[0].clause_id, "Tambahan")
    checklist.add_row(world.lead, audit, rows[1].clause_id, "Tambahan")
    by_clause = {n: [r for r in audit.rows if r.clause.number == n] for n in ("7.5", "9.3")}
    checklist.record_row(world.lead, by_clause["7.5"][0], {**NC, "grade": "minor"})
    checklist.record_row(world.lead, by_clause["9.3"][0], {**NC, "grade": "major"})
    for number in ("7.5", "9.3"):
        checklist.record_row(world.lead, by_clause[number][1], {"result": "conform"})
    for row in audit.rows:
        if row.result is None:
            checklist.record_row(world.lead, row, {"result": "not_applicable"})
    workflow.transition(world.lead, audit, "report")
    figures = _figures_by_clause(world)
    assert figures["7.5"].tally.compliance == pytest.approx(1 / 2)  # 1 ÷ (1 + 1)
    assert figures["9.3"].tally.compliance == pytest.approx(1 / 3)  # 1 ÷ (1 + 2)
    assert audit_figures.nonconformities_per_clause(figures.values()) == 1.0
    app.config["AUDIT_COMPLIANCE_WEIGHTS"] = '{"major": 3}'
    assert _figures_by_clause(world)["9.3"].tally.compliance == pytest.approx(1 / 4)
    app.config["AUDIT_COMPLIANCE_FORMULA"] = "legacy"
    assert _figures_by_clause(world)["9.3"].tally.compliance == pytest.approx(1 / 2)


@pytest.mark.parametrize(
    "weights", ['{"major": -1}', '{"observation": 2}', '{"major": "dua"}', "[1]", "{x"]
)
def test_unusable_weights_are_refused_with_the_reason(weights):
    from qms.audits.settings import compliance_weights

    config = {"AUDIT_COMPLIANCE_FORMULA": "weighted", "AUDIT_COMPLIANCE_WEIGHTS": weights}
    with pytest.raises(ValueError, match="QMS_AUDIT_COMPLIANCE_WEIGHTS"):
        compliance_weights(config)


def test_the_figure_counts_alike_in_sql_and_in_python(world):
    """One rule (`Tally.add`) for the rows counted in SQL (the figures, the reports) and for
    one audit's rows loaded for a page."""
    audit = started_audit(world)
    results = ["conform", "nonconform", "observation", "opportunity", "good_practice", None]
    for row, result in zip(audit.rows, results, strict=True):
        if result in ("nonconform", "observation", "opportunity"):
            grade = "minor" if result == "nonconform" else ""  # the others have one grade each
            checklist.record_row(world.lead, row, {**NC, "result": result, "grade": grade})
        elif result:
            checklist.record_row(world.lead, row, {"result": result})
    in_sql = audit_figures.clause_tallies([audit.id], Clause.id)[audit.id]
    by_clause: dict[int, list] = {}
    for row in audit.rows:
        by_clause.setdefault(row.clause_id, []).append(row)
    in_python = {
        clause_id: audit_figures.tally(rows)
        for clause_id, rows in by_clause.items()
        if audit_figures.tally(rows).assessed
    }
    assert in_sql == in_python and len(in_sql) == 3


def test_compliance_uses_the_latest_issued_report_per_clause(world):
    first = started_audit(world)
    answer_all(first, world.lead)
    workflow.transition(world.lead, first, "report")
    second = plan_audit(world, scope_clauses=["9.3"])
    workflow.transition(world.lead, second, "start")
    checklist.record_row(world.lead, second.rows[0], {**NC, "grade": "major"})
    checklist.record_row(world.lead, second.rows[1], {"result": "conform"})
    figures = _figures_by_clause(world)
    assert figures["9.3"].audit == first  # the second is not reported yet
    workflow.transition(world.lead, second, "report")
    figures = _figures_by_clause(world)
    # one major (weight 2) beside one conform row: 1 ÷ (1 + 2)
    assert figures["9.3"].audit == second
    assert figures["9.3"].tally.compliance == pytest.approx(1 / 3)
    assert figures["7.5"].audit == first and figures["7.5"].tally.compliance == 1.0


def test_programme_planned_against_done(world):
    programme = operations.create_programme(
        world.lead, world.city.id, {"year": 2026, "title": "Program 2026"}
    )
    with pytest.raises(DomainError, match="already has a programme"):
        operations.create_programme(world.city_admin, world.city.id, {"year": 2026, "title": "x"})
    # a city the user does not plan audits in is refused at the field, never replaced
    with pytest.raises(ValidationFailed) as refused:
        operations.create_programme(world.officer, world.city.id, {"year": 2027, "title": "x"})
    assert list(refused.value.errors) == ["city_id"]
    item = operations.save_programme_item(
        world.lead,
        programme,
        {
            "agency_id": world.dukcapil.id,
            "kind": "internal",
            "planned_month": 10,
            "clause_numbers": ["7.5", "9.3"],
            "reason": "Risiko tinggi",
        },
        None,
    )
    operations.save_programme_item(
        world.lead,
        programme,
        {"agency_id": world.setda.id, "kind": "stage_1", "planned_month": 11, "clause_numbers": []},
        None,
    )
    db.session.commit()
    with pytest.raises(DomainError, match="Unknown clause"):
        operations.save_programme_item(
            world.lead,
            programme,
            {
                "agency_id": world.setda.id,
                "kind": "internal",
                "planned_month": 3,
                "clause_numbers": ["11.1"],
            },
            None,
        )
    db.session.rollback()
    audit = plan_audit(world, programme_item_id=item.id, scope_clauses=[])
    assert audit.scope_clauses == ["7.5", "9.3"]  # taken from the programme
    lines = queries.programme_lines(programme)
    assert [line.done for line in lines] == [False, False]
    workflow.transition(world.lead, audit, "start")
    answer_all(audit, world.lead)
    workflow.transition(world.lead, audit, "report")
    assert [line.done for line in queries.programme_lines(programme)] == [True, False]
