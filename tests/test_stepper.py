"""The stepper (templates/_macros/stepper.html on qms.core.workflow.stages): where a record
stands on its way, the done stages marked; on an audit and on a corrective action."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qms.capa import workflow
from qms.capa.models import NcStatus
from qms.core.workflow import stages
from tests.factories_capa import analysed, implemented, make_world, planned, raise_nc

TODAY = date(2026, 3, 2)


@pytest.fixture
def world(app):
    with app.test_request_context():
        yield make_world()


def _marks(shown) -> list[str]:
    """Each stage as "done", "current" (to do now), "todo"; a final stage reached is both."""
    return [
        "done+current"
        if s.done and s.current
        else "done"
        if s.done
        else "current"
        if s.current
        else "todo"
        for s in shown
    ]


def test_stages_before_the_current_one_are_done_and_the_last_one_reached_is_done():
    order = ["a", "b", "c"]
    assert _marks(stages(order, {}, "a")) == ["current", "todo", "todo"]
    assert _marks(stages(order, {}, "b")) == ["done", "current", "todo"]
    assert _marks(stages(order, {}, "c")) == ["done", "done", "done+current"]
    shown = stages(order, {"a": "Alpha"}, "b", {"a": "1 March"})
    assert (shown[0].label, shown[0].note, shown[1].label, shown[1].note) == (
        "Alpha",
        "1 March",
        "b",
        None,
    )


def test_a_corrective_actions_stepper_follows_its_eight_stages(world):
    nc = raise_nc(world, raised_on=TODAY)
    shown = workflow.stages(nc)
    assert len(shown) == 8
    # raised: the correction is what is to do now, by the due date
    assert _marks(shown)[:3] == ["done", "current", "todo"]
    assert shown[1].note == "tenggat 1 Apr 2026"
    analysed(world, nc, TODAY)
    assert _marks(workflow.stages(nc))[:4] == ["done", "done", "done", "current"]
    planned(world, nc, TODAY)
    implemented(world, nc, TODAY)
    later = TODAY + timedelta(days=30)
    workflow.transition(
        world.auditor, nc, "verify_not_effective", {"note": "RTM tanpa masukan audit."}, today=later
    )
    assert nc.status == NcStatus.REOPENED
    shown = workflow.stages(nc)
    # not effective: it stands again at its plan, and says why
    assert _marks(shown) == ["done", "done", "done", "current"] + ["todo"] * 4
    assert shown[3].note == "Dibuka kembali: perlu rencana baru"
    planned(world, nc, later)
    implemented(world, nc, later)
    checked = later + timedelta(days=30)
    workflow.transition(world.auditor, nc, "verify_effective", {"note": "ok"}, today=checked)
    workflow.transition(world.auditor, nc, "close", today=checked)
    shown = workflow.stages(nc)
    assert _marks(shown) == ["done"] * 7 + ["done+current"]
    assert shown[0].note == "2 Mar 2026" and shown[7].note


def test_the_corrective_action_page_shows_its_stepper(world, client, auth):
    nc = raise_nc(world, raised_on=TODAY)
    analysed(world, nc, TODAY)
    auth.login(world.officer)
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert 'aria-label="Tahapan tindakan korektif"' in page
    current = page.split('aria-current="step"', 1)[1].split("</li>", 1)[0]
    assert "Rencana tindakan diajukan" in current
    assert page.count("step step-done") == 3
