"""The corrective-action workflow (ISO 9001 10.2) as data: open → correction recorded → root
cause analysed → plan submitted → plan accepted → implemented → verified → closed, and back to
re-opened when a verification finds the plan not effective.

- `WORKFLOW` is the table: each step's name, the statuses it leaves from, the status it leads
  to, who may take it (a guard on the role), and who may not although their role may (a
  refusal, for separation of duties: the plan's author does not accept it, an implementer does
  not verify). A step is neither offered to nor taken by someone its refusal names, and the
  reason is told.
- The table also says what the record needs before a step (`unready`: a plan needs actions,
  an implementation their evidence, a verification its check date): the page shows that
  reason instead of the step's button, and the step is refused with it.
- `STEPS` holds one handler per step: the step's own rules on what was entered, and what it
  writes. A handler refuses with a DomainError, naming the field where there is one; it never
  checks the status, the role or the record's readiness: the table did.
- `transition()` runs a step: the version read, the table's check, the handler, the move.
- `available_steps()` and `waiting_on_others()` read the same table to offer a user their
  steps (or the reason the record refuses one now: `unready`, shown instead of its button
  and checked again when the step is taken) and tell them who may take the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.capa import contributions, notifications, operations
from qms.capa.deadlines import renewed_due_date
from qms.capa.models import (
    MAX_WHY_STEPS,
    PENDING_STATUSES,
    PLAN_ACCEPTED_STATUSES,
    CauseCategory,
    EffectivenessCheck,
    NcStatus,
    Nonconformity,
    VerificationResult,
)
from qms.capa.people import step_takers
from qms.capa.policies import REVIEW, VERIFY
from qms.core import access
from qms.core.errors import DomainError, required_text, required_value
from qms.core.i18n import fmt_date
from qms.core.models import stale_write_refused
from qms.core.timeutil import utcnow
from qms.core.workflow import Offer, Stage, StateMachine, Transition, allowed_to
from qms.core.workflow import stages as workflow_stages
from qms.extensions import db
from qms.files import queries
from qms.organisations.models import Agency

# --- who may take a step, and who may not although their role may -------------------------


def _not_the_plan_author(message: Any) -> Callable[[User, Nonconformity], Any | None]:
    def refusal(user: User, nc: Nonconformity) -> Any | None:
        return message if nc.plan_submitted_by_id == user.id else None

    return refusal


def _implementers(nc: Nonconformity) -> set[int]:
    return {nc.implemented_by_id, *(a.done_by_id for a in nc.current_actions)} - {None}


def _not_an_implementer(user: User, nc: Nonconformity) -> Any | None:
    if user.id in _implementers(nc):
        return _l("The effectiveness must be verified by someone other than the implementer.")
    return None


# --- what the record needs before a step (shown instead of the step's button) -------------


def _no_actions(nc: Nonconformity, today: date) -> Any | None:
    if not nc.current_actions:
        return _l("Add at least one action to the plan.")
    return None


def _actions_not_done(nc: Nonconformity, today: date) -> Any | None:
    actions = nc.current_actions
    if any(not a.is_done for a in actions):
        return _l("Every action of the plan must be done before it is implemented.")
    if any(not queries.files_of(a) for a in actions):
        return _l("Every action needs its evidence file.")
    return None


def _before_check_date(nc: Nonconformity, today: date) -> Any | None:
    if nc.effectiveness_check_on and today < nc.effectiveness_check_on:
        return _(
            "The effectiveness can be verified from %(day)s, the planned check date.",
            day=fmt_date(nc.effectiveness_check_on),
        )
    return None


def _no_effective_verification(nc: Nonconformity, today: date) -> Any | None:
    if not any(c.plan_round == nc.plan_round and c.is_effective for c in nc.checks):
        return _l("A nonconformity is closed only after an effective verification.")
    return None


# --- the steps that decide on another's work: the same rules for each of their outcomes -----


def _plan_review(name: str, target: NcStatus, label: Any, refusal: Any) -> Transition:
    """A reviewer's decision on the submitted plan, taken by someone other than its author."""
    return Transition(
        name,
        frozenset({NcStatus.PLAN_SUBMITTED}),
        target,
        label,
        allowed_to(REVIEW),
        _not_the_plan_author(refusal),
    )


