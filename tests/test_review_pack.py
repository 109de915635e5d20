"""The management review's input pack: every number checked against counts computed here from
the records the test made, an item no feature provides shown as not recorded, the pack
refreshed until the meeting and frozen once it is held (a record changed afterwards leaves the
held review's pack and its hash unchanged). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import holidays

from qms.capa import operations as capa_operations
from qms.capa.models import ComplaintStatus, NcGrade, NcStatus
from qms.core.review_inputs import review_period
from qms.extensions import db
from qms.planning import measuring
from qms.planning import operations as planning_operations
from qms.planning import workflow as planning_workflow
from qms.planning.matrix import matrix
from qms.planning.models import ContextIssue, InterestedParty
from qms.review import operations, pack, workflow
from qms.skm import operations as skm_operations
from qms.skm import parsing
from qms.skm.vocabulary import ELEMENTS, Channel
from tests.factories_capa import ComplaintFactory
from tests.factories_plan import make_objective, make_risk, make_world
from tests.factories_review import CUT_OFF, plan_review

FIRST, LAST = review_period(CUT_OFF)
LIMIT = 5  # QMS_COMPLAINT_RESPONSE_DAYS


def _in_period(day: date) -> bool:
    return FIRST <= day <= LAST


def _complaints(world):
    made = []
    for received, answered_after in (
        (datetime(2025, 5, 10, 9), 2),
        (datetime(2025, 9, 1, 10), 5),
        (datetime(2025, 11, 3, 8), 8),
        (datetime(2026, 2, 2, 9), None),
        (datetime(2026, 3, 31, 23), None),
        (datetime(2025, 3, 31, 9), 1),  # before the period
        (datetime(2026, 4, 1, 9), 1),  # after the cut-off
    ):
        made.append(
            ComplaintFactory(
                agency=world.agency,
                received_at=received,
                responded_at=received + timedelta(days=answered_after) if answered_after else None,
                status=ComplaintStatus.WAITING,
            )
        )
    ComplaintFactory(agency=world.other, received_at=datetime(2025, 6, 1, 9))
    return made


def _nonconformities(world):
    made = []
    for raised_on, grade, due, closed in (
        (date(2025, 6, 2), NcGrade.MAJOR, date(2025, 7, 2), None),
        (date(2025, 8, 1), NcGrade.MINOR, date(2025, 9, 30), datetime(2025, 12, 1, 10)),
        (date(2026, 3, 1), NcGrade.MINOR, date(2026, 4, 30), None),
        (date(2025, 1, 10), NcGrade.MINOR, date(2025, 3, 11), None),
        (date(2026, 4, 5), NcGrade.MAJOR, date(2026, 5, 5), None),
        (date(2024, 12, 1), NcGrade.MINOR, date(2025, 1, 30), datetime(2025, 5, 5, 10)),
    ):
        nc = capa_operations.raise_from_finding(
            agency=world.agency,
            clause="8.5.1",
            requirement="SOP diikuti.",
            evidence="Berkas tanpa verifikasi.",
            statement=f"Temuan {raised_on}",
            grade=grade,
            raised_by=world.admin,
            raised_on=raised_on,
            due_date=due,
            source="staff_report",
        )
        if closed:
            nc.status, nc.closed_at = NcStatus.CLOSED, closed
        made.append(nc)
    db.session.flush()
    return made


def _objectives(world):
    met = make_objective(world, year=2026, title="KTP-el 1 hari")
    measuring.record_measurement(
        world.officer, met, {"period": "2026-01", "value": Decimal("97")}, today=date(2026, 2, 2)
    )
    missed = make_objective(world, year=2026, title="KK 3 hari")
    for period, value, day in (
        ("2026-01", "96", date(2026, 2, 2)),
        ("2026-02", "93", date(2026, 3, 2)),
        ("2026-04", "99", date(2026, 5, 4)),  # after the cut-off: not seen
    ):
        measuring.record_measurement(
            world.officer, missed, {"period": period, "value": Decimal(value)}, today=day
        )
    make_objective(world, year=2026, title="Akta 1 hari")
    make_objective(world, year=2025, title="Tahun lalu")


def _context(world):
    issues = [
        planning_operations.save_context(
            world.officer,
            ContextIssue,
            {
                "side": "external",
                "title": "Blangko KTP-el terbatas",
                "identified_on": date(2025, 6, 1),
            },
            agency=world.agency,
        ),
        planning_operations.save_context(
            world.officer,
            ContextIssue,
            {
                "side": "internal",
                "title": "Rotasi ASN",
                "identified_on": date(2024, 5, 1),
                "reviewed_on": date(2025, 10, 1),
            },
            agency=world.agency,
        ),
    ]
    parties = [
        planning_operations.save_context(
            world.officer,
            InterestedParty,
            {
                "side": "external",
                "name": "Ombudsman",
                "requirements": "Kepatuhan standar pelayanan",
                "identified_on": date(2025, 7, 1),
            },
            agency=world.agency,
        )
    ]
    return issues, parties


def _treatments(world):
    risk = make_risk(world)
    done = planning_operations.add_treatment(
        world.officer,
        risk,
        {"action": "Stok penyangga", "owner": "Kasubag", "due_on": date(2025, 6, 30)},
    )
    planning_workflow.transition(
        world.officer,
        done,
        "complete",
        {"evidence": "Stok 500 keping", "done_on": date(2025, 6, 20)},
        today=date(2025, 6, 21),
    )
    planning_operations.add_treatment(
        world.officer, risk, {"action": "Genset", "owner": "Kasubag", "due_on": date(2025, 12, 31)}
    )
    planning_operations.add_treatment(
        world.officer,
        risk,
        {"action": "Jaringan cadangan", "owner": "TI", "due_on": date(2026, 6, 30)},
    )
    return risk


TALLY = [
    ((3, 3, 2, 4, 3, 3, 4, 2, 3), "Blangko sering habis"),
    ((4, 4, 3, 4, 4, 3, 4, 3, 4), ""),
    ((2, 3, 2, 4, 3, 2, 3, 2, 3), "Antrean lama"),
]


def _survey(world):
    survey = skm_operations.create_survey(
        world.officer,
        world.agency,
        {
            "unit_id": world.unit.id,
            "title": "SKM Loket KTP-el 2025",
            "period_start": date(2025, 4, 1),
            "period_end": date(2025, 9, 30),
            "population": 1000,
        },
    )
    rows = []
    for number, (scores, suggestion) in enumerate(TALLY, start=1):
        raw = {"tanggal": "2025-05-10", "saran": suggestion}
        raw |= dict(zip(ELEMENTS, map(str, scores), strict=True))
        row, errors = parsing.clean(number, raw, survey)
        assert not errors, errors
        rows.append(row)
    skm_operations.store_rows(survey, rows, Channel.FILE)
    db.session.flush()
    return survey


def _previous_review(world):
    earlier = plan_review(
        world, title="RTM 2025", planned_on=date(2025, 3, 20), cut_off=date(2025, 2, 28)
    )
    workflow.transition(world.officer, earlier, "prepare", today=date(2025, 3, 1))
    for description, due in (
        ("Revisi SOP KTP-el", date(2025, 5, 31)),
        ("Pelatihan", date(2025, 6, 30)),
    ):
        operations.add_action(
            world.officer,
            earlier,
            {"kind": "improvement", "description": description, "owner": "Kabid", "due_on": due},
        )
    workflow.transition(
        world.officer, earlier, "hold", {"held_on": date(2025, 3, 20)}, today=date(2025, 3, 20)
    )
    operations.complete_action(
        world.officer, earlier.actions[0], {"result": "SOP rev. 02 berlaku"}, today=date(2025, 5, 1)
    )
    return earlier


def _ikm(tally) -> float:
    """25 × the mean of the nine elements' mean scores, rounded half up to two decimals."""
    nrr = [Fraction(sum(s[i] for s, _ in tally), len(tally)) for i in range(9)]
    exact = 25 * sum(nrr) / 9
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _entry(inputs: dict, key: str) -> dict:
    for item in inputs["items"]:
        for entry in item["entries"]:
            if entry["key"] == key:
                return entry
    raise KeyError(key)


