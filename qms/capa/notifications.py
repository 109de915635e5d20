"""Mail when a step of a corrective action starts waiting for someone, at once, through the
outbox: a plan submitted tells those who may accept it, an action marked implemented those who
may verify it (the workflow's own table says who: role and separation of duties). Those who
chose the daily digest read it there."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from qms.capa.models import Nonconformity
from qms.capa.people import step_takers
from qms.core.mail import notify
from qms.core.workflow import StateMachine

#: step taken -> the step it makes wait for others
NEXT_STEP = {"submit_plan": "accept_plan", "mark_implemented": "verify_effective"}


def after_step(actor: Any, nc: Nonconformity, name: str, machine: StateMachine) -> None:
    waiting = NEXT_STEP.get(name)
    if waiting is None:
        return
    step = machine.transitions[waiting]
    people = [user for user in step_takers(nc) if step.may_take(user, nc)]

    def compose(user: Any) -> tuple[str, str]:
        link = url_for("capa.detail", nc_id=nc.id, _external=True)
        if name == "submit_plan":
            subject = _("Action plan to accept: %(number)s", number=nc.number)
            body = _(
                "%(actor)s submitted the action plan of this nonconformity. Accept it or return "
                "it for rework in qms.",
                actor=actor.name,
            )
        else:
            subject = _("Corrective action to verify: %(number)s", number=nc.number)
            body = _(
                "%(actor)s marked the actions of this nonconformity implemented. Verify their "
                "effectiveness in qms.",
                actor=actor.name,
            )
        return subject, f"{body}\n\n{nc.number}: {nc.statement}\n{link}"

    notify(people, actor, f"event:capa-{name}:{nc.id}:{nc.plan_round}", compose)