def _verification(name: str, target: NcStatus, label: Any) -> Transition:
    """A verifier's finding on the implemented plan, taken by someone who did not implement it
    and not before the planned check date."""
    return Transition(
        name,
        frozenset({NcStatus.IMPLEMENTED}),
        target,
        label,
        allowed_to(VERIFY),
        _not_an_implementer,
        _before_check_date,
    )


WORKFLOW = StateMachine(
    "status",
    [
        Transition(
            "record_correction",
            frozenset({NcStatus.OPEN}),
            NcStatus.CORRECTION_RECORDED,
            _l("Record the correction"),
            allowed_to(access.EDIT),
        ),
        Transition(
            "analyse_cause",
            frozenset({NcStatus.CORRECTION_RECORDED, NcStatus.CAUSE_ANALYSED, NcStatus.REOPENED}),
            NcStatus.CAUSE_ANALYSED,
            _l("Record the root cause analysis"),
            allowed_to(access.EDIT),
        ),
        Transition(
            "submit_plan",
            frozenset({NcStatus.CAUSE_ANALYSED, NcStatus.REOPENED}),
            NcStatus.PLAN_SUBMITTED,
            _l("Submit the action plan"),
            allowed_to(access.EDIT),
            unready=_no_actions,
        ),
        _plan_review(
            "accept_plan",
            NcStatus.PLAN_ACCEPTED,
            _l("Accept the action plan"),
            _l("The plan must be accepted by someone other than its author."),
        ),
        _plan_review(
            "return_plan",
            NcStatus.CAUSE_ANALYSED,
            _l("Return the plan for rework"),
            _l("The plan must be reviewed by someone other than its author."),
        ),
        Transition(
            "mark_implemented",
            frozenset({NcStatus.PLAN_ACCEPTED}),
            NcStatus.IMPLEMENTED,
            _l("Mark as implemented"),
            allowed_to(access.EDIT),
            unready=_actions_not_done,
        ),
        _verification("verify_effective", NcStatus.VERIFIED, _l("Verify: effective")),
        _verification("verify_not_effective", NcStatus.REOPENED, _l("Verify: not effective")),
        Transition(
            "close",
            frozenset({NcStatus.VERIFIED}),
            NcStatus.CLOSED,
            _l("Close"),
            allowed_to(VERIFY),
            unready=_no_effective_verification,
        ),
    ],
    NcStatus.labels(),
)


def plan_is_accepted(nc: Nonconformity) -> bool:
    """True while the plan in force is accepted (also once implemented, verified or closed);
    False before acceptance and after a failed verification re-opened the plan."""
    return nc.status in PLAN_ACCEPTED_STATUSES


# --- one handler per step: its own rules and what it writes -------------------------------

Handler = Callable[[User, Nonconformity, dict, date], None]


