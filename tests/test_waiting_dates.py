"""What falls due by the calendar finds its people too: lab results awaited on the cooperative
office's card (the late ones first, bounded, with the filtered list behind them), and the
daily job's mail of lab results late, surveillance due and management reviews due — one mail
to each of the right people (not another city's or agency's), once, and to those who chose
the daily digest in the digest instead. The corrective-action events reach digest users the
same way (one mechanism: qms.core.mail.notices)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from qms.core.mail import NOTIFY_DAILY, OutboxMessage, run_reminders
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.sme import operations as sme_operations
from qms.sme import queries as sme_queries
from qms.sme.demo import results
from qms.sme.models import Pathway, StageRecord
from qms.sme.vocabulary import Stage
from tests.factories import CityFactory
from tests.factories_capa import analysed, planned, raise_nc
from tests.factories_capa import make_world as capa_world
from tests.factories_plan import make_world as plan_world
from tests.factories_review import plan_review
from tests.factories_sme import (
    BusinessFactory,
    advance,
    coop_officer,
    honey,
    lab_test,
    load_catalogue,
)
from tests.test_waiting import _card


def _mail(to) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == to.email)))


def _keys(to, prefix: str) -> list[str]:
    return [m.key for m in _mail(to) if m.key.startswith(prefix)]


def _remind(app, day: date) -> None:
    with app.test_request_context():
        run_reminders(day)
    db.session.commit()


# --- lab results awaited ------------------------------------------------------------------


def _in_testing(coop, city, name: str, began: date) -> Pathway:
    """An SPPT SNI pathway (type 1a: no production audit) that entered sampling and lab
    testing about `began`."""
    product = honey(business=BusinessFactory(city=city, name=f"UD {name}"), name=name)
    pathway = sme_operations.open_pathway(
        coop, product, scheme="sppt_sni", scheme_type="1a", started_on=began - timedelta(days=30)
    )
    advance(coop, pathway, Stage.APPLICATION_REVIEW, began - timedelta(days=30))
    from qms.sme import workflow

    workflow.transition(coop, pathway, "start_testing", on=began, invoice_number=f"INV/{name}")
    return pathway


@pytest.fixture
def labs(app):
    with app.test_request_context():
        load_catalogue()
        city = CityFactory()
        coop = coop_officer(city)
        today = local_today()
        world = {
            "city": city,
            "coop": coop,
            "coop2": coop_officer(city),
            "other_coop": coop_officer(CityFactory()),
            "today": today,
            # sent 40 days ago: late; sent 3 days ago: expected in 11 days
            "late": _in_testing(coop, city, "Madu Lama", today - timedelta(days=40)),
            "recent": _in_testing(coop, city, "Madu Baru", today - timedelta(days=3)),
            "passed": _in_testing(coop, city, "Madu Lulus", today - timedelta(days=50)),
        }
        lab_test(coop, world["passed"], today - timedelta(days=45))
        db.session.commit()
        yield world


def test_lab_results_awaited_wait_for_the_office_late_first(labs, client, auth):
    auth.login(labs["coop"])
    card = _card(client)
    late, recent = labs["late"], labs["recent"]
    assert "Hasil uji lab ditunggu" in card
    assert card.index(f"/sme/pathways/{late.id}#tests") < card.index(
        f"/sme/pathways/{recent.id}#tests"
    )
    assert f"/sme/pathways/{labs['passed'].id}#tests" not in card  # its test passed
    assert "/sme/pathways?waiting=lab" in card
    total, tasks = sme_queries.lab_result_tasks(labs["coop"], 1)
    assert total == 2 and len(tasks) == 1  # bounded, counted in all
    assert tasks[0].overdue and tasks[0].due == labs["today"] - timedelta(days=40 - 14)
    _total, both = sme_queries.lab_result_tasks(labs["coop"], 10)
    assert not both[1].overdue and both[1].due == labs["today"] + timedelta(days=11)
    listed = client.get("/sme/pathways?waiting=lab").get_data(as_text=True)
    assert "Madu Lama" in listed and "Madu Baru" in listed and "Madu Lulus" not in listed
    auth.logout()
    # another city's office has nothing of it
    auth.login(labs["other_coop"])
    assert "Madu Lama" not in _card(client)
    assert "Madu Lama" not in client.get("/sme/pathways?waiting=lab").get_data(as_text=True)


def test_results_awaited_without_the_stage_recorded_count_from_what_is_known(labs, client, auth):
    """Pathways whose testing stage was never recorded (brought in from elsewhere): one counts
    from its latest recorded stage, one with no stage at all is listed without a due date; the
    office's home still opens."""
    recent, late = labs["recent"], labs["late"]
    db.session.execute(
        delete(StageRecord).where(
            StageRecord.pathway_id == recent.id, StageRecord.stage == Stage.TESTING
        )
    )
    db.session.execute(delete(StageRecord).where(StageRecord.pathway_id == late.id))
    db.session.commit()
    auth.login(labs["coop"])
    card = _card(client)
    assert f"/sme/pathways/{recent.id}#tests" in card and f"/sme/pathways/{late.id}#tests" in card
    _total, tasks = sme_queries.lab_result_tasks(labs["coop"], 10)
    due = {task.url.split("#")[0].rsplit("/", 1)[1]: task for task in tasks}
    # counted from the stage recorded last before testing, which began weeks ago: overdue
    latest_stage = db.session.scalar(
        select(func.max(StageRecord.started_on)).where(StageRecord.pathway_id == recent.id)
    )
    assert latest_stage < labs["today"] - timedelta(days=14)
    assert due[str(recent.id)].due == latest_stage + timedelta(days=14)
    assert due[str(recent.id)].overdue
    assert due[str(late.id)].due is None and not due[str(late.id)].overdue


