"""Tasks that find their people: each role's home page starts with "waiting for you" (revisions
to approve, plans to accept, actions to verify…), bounded with the total and a link to the full
list, scoped to what the user may act on; the mail of each such event goes out when it happens
to the people who may take the step (never the actor, once), except to those who chose the
daily digest, which the daily job sends them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from qms.accounts.models import User
from qms.core.mail import NOTIFY_DAILY, OutboxMessage, run_reminders
from qms.core.registry import WAITING_SHOWN
from qms.core.timeutil import today as local_today
from qms.documents import operations as document_operations
from qms.documents import workflow as document_workflow
from qms.extensions import db
from tests.factories_capa import analysed, implemented, make_world, planned, raise_nc
from tests.factories_documents import agency_head, new_document
from tests.test_query_counts import counted


@pytest.fixture
def world(app):
    with app.test_request_context():
        world = make_world()
        world.head = agency_head(world.dukcapil, name="Kepala Dukcapil")
        world.rsud_head = agency_head(world.rsud, name="Kepala RSUD")
        db.session.commit()
        yield world


def _submitted(world, title: str = "Penerbitan KTP-el"):
    document = new_document(world.officer, world.dukcapil, title)
    revision = document_operations.create_revision(
        world.officer, document, "Awal", {"procedure": "1. Terima berkas."}
    )
    document_workflow.transition(world.officer, revision, "submit")
    db.session.commit()
    return revision


def _card(client) -> str:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<section class="card waiting".*?</section>', page, re.S)
    assert match, "the home page starts with the waiting card"
    assert page.index("card waiting") < page.index('class="panels"')
    return match.group(0)


def _mail(to) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == to.email)))


def _plan_submitted(world):
    today = local_today()
    nc = raise_nc(world, due_date=today + timedelta(days=30))
    planned(world, analysed(world, nc, today), today)
    db.session.commit()
    return nc


def test_the_agency_head_finds_the_revision_to_approve_and_no_one_else_does(world, client, auth):
    revision = _submitted(world)
    code = revision.document.code
    auth.login(world.head)
    card = _card(client)
    assert f"/documents/revisions/{revision.id}" in card and code in card
    assert "/documents/?revision=in_review" in card
    auth.logout()
    # the author, another agency's head, a quality officer of another city: not theirs to approve
    for user in (world.officer, world.rsud_head, world.stranger, world.bsn):
        auth.login(user)
        assert code not in _card(client), user.name
        auth.logout()


def test_the_card_is_bounded_with_the_total_and_the_full_list(world, client, auth):
    revisions = [_submitted(world, f"Prosedur {n}") for n in range(WAITING_SHOWN + 2)]
    auth.login(world.head)
    card = _card(client)
    assert len(re.findall(r'href="/documents/revisions/\d+"', card)) == WAITING_SHOWN
    assert f'<span class="badge">{WAITING_SHOWN + 2}</span>' in card
    assert f": {WAITING_SHOWN + 2}</a>" in card
    listed = client.get("/documents/?revision=in_review").get_data(as_text=True)
    assert all(r.document.code in listed for r in revisions)
    document_workflow.transition(world.head, revisions[0], "approve")
    db.session.commit()
    listed = client.get("/documents/?revision=in_review").get_data(as_text=True)
    assert revisions[0].document.code not in listed


def test_plans_to_accept_and_actions_to_verify_wait_for_those_who_may_take_them(
    world, client, auth
):
    nc = _plan_submitted(world)
    # the auditor who raised it and the agency's other officer accept; the plan's author may not
    for user, sees in (
        (world.auditor, True),
        (world.officer2, True),
        (world.officer, False),
        (world.other_auditor, False),
        (world.stranger, False),
        (world.viewer, False),
        (world.admin, False),
    ):
        auth.login(user)
        assert (nc.number in _card(client)) is sees, user.name
        auth.logout()
    auth.login(world.auditor)
    register = client.get("/capa/?waiting=1").get_data(as_text=True)
    assert nc.number in register
    auth.logout()
    implemented(world, nc, local_today())
    db.session.commit()
    # the city admin verifies; the officer who implemented does not
    for user, sees in ((world.admin, True), (world.officer, False), (world.stranger, False)):
        auth.login(user)
        assert (nc.number in _card(client)) is sees, user.name
        auth.logout()


def test_the_mail_goes_when_it_happens_to_the_right_people_once(world, app):
    revision = _submitted(world)
    assert [m.subject for m in _mail(world.head)] == [
        f"Revisi menunggu persetujuan Anda: {revision.document.code} rev. {revision.number}"
    ]
    assert f"/documents/revisions/{revision.id}" in _mail(world.head)[0].body
    assert _mail(world.officer) == [] and _mail(world.rsud_head) == []

    nc = _plan_submitted(world)
    assert len([m for m in _mail(world.auditor) if nc.number in m.subject]) == 1
    assert len([m for m in _mail(world.officer2) if nc.number in m.subject]) == 1
    assert not [m for m in _mail(world.officer) if nc.number in m.subject]  # the actor
    assert not [m for m in _mail(world.other_auditor) if nc.number in m.subject]
    implemented(world, nc, local_today())
    db.session.commit()
    to_admin = [m for m in _mail(world.admin) if nc.number in m.subject]
    assert len(to_admin) == 1 and f"/capa/{nc.id}" in to_admin[0].body


def test_a_digest_user_gets_no_mail_at_once_and_the_digest_the_next_day(world, app):
    world.head.notify = NOTIFY_DAILY
    db.session.commit()
    revision = _submitted(world)
    assert _mail(world.head) == []
    with app.test_request_context():
        run_reminders(local_today() + timedelta(days=1))
        run_reminders(local_today() + timedelta(days=1))  # the same day again: not twice
    db.session.commit()
    digests = [m for m in _mail(world.head) if m.key.startswith("digest:")]
    assert len(digests) == 1
    assert revision.document.code in digests[0].body
    assert f"/documents/revisions/{revision.id}" in digests[0].body
    # the officer chose nothing: they get no digest
    assert not [m for m in _mail(world.officer) if m.key.startswith("digest:")]


def test_the_preference_form_saves_a_choice_and_refuses_others(world, client, auth):
    auth.login(world.officer)
    page = client.get("/account/password").get_data(as_text=True)
    assert 'action="/account/notifications"' in page
    refused = client.post("/account/notifications", data={"notify": "weekly"})
    assert refused.status_code == 422
    # the refusal is summed up at the top of the form, linked to the field
    summary = re.search(r'class="flash flash-error error-summary".*?</div>', refused.text, re.S)
    assert summary and 'href="#notify"' in summary.group(0)
    db.session.refresh(world.officer)
    assert world.officer.notify == "immediately"
    saved = client.post("/account/notifications", data={"notify": NOTIFY_DAILY})
    assert saved.status_code == 302
    db.session.refresh(world.officer)
    assert world.officer.notify == NOTIFY_DAILY


def test_the_revision_page_names_who_may_approve_it(world, client, auth):
    revision = _submitted(world)
    auth.login(world.officer)
    page = client.get(f"/documents/revisions/{revision.id}").get_data(as_text=True)
    approvers = re.search(r'<dd id="approvers">(.*?)</dd>', page, re.S).group(1)
    assert "Kepala Dukcapil" in approvers and "Kepala RSUD" not in approvers
    assert world.officer.name not in approvers
    # where it stands: drafted, now in review (the stepper of the revision)
    stepper = re.search(r'<nav class="stepper".*?</nav>', page, re.S).group(0)
    assert stepper.count("step-done") == 1 and 'aria-current="step"' in stepper


def test_the_card_reads_the_same_number_of_statements_however_much_waits(
    world, client, auth, web_app
):
    def statements(user) -> int:
        auth.login(user)
        with counted(web_app) as seen:
            assert client.get("/").status_code == 200
        auth.logout()
        return len(seen)

    def grow(count: int) -> None:
        for n in range(count):
            _submitted(world, f"Prosedur {n}")
            nc = _plan_submitted(world)
            implemented(world, nc, local_today())
        db.session.commit()

    grow(2)
    small = {u.id: statements(u) for u in (world.head, world.admin, world.auditor)}
    grow(WAITING_SHOWN)
    large = {u.id: statements(u) for u in (world.head, world.admin, world.auditor)}
    assert large == small


def test_each_demo_role_finds_what_waits_for_it(app, client, auth):
    from qms.demo import DEMO_PASSWORD, seed
    from qms.sme import figures

    with app.test_request_context():
        seed()
        db.session.commit()

    def card(email: str) -> str:
        auth.login(email, DEMO_PASSWORD)
        found = _card(client)
        auth.logout()
        return found

    # the SOP KTP-el revision 3 waits for the head of Dukcapil, not its author nor another head
    assert "SOP-DUKCAPIL-001 rev. 3" in card("kepala.dukcapil@demo.qms.id")
    assert "SOP-DUKCAPIL-001 rev. 3" not in card("mutu.dukcapil@demo.qms.id")
    assert "SOP-DUKCAPIL-001" not in card("kepala.rsud@demo.qms.id")
    # the cooperative office: as many surveillances as its dashboard counts due
    coop = db.session.scalar(select(User).where(User.email == "koperasi@demo.qms.id"))
    with app.test_request_context():
        due = len(figures.compute(coop, local_today()).surveillance_due)
    assert due > 0
    assert f"Survailen jatuh tempo: {due}</a>" in card(coop.email)
    # the BSN reviewer only reads: nothing waits for them
    assert "Tidak ada yang menunggu Anda." in card("reviewer@bsn.demo.qms.id")
