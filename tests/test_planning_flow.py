"""The objective-miss walk: a measured objective that misses its target for the configured
number of consecutive periods raises exactly one nonconformity (the rule is idempotent and
keeps one open per objective), and the corrective action's root-cause analysis links a new
risk, shown on both sides and carried into the request form and its PDF. On SQLite and
PostgreSQL."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import func, select

from qms.capa import workflow
from qms.capa.models import NcSource, NcStatus, Nonconformity
from qms.core.history import history_of
from qms.extensions import db
from qms.planning import deviations, measuring
from qms.planning.models import Measurement, Risk, RiskLink
from qms.reports import archive, jobs, portal
from qms.reports.models import ReportStatus
from tests.factories_plan import make_objective, make_risk, make_world


def _measure(world, objective, period: str, value: str, day: date) -> None:
    measuring.record_measurement(
        world.officer, objective, {"period": period, "value": Decimal(value)}, today=day
    )


def _deviations() -> list[Nonconformity]:
    return list(
        db.session.scalars(
            select(Nonconformity).where(
                Nonconformity.source == NcSource.QUALITY_OBJECTIVE_DEVIATION
            )
        )
    )


def test_missed_periods_raise_exactly_one_nonconformity_and_its_analysis_links_a_new_risk(
    app, client, auth, api, runner
):
    world = make_world()
    assert app.config["OBJECTIVE_MISSES_BEFORE_NC"] == 3
    objective = make_objective(world)
    _measure(world, objective, "2025-01", "96.5", date(2025, 2, 3))
    _measure(world, objective, "2025-02", "93.0", date(2025, 3, 3))
    _measure(world, objective, "2025-03", "91.2", date(2025, 4, 3))
    assert _deviations() == []  # two misses in a row: not yet
    _measure(world, objective, "2025-04", "90.4", date(2025, 5, 5))
    raised = _deviations()
    assert len(raised) == 1
    nc = raised[0]
    assert nc.agency_id == world.agency.id and nc.raised_on == date(2025, 5, 5)
    assert nc.clause == "6.2" and "2025-02 s.d. 2025-04" in nc.statement
    assert nc.escalation_key == f"quality-objective:{objective.id}"

    # a fourth miss joins it; the rule run again (and the daily command) raises nothing more
    _measure(world, objective, "2025-05", "89.0", date(2025, 6, 4))
    assert deviations.apply_rule(objective, date(2025, 6, 5)) is None
    db.session.commit()
    result = runner.invoke(args=["qms", "measure-objectives", "--today", "2025-06-06"])
    assert result.exit_code == 0 and "0 nonconformity(ies) raised" in result.output
    assert [n.id for n in _deviations()] == [nc.id]
    linked = db.session.scalars(
        select(Measurement.period).where(Measurement.nonconformity_id == nc.id)
    )
    assert sorted(linked) == ["2025-02", "2025-03", "2025-04", "2025-05"]

    # the corrective action's analysis adds the cause to the risk register and links it
    existing = make_risk(world, title="Gangguan jaringan SIAK")
    workflow.transition(world.officer, nc, "record_correction", {"correction": "Lembur."})
    db.session.commit()
    api.as_user(world.officer)
    analysis = {
        "version": nc.version,
        "why_1": "Blangko KTP-el habis.",
        "cause_category": "material",
        "root_cause": "Tidak ada stok penyangga blangko.",
        "occurs_elsewhere": "no",
        "risk_ids": [existing.id],
        "new_risk_title": "Stok blangko KTP-el habis",
        "new_risk_likelihood": 4,
        "new_risk_impact": 5,
    }
    taken = api.post(f"/nonconformities/{nc.id}/transitions/analyse_cause", json=analysis)
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["data"]["status"] == NcStatus.CAUSE_ANALYSED.value
    new_risk = db.session.scalar(select(Risk).where(Risk.title == "Stok blangko KTP-el habis"))
    assert new_risk.agency_id == world.agency.id
    assert (new_risk.likelihood, new_risk.impact) == (4, 5)
    assert new_risk.cause == "Tidak ada stok penyangga blangko."
    links = db.session.scalars(select(RiskLink).where(RiskLink.nonconformity_id == nc.id))
    assert sorted(link.risk_id for link in links) == sorted([existing.id, new_risk.id])
    assert history_of(new_risk) and any(e.action == "create" for e in history_of(new_risk))

    # shown on both sides, and in the request form (page and PDF)
    auth.login(world.officer)
    nc_page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert "Stok blangko KTP-el habis" in nc_page and f"/planning/risks/{new_risk.id}" in nc_page
    risk_page = client.get(f"/planning/risks/{new_risk.id}").get_data(as_text=True)
    assert nc.number in risk_page and f"/capa/{nc.id}" in risk_page
    printable = client.get(f"/capa/{nc.id}/request-form").get_data(as_text=True)
    assert "Stok blangko KTP-el habis" in printable and "4 × 5" in printable
    rtype, req = portal.build_request(
        world.officer,
        "corrective-action-request",
        locale="id",
        city_id=world.city.id,
        record_reference=nc.number,
    )
    report = jobs.submit(world.officer, rtype, req).report
    db.session.refresh(report)
    assert report.status is ReportStatus.DONE, report.error
    pdf = PdfReader(io.BytesIO(archive.read_pdf(report)))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Stok blangko KTP-el habis" in text and "Gangguan jaringan SIAK" in text

    # a later analysis that no longer names a risk drops its link (the history keeps it)
    analysis = {**analysis, "version": nc.version + 0, "new_risk_title": "", "risk_ids": []}
    nc = db.session.get(Nonconformity, nc.id)
    analysis["version"] = nc.version
    assert (
        api.post(f"/nonconformities/{nc.id}/transitions/analyse_cause", json=analysis).status_code
        == 200
    )
    assert db.session.scalar(select(func.count(RiskLink.id))) == 0
    assert db.session.scalar(select(func.count(Risk.id))) == 2


def test_the_analysis_refuses_a_risk_of_another_agency_and_an_unrated_new_risk(app, api):
    world = make_world()
    objective = make_objective(world)
    for month, value in (("01", "90"), ("02", "90"), ("03", "90")):
        _measure(world, objective, f"2025-{month}", value, date(2025, int(month) + 1, 5))
    (nc,) = _deviations()
    workflow.transition(world.officer, nc, "record_correction", {"correction": "Lembur."})
    foreign_risk = make_risk(world, title="Risiko RSUD")
    foreign_risk.agency_id = world.other.id
    db.session.commit()
    api.as_user(world.officer)
    base = {
        "version": nc.version,
        "why_1": "Blangko habis.",
        "cause_category": "material",
        "root_cause": "Stok.",
        "occurs_elsewhere": "no",
    }
    refused = api.post(
        f"/nonconformities/{nc.id}/transitions/analyse_cause",
        json={**base, "risk_ids": [foreign_risk.id]},
    )
    assert refused.status_code == 422 and "risk_ids" in refused.get_json()["error"]["fields"]
    unrated = api.post(
        f"/nonconformities/{nc.id}/transitions/analyse_cause",
        json={**base, "new_risk_title": "Stok blangko habis", "new_risk_impact": 3},
    )
    assert unrated.status_code == 422
    assert "new_risk_likelihood" in unrated.get_json()["error"]["fields"]
    out_of_scale = api.post(
        f"/nonconformities/{nc.id}/transitions/analyse_cause",
        json={**base, "new_risk_title": "X", "new_risk_likelihood": 6, "new_risk_impact": 3},
    )
    assert out_of_scale.status_code == 422
    assert "new_risk_likelihood" in out_of_scale.get_json()["error"]["fields"]
    assert db.session.get(Nonconformity, nc.id).status == NcStatus.CORRECTION_RECORDED
    assert db.session.scalar(select(func.count(RiskLink.id))) == 0


def test_a_met_period_ends_a_run_and_a_miss_after_the_close_raises_anew(app):
    world = make_world()
    objective = make_objective(world)
    values = ["90", "90", "97", "90", "90", "90"]  # a run of two, then a run of three
    for month, value in enumerate(values, start=1):
        _measure(world, objective, f"2025-{month:02d}", value, date(2025, month + 1, 5))
    (first,) = _deviations()
    assert "2025-04 s.d. 2025-06" in first.statement
    first.status = NcStatus.CLOSED  # as if verified effective and closed
    db.session.flush()
    _measure(world, objective, "2025-07", "91", date(2025, 8, 5))
    assert len(_deviations()) == 2  # still missing after the close: a new nonconformity
    assert deviations.apply_rule(objective, date(2025, 8, 6)) is None