def _working_days(received: date, answered: date) -> int:
    """Working days after the day received up to the day answered, counted here from the
    `holidays` package's Indonesian calendar (public holidays and cuti bersama)."""
    off = holidays.country_holidays(
        "ID", years={received.year, answered.year}, categories=("public", "government")
    )
    span = (answered - received).days
    return sum(
        1
        for n in range(1, span + 1)
        if (day := received + timedelta(days=n)).weekday() < 5 and day not in off
    )


def test_every_number_of_the_pack_matches_the_records_and_the_held_pack_stays_frozen(
    app, api, client
):
    world = make_world()
    complaints = _complaints(world)
    ncs = _nonconformities(world)
    _objectives(world)
    issues, parties = _context(world)
    risk = _treatments(world)
    _survey(world)
    _previous_review(world)
    review = plan_review(world)
    db.session.commit()

    api.as_user(world.officer)
    prepared = api.post(f"/management-reviews/{review.id}/transitions/prepare")
    assert prepared.status_code == 200, prepared.get_json()
    inputs = api.get(f"/management-reviews/{review.id}/inputs").get_json()["data"]
    assert inputs["cut_off"] == "2026-03-31" and len(inputs["pack_hash"]) == 64

    # a) the actions of the review held before
    assert _entry(inputs, "previous-actions")["counts"] == {
        "actions": 2,
        "done": 1,
        "open": 1,
        "overdue": 1,
    }

    # b) context: counted from the records made above
    in_period = [i for i in issues if _in_period(i.identified_on)]
    reviewed = [i for i in issues if i.reviewed_on and _in_period(i.reviewed_on)]
    assert _entry(inputs, "context")["counts"] == {
        "issues_new": len(in_period),
        "issues_reviewed": len(reviewed),
        "issues_retired": 0,
        "parties_new": sum(1 for p in parties if _in_period(p.identified_on)),
        "parties_reviewed": 0,
    }
    assert (len(in_period), len(reviewed)) == (1, 1)

    # c) complaints: received in the period, answered, within the limit, mean days
    received = [c for c in complaints if _in_period(c.received_at.date())]
    answered = [c for c in received if c.responded_at is not None]
    # SP4N-LAPOR counts working days: weekdays that are no national holiday or cuti bersama
    days = [_working_days(c.received_at.date(), c.responded_at.date()) for c in answered]
    complaint_counts = _entry(inputs, "complaints")["counts"]
    assert complaint_counts == {
        "received": len(received),
        "answered": len(answered),
        "answered_in_time": sum(1 for d in days if d <= LIMIT),
        "unanswered": len(received) - len(answered),
        "mean_response_days": round(sum(days) / len(days), 1),
    }
    assert complaint_counts["received"] == 5 and complaint_counts["answered_in_time"] == 2
    trend = {p["period"]: p["value"] for p in _entry(inputs, "complaints")["trend"]}
    assert len(trend) == 12 and sum(trend.values()) == len(received)
    assert trend["2025-05"] == 1 and trend["2026-03"] == 1 and trend["2025-04"] == 0

    # c) nonconformities: raised up to the cut-off, as they stand
    seen = [n for n in ncs if n.raised_on <= CUT_OFF]
    still_open = [n for n in seen if n.status != NcStatus.CLOSED]
    assert _entry(inputs, "nonconformities")["counts"] == {
        "raised": sum(1 for n in seen if _in_period(n.raised_on)),
        "open": len(still_open),
        "open_major": sum(1 for n in still_open if n.grade == NcGrade.MAJOR),
        "overdue": sum(1 for n in still_open if n.due_date < CUT_OFF),
        "closed": sum(1 for n in seen if n.closed_at and _in_period(n.closed_at.date())),
    }
    assert _entry(inputs, "nonconformities")["counts"]["closed"] == 2

    # c) objectives of 2026 by their latest period ended by the cut-off
    assert _entry(inputs, "objectives")["counts"] == {
        "objectives": 3,
        "met": 1,
        "missed": 1,
        "not_measured": 1,
    }

    # c) satisfaction: the survey ended in the period, its respondents and the pooled index
    satisfaction = _entry(inputs, "satisfaction")["counts"]
    assert satisfaction["surveys"] == 1 and satisfaction["respondents"] == len(TALLY)
    assert satisfaction["ikm"] == _ikm(TALLY) and satisfaction["grade"] in {"A", "B", "C", "D"}

    # c) audits and documents: none recorded, counted as none
    assert _entry(inputs, "audit-results")["counts"]["audits"] == 0
    assert set(_entry(inputs, "documents")["counts"].values()) == {0}

    # e) risk treatments due in the period
    treatments = [t for t in risk.treatments if _in_period(t.due_on)]
    high = 1 if (4, 4) in matrix().attention_cells() else 0
    assert _entry(inputs, "risk-actions")["counts"] == {
        "treatments_due": len(treatments),
        "done": sum(1 for t in treatments if t.done_on),
        "done_on_time": sum(1 for t in treatments if t.done_on and t.done_on <= t.due_on),
        "cancelled": 0,
        "overdue": sum(1 for t in treatments if not t.done_on and t.due_on < CUT_OFF),
        "high_risks": high,
    }

    # f) suggestions and opportunities
    assert _entry(inputs, "survey-suggestions")["counts"] == {
        "suggestions": sum(1 for _, s in TALLY if s)
    }
    assert _entry(inputs, "audit-opportunities")["counts"] == {"opportunities": 0}

    # d) resources: nothing provides it yet, so the pack says so
    item_d = next(i for i in inputs["items"] if i["letter"] == "d")
    assert item_d["recorded"] is False and item_d["entries"] == []
    page = client.get(f"/review/{review.id}")
    assert page.status_code == 302  # not logged in
    # the hash is the pack's own
    db.session.refresh(review)
    assert pack.digest(review.pack) == review.pack_hash == inputs["pack_hash"]

    # prepared again before the meeting, the pack follows the records
    complaints[3].responded_at = complaints[3].received_at + timedelta(days=1)
    db.session.commit()
    assert api.post(f"/management-reviews/{review.id}/transitions/prepare").status_code == 200
    refreshed = api.get(f"/management-reviews/{review.id}/inputs").get_json()["data"]
    assert _entry(refreshed, "complaints")["counts"]["answered"] == len(answered) + 1
    assert refreshed["pack_hash"] != inputs["pack_hash"]

    # held: records changed afterwards leave the pack as the meeting saw it
    held = api.post(
        f"/management-reviews/{review.id}/transitions/hold", json={"held_on": "2026-04-14"}
    )
    assert held.status_code == 200, held.get_json()
    complaints[4].responded_at = complaints[4].received_at + timedelta(days=2)
    ncs[0].status, ncs[0].closed_at = NcStatus.CLOSED, datetime(2026, 4, 20)
    _nonconformities(world)
    db.session.commit()
    after = api.get(f"/management-reviews/{review.id}/inputs").get_json()["data"]
    assert after == refreshed
    assert api.post(f"/management-reviews/{review.id}/transitions/prepare").status_code == 422