def _record_correction(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.correction = required_text(
        values, "correction", _l("Describe the correction (the immediate fix).")
    )
    correction_on = values.get("correction_on") or today
    if correction_on > today:
        raise DomainError(_l("The correction date cannot be in the future."), field="correction_on")
    nc.correction_on = correction_on


def _analyse_cause(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    steps = [s.strip() for s in values.get("why_steps") or [] if s and s.strip()]
    if not steps:
        raise DomainError(_l("Answer at least the first “why?”."), field="why_1")
    if len(steps) > MAX_WHY_STEPS:
        raise DomainError(_l("At most five “why?” steps."), field="why_1")
    if not values.get("cause_category"):
        raise DomainError(_l("Choose the cause category."), field="cause_category")
    root_cause = required_text(values, "root_cause", _l("State the root cause."))
    elsewhere = required_value(
        values, "occurs_elsewhere", _l("Answer whether this could occur elsewhere.")
    )
    targets = _elsewhere_agencies(nc, values.get("elsewhere_agency_ids") or [], bool(elsewhere))
    nc.why_steps = steps
    nc.cause_category = CauseCategory(values["cause_category"])
    nc.root_cause = root_cause
    nc.occurs_elsewhere = bool(elsewhere)
    nc.elsewhere_note = (values.get("elsewhere_note") or "").strip()
    # what other features keep of the analysis (the risks it updated): qms/capa/contributions.py
    contributions.store_analysis(actor, nc, values)
    for agency in targets:
        _raise_elsewhere(actor, nc, agency, today)


def elsewhere_candidates(nc: Nonconformity) -> list[Agency]:
    """Where the analysis may say the weakness could also occur: the other active agencies of
    the same city (whoever analyses may name any of them, seen or not)."""
    return list(
        db.session.scalars(
            select(Agency)
            .where(
                Agency.city_id == nc.agency.city_id,
                Agency.id != nc.agency_id,
                Agency.archived_at.is_(None),
            )
            .order_by(Agency.name)
        )
    )


def _elsewhere_agencies(nc: Nonconformity, agency_ids: Iterable[int], yes: bool) -> list[Agency]:
    ids = sorted({int(i) for i in agency_ids})
    if ids and not yes:
        raise DomainError(
            _l("Linked nonconformities are raised only when it could occur elsewhere."),
            field="elsewhere_agency_ids",
        )
    candidates = {agency.id: agency for agency in elsewhere_candidates(nc)} if ids else {}
    if any(i not in candidates for i in ids):
        raise DomainError(
            _l("Linked nonconformities can be raised only in other agencies of the same city."),
            field="elsewhere_agency_ids",
        )
    return [candidates[i] for i in ids]


def _raise_elsewhere(actor: User, origin: Nonconformity, agency: Agency, today: date) -> None:
    """The same weakness, checked in another agency: a linked nonconformity of its own."""
    operations.create_nonconformity(
        agency,
        source=origin.source,
        grade=origin.grade,
        statement=origin.statement,
        raised_by=actor,
        raised_on=today,
        authorize=False,  # the origin's analyst may point at any agency of the same city
        origin_id=origin.id,
        source_reference=origin.number,
        process=origin.process,
        clause=origin.clause,
        clause_standard=origin.clause_standard,
        other_clauses=origin.other_clauses,
        criterion=origin.criterion,
        requirement=origin.requirement,
        evidence=f"{origin.number}: {origin.root_cause}",
        auditor_id=origin.auditor_id,
    )


def _submit_plan(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    actions = nc.current_actions
    check_on = required_value(
        values, "effectiveness_check_on", _l("Set the date of the effectiveness check.")
    )
    if check_on < max(a.due_date for a in actions):
        raise DomainError(
            _l("The effectiveness check comes after the last action's due date."),
            field="effectiveness_check_on",
        )
    nc.effectiveness_check_on = check_on
    nc.documents_changed = (values.get("documents_changed") or nc.documents_changed).strip()
    nc.plan_submitted_by_id = actor.id
    nc.plan_submitted_at = utcnow()
    nc.plan_return_note = ""


def _accept_plan(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.plan_accepted_by_id = actor.id
    nc.plan_accepted_at = utcnow()


def _return_plan(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.plan_return_note = required_text(
        values, "note", _l("Say what the plan needs before it can be accepted.")
    )
    nc.plan_submitted_by_id = None
    nc.plan_submitted_at = None


def _mark_implemented(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.implemented_by_id = actor.id
    nc.implemented_at = utcnow()


def _verify(result: VerificationResult) -> Handler:
    def verify(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
        note = required_text(values, "note", _l("Describe the evidence of effectiveness."))
        db.session.add(
            EffectivenessCheck(
                nonconformity=nc,
                plan_round=nc.plan_round,
                verified_by_id=actor.id,
                verified_on=today,
                result=result,
                note=note,
            )
        )
        if result == VerificationResult.NOT_EFFECTIVE:
            # the plan starts again: a new round of actions, a fresh deadline
            nc.reopened_count += 1
            nc.plan_round += 1
            nc.due_date = renewed_due_date(nc, today)
            nc.plan_submitted_by_id = nc.plan_accepted_by_id = nc.implemented_by_id = None
            nc.plan_submitted_at = nc.plan_accepted_at = nc.implemented_at = None
            nc.effectiveness_check_on = None

    return verify


def _close(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.closed_at = utcnow()
    nc.closed_by_id = actor.id


STEPS: dict[str, Handler] = {
    "record_correction": _record_correction,
    "analyse_cause": _analyse_cause,
    "submit_plan": _submit_plan,
    "accept_plan": _accept_plan,
    "return_plan": _return_plan,
    "mark_implemented": _mark_implemented,
    "verify_effective": _verify(VerificationResult.EFFECTIVE),
    "verify_not_effective": _verify(VerificationResult.NOT_EFFECTIVE),
    "close": _close,
}


# --- taking a step, and offering them -----------------------------------------------------


def transition(
    actor: User,
    nc: Nonconformity,
    name: str,
    values: dict[str, Any] | None = None,
    *,
    version: int | None = None,
    today: date | None = None,
) -> Nonconformity:
    """Move a nonconformity one step: the version read, the status, the actor's role and the
    step's own rules are checked before anything changes; the history records the step."""
    operations.expect_version(nc, version)
    operations.refuse_archived(nc)
    with stale_write_refused(operations.STALE):
        WORKFLOW.take(nc, name, actor, STEPS, values, NcStatus, today)
    notifications.after_step(actor, nc, name, WORKFLOW)
    return nc


def available_steps(nc: Nonconformity, user: User, today: date | None = None) -> list[Offer]:
    """The steps the page offers this user, each with the reason the record refuses it now
    (its button is shown only when there is none)."""
    return [] if nc.is_archived else WORKFLOW.available_steps(nc, user, today)


def available_transitions(nc: Nonconformity, user: User) -> list[Transition]:
    """The steps this user can take now (the API lists them)."""
    return [] if nc.is_archived else WORKFLOW.available(nc, user)


@dataclass(frozen=True)
class Waiting:
    """Steps of the current status that wait on others, and the people who may take them."""

    steps: list[Transition]
    people: list[User]


def waiting_on_others(nc: Nonconformity, user: User) -> list[Waiting]:
    """The steps of the current status this user may not take, grouped by who may (by the
    workflow's own rules: role and separation of duties)."""
    if nc.is_archived:
        return []
    takers = step_takers(nc)
    state = WORKFLOW.state_of(nc)
    groups: dict[tuple[int, ...], Waiting] = {}
    for step in WORKFLOW.transitions.values():
        if state not in step.sources or step.may_take(user, nc):
            continue
        people = [u for u in takers if step.may_take(u, nc)]
        groups.setdefault(tuple(u.id for u in people), Waiting([], people)).steps.append(step)
    return list(groups.values())


#: a corrective action's eight stages, in order, as its stepper shows them
STAGES = (
    NcStatus.OPEN,
    NcStatus.CORRECTION_RECORDED,
    NcStatus.CAUSE_ANALYSED,
    NcStatus.PLAN_SUBMITTED,
    NcStatus.PLAN_ACCEPTED,
    NcStatus.IMPLEMENTED,
    NcStatus.VERIFIED,
    NcStatus.CLOSED,
)


def stages(nc: Nonconformity) -> list[Stage]:
    """Where the corrective action stands: each status names a stage done, so the stage after
    it is the current one (the next to do); a closed one has every stage done. A re-opened
    one (its action was not effective) stands again at its plan."""
    order = [s.value for s in STAGES]
    if nc.status == NcStatus.CLOSED:
        current = NcStatus.CLOSED.value
    elif nc.status == NcStatus.REOPENED:
        current = NcStatus.PLAN_SUBMITTED.value
    else:
        current = order[order.index(nc.status.value) + 1]
    day = {
        NcStatus.OPEN: nc.raised_on,
        NcStatus.CORRECTION_RECORDED: nc.correction_on,
        NcStatus.PLAN_SUBMITTED: nc.plan_submitted_at,
        NcStatus.PLAN_ACCEPTED: nc.plan_accepted_at,
        NcStatus.IMPLEMENTED: nc.implemented_at,
        NcStatus.VERIFIED: nc.effectiveness_check_on,
        NcStatus.CLOSED: nc.closed_at,
    }
    position = order.index(current)
    notes = {
        status.value: fmt_date(value, "medium")
        for status, value in day.items()
        if value is not None
        and (order.index(status.value) < position or nc.status == NcStatus.CLOSED)
    }
    if nc.status == NcStatus.REOPENED:
        notes[current] = _("Re-opened: a new plan is needed")
    elif nc.status in PENDING_STATUSES:
        notes.setdefault(current, _("due %(day)s", day=fmt_date(nc.due_date, "medium")))
    labels = {s.value: s.label for s in STAGES} | {NcStatus.OPEN.value: _("Raised")}
    return workflow_stages(order, labels, current, notes)
