"""A quality officer's management reviews on the home page: reviews planned for a day that has
passed and not held and open actions due or overdue on the "waiting for you" card, agencies
with no review held within the interval on the reviews panel; each list bounded, linked to the
full filtered list, and scoped to the agencies the user prepares reviews for."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest

from qms.core.registry import WAITING_SHOWN
from qms.extensions import db
from qms.review import operations, queries, workflow
from tests.factories_plan import make_world
from tests.factories_review import held_review, plan_review, prepared_review

TODAY = date(2026, 7, 10)
HELD_ON = date(2026, 4, 14)
#: actions of the held review due before TODAY (all overdue): more than the panel shows
DUE = [date(2026, 6, 1) + timedelta(days=n) for n in range(12)]


def _action(world, review, description: str, due_on: date):
    values = {"kind": "improvement", "description": description, "owner": "Kabid"}
    return operations.add_action(world.officer, review, {**values, "due_on": due_on})


@pytest.fixture
def reviews(app, monkeypatch):
    monkeypatch.setattr(queries, "local_today", lambda: TODAY)
    world = make_world()
    held = prepared_review(world, title="RTM Dukcapil 2026")
    operations.add_attendee(world.officer, held, {"name": "Drs. Markus Lalo", "position": "Kadis"})
    for n, due_on in enumerate(DUE):
        _action(world, held, f"Tindakan {n}", due_on)
    later = _action(world, held, "Nanti", date(2026, 12, 1))
    workflow.transition(world.officer, held, "hold", {"held_on": HELD_ON}, today=HELD_ON)
    overdue = plan_review(world, title="RTM semester II", planned_on=date(2026, 6, 15))
    coming = plan_review(world, title="RTM berikut", planned_on=date(2026, 8, 1))
    # the other agency held its last review fourteen months before today
    rsud = dataclasses.replace(world, agency=world.other, officer=world.other_officer)
    old = held_review(
        rsud, title="RTM RSUD 2025", planned_on=date(2025, 5, 1), cut_off=date(2025, 4, 30),
        held_on=date(2025, 5, 2),
    )  # fmt: skip
    # another city's agency: its overdue review is nobody's business here
    foreign = dataclasses.replace(world, agency=world.foreign, officer=world.stranger)
    elsewhere = plan_review(foreign, title="RTM kota lain", planned_on=date(2026, 5, 1))
    db.session.commit()
    return world, held, later, overdue, coming, old, elsewhere


def _card(page: str) -> str:
    """The "waiting for you" card, where the reviews overdue and the actions due are listed."""
    return page.split('class="card waiting"')[1].split("</section>")[0]


def test_the_officer_sees_overdue_reviews_and_actions_bounded(reviews, app, client, auth):
    world, held, later, overdue, coming, _old, elsewhere = reviews
    auth.login(world.officer)
    page = client.get("/").get_data(as_text=True)
    panel = page.split('id="home-reviews"')[1].split("</section>")[0]
    # the agency held a review in April: no gap for it; the other agency is not the officer's
    assert world.agency.name not in panel and world.other.name not in panel
    card = _card(page)
    assert f'/review/{coming.id}"' not in card and "RTM kota lain" not in card
    # the overdue review is counted, with its list; the actions overdue are older, so first
    assert ">Tinjauan manajemen terlambat: 1</a>" in card
    assert "/review/?attention=overdue" in card
    with app.test_request_context():
        tasks = queries.review_tasks(world.officer, WAITING_SHOWN)[1]
    assert [t.url for t in tasks] == [f"/review/{overdue.id}"]
    # open actions due by TODAY + the notice
    due = len(DUE)
    shown = re.findall(rf"/review/{held.id}#action-(\d+)", card)
    assert len(shown) == WAITING_SHOWN
    assert f"#action-{later.id}" not in card
    assert f">Tindak lanjut tinjauan jatuh tempo: {due}</a>" in card
    assert "/review/?attention=actions_due" in card
    assert card.count("Terlambat sejak") == WAITING_SHOWN  # all overdue, earliest first
    first = min(held.actions, key=lambda a: (a.due_on, a.id))
    assert shown[0] == str(first.id)

    # the full lists behind the links
    listed = client.get("/review/?attention=overdue").get_data(as_text=True)
    assert f'/review/{overdue.id}"' in listed and f'/review/{coming.id}"' not in listed
    assert f'/review/{held.id}"' not in listed and f'/review/{elsewhere.id}"' not in listed
    listed = client.get("/review/?attention=actions_due").get_data(as_text=True)
    assert f'/review/{held.id}"' in listed and f'/review/{overdue.id}"' not in listed


def test_the_city_admin_sees_agencies_without_a_review_within_twelve_months(reviews, client, auth):
    world, _held, _later, _overdue, _coming, old, _elsewhere = reviews
    auth.login(world.admin)
    panel = client.get("/").get_data(as_text=True).split('id="home-reviews"')[1]
    panel = panel.split("</section>")[0]
    assert world.other.name in panel and "2 Mei 2025" in panel
    assert world.agency.name not in panel  # held in April 2026
    gaps = queries.review_gaps(world.admin, TODAY)
    assert [(g.agency.id, g.last_held_on) for g in gaps] == [(world.other.id, old.held_on)]
    # twelve months after its last review, it is not late yet
    assert queries.review_gaps(world.admin, date(2026, 5, 2)) == []


def test_readers_and_other_officers_see_no_panel_of_this_agency(reviews, client, auth):
    world, *_rest = reviews
    auth.login(world.bsn)
    assert 'id="home-reviews"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(world.stranger)
    page = client.get("/").get_data(as_text=True)
    card = _card(page)
    assert "RTM kota lain" in card and "RTM semester II" not in card and "Tindakan" not in card
    panel = page.split('id="home-reviews"')[1].split("</section>")[0]
    assert world.foreign.name in panel  # never held a review