def test_a_failed_round_waits_again_from_its_day(labs):
    recent, coop, today = labs["recent"], labs["coop"], labs["today"]
    failing = next(p.key for p in recent.parameters if not p.is_qualitative)
    lab_test(coop, recent, today - timedelta(days=1), results=results(recent, failing))
    db.session.commit()
    _total, tasks = sme_queries.lab_result_tasks(coop, 10)
    assert [t.due for t in tasks if "Madu Baru" in t.title] == [today + timedelta(days=13)]


def test_late_lab_results_are_mailed_once_to_the_citys_office(labs, app):
    labs["coop2"].notify = NOTIFY_DAILY
    db.session.commit()
    _remind(app, labs["today"])
    _remind(app, labs["today"])  # the next run of the same day: not again
    late = labs["late"]
    mails = [m for m in _mail(labs["coop"]) if m.key.startswith("sme-lab-results:")]
    assert len(mails) == 1
    assert mails[0].key == (
        f"sme-lab-results:{late.id}:{(labs['today'] - timedelta(days=40)).isoformat()}"
        f":u{labs['coop'].id}"
    )
    assert "Madu Lama" in mails[0].subject and f"/sme/pathways/{late.id}" in mails[0].body
    # results not late yet, and other cities: no mail
    assert not [m for m in _mail(labs["coop"]) if "Madu Baru" in m.subject]
    assert _mail(labs["other_coop"]) == []
    # the officer who chose the digest reads it there
    assert _keys(labs["coop2"], "sme-lab-results:") == []
    (digest,) = [m for m in _mail(labs["coop2"]) if m.key.startswith("digest:")]
    assert "Madu Lama" in digest.body


def test_surveillance_due_goes_to_the_digest_of_those_who_chose_it(app):
    with app.test_request_context():
        load_catalogue()
        city = CityFactory()
        coop, digest_reader = coop_officer(city), coop_officer(city)
        digest_reader.notify = NOTIFY_DAILY
        product = honey(business=BusinessFactory(city=city))
        pathway = sme_operations.open_pathway(
            coop, product, scheme="sppt_sni", scheme_type="5", started_on=date(2024, 1, 2)
        )
        advance(coop, pathway, Stage.CERTIFIED, date(2024, 1, 2))
        visit = pathway.certificate.surveillances[0]
        db.session.commit()
    _remind(app, visit.due_on - timedelta(days=5))
    assert len(_keys(coop, "sme-surveillance:")) == 1
    assert _keys(digest_reader, "sme-surveillance:") == []


# --- management reviews due ---------------------------------------------------------------


def test_a_review_due_is_mailed_to_its_agencys_officers_only(app):
    with app.test_request_context():
        world = plan_world()
        review = plan_review(world, planned_on=date(2026, 4, 14))
        db.session.commit()
    _remind(app, date(2026, 4, 10))  # within the notice before the planned day
    _remind(app, date(2026, 4, 11))
    before = _keys(world.officer, "review-due:")
    assert before == [f"review-due:{review.id}:2026-04-14:before:u{world.officer.id}"]
    subjects = [m.subject for m in _mail(world.officer) if m.key.startswith("review-due:")]
    assert subjects == ["Tinjauan manajemen dijadwalkan pada 14 April 2026"]
    assert _keys(world.other_officer, "review-due:") == []  # another agency's officer
    assert _keys(world.stranger, "review-due:") == []
    _remind(app, date(2026, 4, 15))  # the day passed and it was not held
    assert len(_keys(world.officer, "review-due:")) == 2
    assert f"/review/{review.id}" in _mail(world.officer)[-1].body


def test_a_review_due_reaches_a_digest_reader_in_the_digest(app):
    with app.test_request_context():
        world = plan_world()
        world.officer.notify = NOTIFY_DAILY
        review = plan_review(world, planned_on=date(2026, 4, 14))
        db.session.commit()
    _remind(app, local_today())
    assert _keys(world.officer, "review-due:") == []
    (digest,) = [m for m in _mail(world.officer) if m.key.startswith("digest:")]
    assert review.title in digest.body


# --- corrective actions -------------------------------------------------------------------


def test_a_plan_to_accept_reaches_a_digest_reader_in_the_digest(app):
    with app.test_request_context():
        world = capa_world()
        world.auditor.notify = NOTIFY_DAILY
        today = local_today()
        nc = raise_nc(world, due_date=today + timedelta(days=30))
        planned(world, analysed(world, nc, today), today)
        db.session.commit()
    # at once: the other officer who may accept, not the auditor who chose the digest
    assert len([m for m in _mail(world.officer2) if nc.number in m.subject]) == 1
    assert not [m for m in _mail(world.auditor) if nc.number in m.subject]
    assert not [m for m in _mail(world.rsud_officer) if nc.number in m.subject]
    _remind(app, today)
    (digest,) = [m for m in _mail(world.auditor) if m.key.startswith("digest:")]
    assert nc.number in digest.body
    assert re.search(rf"/capa/{nc.id}\b", digest.body)
