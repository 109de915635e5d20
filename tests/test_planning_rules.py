"""Context, objectives and risks: impossible values refused with the field named, who sees and
writes what, the history, the treatments' steps and reminders, the figures the app measures
objectives by, and the panels."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from qms.capa.indicators import complaints_answered_in_time
from qms.capa.models import Channel, Complaint, ComplaintStatus
from qms.core.errors import DomainError
from qms.core.history import history_of
from qms.core.mail import OutboxMessage, run_reminders
from qms.core.registry import indicator_sources
from qms.core.timeutil import today
from qms.extensions import db
from qms.planning import measuring, operations, workflow
from qms.planning.models import ContextIssue, Measurement, Objective, Risk, Treatment
from tests.factories_plan import make_objective, make_risk, make_world


@pytest.fixture
def world(app):
    return make_world()


def _field(call) -> str | None:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.field


def test_impossible_values_are_refused_with_the_field_named(world):
    assert _field(lambda: make_objective(world, target=Decimal("150"))) == "target"
    assert _field(lambda: make_objective(world, unit="count", target=Decimal("2.5"))) == "target"
    assert (
        _field(
            lambda: make_objective(
                world, unit="days", target=Decimal(3), automatic_source="skm_index"
            )
        )
        == "unit"
    )
    assert _field(lambda: make_objective(world, starts_on=date(2024, 12, 1))) == "starts_on"
    objective = make_objective(world, starts_on=date(2025, 4, 1))

    def measure(period: str, value: str = "90") -> None:
        measuring.record_measurement(
            world.officer, objective, {"period": period, "value": value}, today=date(2025, 12, 5)
        )

    assert _field(lambda: measure("2024-12")) == "period"  # outside the objective's year
    assert _field(lambda: measure("2025-03")) == "period"  # before it is measured from
    assert _field(lambda: measure("2025-Q2")) == "period"  # not its frequency
    assert _field(lambda: measure("2026-01")) == "period"
    assert _field(lambda: measure("2025-05", "101")) == "value"  # no percentage
    assert _field(lambda: make_risk(world, likelihood=6)) == "likelihood"
    assert _field(lambda: make_risk(world, residual_likelihood=2)) == "residual_impact"
    assert db.session.scalar(select(func.count(Measurement.id))) == 0


def test_the_api_names_the_refused_field(world, api):
    api.as_user(world.officer)
    risk = api.post(
        "/risks", json={"agency_id": world.agency.id, "title": "X", "likelihood": 6, "impact": 2}
    )
    assert risk.status_code == 422 and "likelihood" in risk.get_json()["error"]["fields"]
    objective = api.post(
        "/objectives",
        json={
            "agency_id": world.agency.id,
            "year": 2025,
            "title": "Pengaduan ditanggapi",
            "indicator": "Tanggapan tepat waktu",
            "unit": "percent",
            "direction": "at_least",
            "target": 150,
            "frequency": "quarterly",
            "responsible": "Sekretaris",
        },
    )
    assert objective.status_code == 422 and "target" in objective.get_json()["error"]["fields"]
    elsewhere = api.post(
        "/context-issues",
        json={"agency_id": world.other.id, "side": "external", "title": "Listrik padam"},
    )
    assert elsewhere.status_code == 422 and "agency_id" in elsewhere.get_json()["error"]["fields"]
    created = make_objective(world)
    db.session.commit()
    outside = api.post(
        f"/objectives/{created.id}/measurements", json={"period": "2024-11", "value": 90}
    )
    assert outside.status_code == 422 and "period" in outside.get_json()["error"]["fields"]


def test_another_agencys_officer_sees_nothing_and_read_only_roles_never_write(
    world, client, auth, api
):
    issue = operations.save_context(
        world.officer,
        ContextIssue,
        {"side": "external", "title": "Blangko terbatas"},
        agency=world.agency,
    )
    objective = make_objective(world)
    risk = make_risk(world)
    db.session.commit()
    pages = [
        f"/planning/context/issues/{issue.id}",
        f"/planning/objectives/{objective.id}",
        f"/planning/risks/{risk.id}",
    ]
    for outsider in (world.other_officer, world.stranger, world.coop):
        auth.login(outsider)
        assert [client.get(page).status_code for page in pages] == [404, 404, 404]
        assert "Blangko terbatas" not in client.get("/planning/context").get_data(as_text=True)
        api.as_user(outsider)
        assert api.get("/risks").get_json()["data"] == []
        assert api.get(f"/objectives/{objective.id}").status_code == 404
        auth.logout()
    for reader in world.readers:
        auth.login(reader)
        assert [client.get(page).status_code for page in pages] == [200, 200, 200]
        assert client.get("/planning/risks/new").status_code == 403
        edit = client.post(f"/planning/risks/{risk.id}/edit", data={"title": "Diubah"})
        assert edit.status_code in (303, 403)
        api.as_user(reader)
        assert api.get(f"/risks/{risk.id}").status_code == 200
        assert api.patch(f"/risks/{risk.id}", json={"title": "Diubah"}).status_code == 403
        assert (
            api.post(
                f"/objectives/{objective.id}/measurements", json={"period": "2025-01", "value": 9}
            ).status_code
            == 403
        )
        auth.logout()
    assert db.session.get(Risk, risk.id).title == "Gangguan jaringan SIAK"
    assert db.session.scalar(select(func.count(Measurement.id))) == 0
    # the city admin writes for the city's agencies
    auth.login(world.admin)
    assert client.post(
        f"/planning/objectives/{objective.id}/measurements",
        data={"period": "2025-01", "value": "97"},
    ).status_code in (302, 422)


def test_every_change_is_in_the_history(world, client, auth):
    objective = make_objective(world)
    measuring.record_measurement(
        world.officer, objective, {"period": "2025-01", "value": "96"}, today=date(2025, 2, 5)
    )
    measuring.update_objective(world.officer, objective, {"target": Decimal("97")})
    risk = make_risk(world)
    treatment = operations.add_treatment(
        world.officer, risk, {"action": "Link cadangan", "owner": "Seksi PIAK", "due_on": today()}
    )
    workflow.transition(world.officer, treatment, "start")
    operations.archive(world.officer, risk)
    db.session.commit()
    assert [e.action for e in history_of(objective)] == ["create", "update"]
    (measurement,) = objective.measurements
    assert history_of(measurement)[0].action == "create"
    assert [e.note for e in history_of(treatment)] == [None, "transition:start"]
    assert [e.action for e in history_of(risk)] == ["create", "archive"]
    auth.login(world.officer)
    page = client.get(f"/planning/objectives/{objective.id}").get_data(as_text=True)
    assert "Riwayat" in page and "97" in page


def test_a_treatment_is_done_with_its_evidence_and_reminded_once(world, client, auth):
    risk = make_risk(world)
    treatment = operations.add_treatment(
        world.officer,
        risk,
        {"action": "Perawatan genset", "owner": "Kasubbag Umum", "due_on": today()},
    )
    db.session.commit()
    auth.login(world.officer)
    bare = client.post(f"/planning/treatments/{treatment.id}/step/complete", data={})
    assert bare.status_code == 422 and "Jelaskan bukti" in bare.get_data(as_text=True)
    done = client.post(
        f"/planning/treatments/{treatment.id}/step/complete",
        data={"file": (io.BytesIO(b"%PDF-1.4 bukti"), "bukti.pdf")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    assert db.session.get(type(treatment), treatment.id).status.value == "done"

    late = operations.add_treatment(
        world.officer,
        risk,
        {"action": "Link cadangan", "owner": "Seksi", "due_on": today() - timedelta(days=3)},
    )
    db.session.commit()
    first = run_reminders(today())
    assert any("Link cadangan" in m.body for m in first)
    assert not any("Perawatan genset" in m.body for m in first)
    db.session.commit()
    assert not [m for m in run_reminders(today()) if "Link cadangan" in m.body]
    assert late.is_overdue(today())
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == len(first)


def test_an_objective_measured_by_a_registered_figure(world):
    assert {
        "complaints_answered_in_time",
        "corrective_actions_closed_on_time",
        "documents_reviewed_on_time",
        "audit_compliance",
        "skm_index",
    } <= set(indicator_sources)
    for number, (received, answered) in enumerate(
        [
            (date(2025, 1, 6), date(2025, 1, 8)),
            (date(2025, 2, 3), date(2025, 2, 20)),
            (date(2025, 3, 3), None),
            (date(2025, 3, 10), date(2025, 3, 11)),
        ]
    ):
        db.session.add(
            Complaint(
                agency_id=world.agency.id,
                channel=Channel.QLUE,
                external_id=f"Q{number}",
                received_at=received,
                category="KTP",
                text="Lama",
                status=ComplaintStatus.RESOLVED if answered else ComplaintStatus.WAITING,
                responded_at=answered,
            )
        )
    db.session.flush()
    # 2 of the quarter's 4 answered within 5 days
    assert complaints_answered_in_time(world.agency.id, date(2025, 1, 1), date(2025, 3, 31)) == 50
    objective = make_objective(
        world,
        frequency="quarterly",
        target=Decimal("90"),
        automatic_source="complaints_answered_in_time",
    )
    recorded = measuring.measure_automatically(objective, date(2025, 4, 2))
    assert [(m.period, m.value, m.is_met) for m in recorded] == [("2025-Q1", Decimal("50"), False)]
    with pytest.raises(DomainError) as typed:
        measuring.record_measurement(world.officer, objective, {"period": "2025-Q1", "value": 9})
    assert typed.value.field == "value"


def test_the_panels_show_objectives_off_target_and_treatments_due(world, client, auth):
    objective = make_objective(world, year=today().year)
    first = date(today().year, 1, 31)
    if first < today():
        measuring.record_measurement(
            world.officer, objective, {"period": f"{today().year}-01", "value": "80"}
        )
    risk = make_risk(world)
    operations.add_treatment(
        world.officer, risk, {"action": "Link cadangan", "owner": "Seksi", "due_on": today()}
    )
    db.session.commit()
    auth.login(world.officer)
    home = client.get("/").get_data(as_text=True)
    assert "Link cadangan" in home
    if first < today():
        assert "KTP-el terbit ≤ 1 hari" in home
    agency = client.get(f"/agencies/{world.agency.id}").get_data(as_text=True)
    assert "/planning/risks?agency_id=" in agency
    auth.logout()
    auth.login(world.other_officer)
    assert "Link cadangan" not in client.get("/").get_data(as_text=True)


def test_context_records_are_reviewed_and_archived(world, client, auth):
    auth.login(world.officer)
    created = client.post(
        "/planning/context/issues/new",
        data={"agency_id": world.agency.id, "side": "internal", "title": "Rotasi ASN"},
    )
    assert created.status_code == 302
    issue = db.session.scalar(select(ContextIssue))
    assert issue.identified_on == today()
    client.post(f"/planning/context/issues/{issue.id}/review")
    assert db.session.get(ContextIssue, issue.id).reviewed_on == today()
    party = client.post(
        "/planning/context/parties/new",
        data={"agency_id": world.agency.id, "side": "external", "name": "Ombudsman"},
    )
    assert party.status_code == 422  # their requirements are asked for
    assert client.get("/planning/context/nonsense/1").status_code == 404
    assert db.session.scalar(select(func.count(Objective.id))) == 0


def test_the_rules_read_alike_in_python_and_sql(world):
    """Measurement.misses, Treatment.is_overdue / is_due_by and Risk.review_due: one rule for a
    page and for the counts of many."""
    at_least = make_objective(world)
    at_most = make_objective(
        world, indicator="Lama terbit", unit="days", target=Decimal(3), direction="at_most"
    )
    for objective, values in ((at_least, ("94.99", "95", "99")), (at_most, ("2", "3", "3.5"))):
        for month, value in enumerate(values, start=1):
            measuring.record_measurement(
                world.officer,
                objective,
                {"period": f"2025-{month:02d}", "value": value},
                today=date(2025, 12, 1),
            )
    for measurement in db.session.scalars(select(Measurement)):
        objective = measurement.objective
        in_sql = db.session.scalar(
            select(Measurement.misses(Objective.target, Objective.direction))
            .join(Objective, Objective.id == Measurement.objective_id)
            .where(Measurement.id == measurement.id)
        )
        assert bool(in_sql) == measurement.misses(objective.target, objective.direction)
    assert [m.is_met for m in at_least.measurements] == [False, True, True]
    assert [m.is_met for m in at_most.measurements] == [True, True, False]

    day = today()
    risk = make_risk(world, next_review_on=day + timedelta(days=10))
    for offset in (-2, 0, 5):
        operations.add_treatment(
            world.officer,
            risk,
            {"action": f"T{offset}", "owner": "Seksi", "due_on": day + timedelta(days=offset)},
        )
    done = operations.add_treatment(
        world.officer, risk, {"action": "Selesai", "owner": "Seksi", "due_on": day}
    )
    workflow.transition(world.officer, done, "complete", {"evidence": "Laporan."})
    for by in (day - timedelta(days=3), day, day + timedelta(days=7), day + timedelta(days=11)):
        for treatment in risk.treatments:
            row = db.session.execute(
                select(Treatment.is_overdue(by), Treatment.is_due_by(by)).where(
                    Treatment.id == treatment.id
                )
            ).one()
            assert (bool(row[0]), bool(row[1])) == (
                treatment.is_overdue(by),
                treatment.is_due_by(by),
            )
        in_sql = db.session.scalar(select(Risk.review_due(by)).where(Risk.id == risk.id))
        assert bool(in_sql) == risk.review_due(by)
