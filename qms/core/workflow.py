"""Explicit state machines: a small table of allowed transitions and who may make them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core import access
from qms.core.errors import DomainError, PermissionDenied
from qms.core.history import history_note
from qms.core.timeutil import today as local_today
from qms.extensions import db

Guard = Callable[[Any, Any], bool]
#: why this user may not take the step although their role may (separation of duties), or None
Refusal = Callable[[Any, Any], Any | None]
#: why the step cannot be taken now by anyone, the record being as it is (a plan without
#: actions, a decision after a failed lab test), on `today`; or None
Unready = Callable[[Any, date], Any | None]


#: what a step does before the record moves, as a feature's `STEPS` table holds it: records
#: what the step's form asked and may still refuse; (user, record, values, today)
StepHandler = Callable[[Any, Any, dict[str, Any], date], None]


def _ready(record: Any, today: date) -> Any | None:
    return None


def allowed_to(action: str) -> Guard:
    """Who may take a step: whoever the record's access policy lets take `action` on it (the
    usual `allowed` of a transition: EDIT, or REVIEW, ARCHIVE…)."""
    return lambda user, record: access.can(user, action, record)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: Any
    #: who may take it: (user, record) -> bool
    allowed: Guard = field(default=lambda user, record: True)
    #: a rule about the person beyond their role (not the plan's author, not the implementer):
    #: the step is neither offered to them nor taken by them, and the reason is told
    refusal: Refusal = field(default=lambda user, record: None)
    #: a rule about the record as it stands: the step is still shown to those who may take
    #: it, with this reason instead of its button, and refused when taken
    unready: Unready = _ready

    def may_take(self, user: Any, record: Any) -> bool:
        """Whether this user may take the step on this record (its state aside)."""
        return self.allowed(user, record) and self.refusal(user, record) is None


@dataclass(frozen=True)
class Offer:
    """A step as a page offers it: its button, or the reason it cannot be taken now."""

    transition: Transition
    #: why the record refuses the step now (shown instead of the button), or None
    reason: Any = None
    #: the feature's own description of the step (what its form asks), when it has one
    step: Any = None

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> Any:
        return self.transition.label

    @property
    def possible(self) -> bool:
        return self.reason is None


class StateMachine:
    def __init__(
        self,
        field_name: str,
        transitions: Iterable[Transition],
        state_labels: dict[str, Any] | None = None,
    ) -> None:
        self.field_name = field_name
        self.transitions = {t.name: t for t in transitions}
        self.state_labels = state_labels or {}

    def label_of(self, state: str) -> Any:
        return self.state_labels.get(state, state)

    def state_of(self, record: Any) -> str:
        value = getattr(record, self.field_name)
        return getattr(value, "value", value)

    def available_steps(
        self,
        record: Any,
        user: Any,
        today: date | None = None,
        steps: Mapping[str, Any] | None = None,
    ) -> list[Offer]:
        """What a page offers this user: the steps of the record's state their role and the
        rules about the person let them take, in the table's order, each with the reason the
        record refuses it now (None when it can be taken: the page shows its button). With
        `steps` (the feature's steps by name), only those are offered, each with its own."""
        state = self.state_of(record)
        today = today or local_today()
        return [
            Offer(t, t.unready(record, today), steps[t.name] if steps is not None else None)
            for t in self.transitions.values()
            if state in t.sources
            and (steps is None or t.name in steps)
            and t.may_take(user, record)
        ]

    def available(self, record: Any, user: Any, today: date | None = None) -> list[Transition]:
        """The steps this user can take now, the record being ready for them."""
        return [o.transition for o in self.available_steps(record, user, today) if o.possible]

    def check(self, record: Any, name: str, user: Any, today: date | None = None) -> Transition:
        """Raise a readable error unless `name` may be taken now by this user: the state,
        the role, the rules about the person, then those about the record (`unready`)."""
        transition = self.transitions.get(name)
        if transition is None:
            raise DomainError(_l("Unknown action: %(name)s.", name=name))
        if self.state_of(record) not in transition.sources:
            raise DomainError(
                _l(
                    "“%(action)s” is not possible while the status is “%(state)s”.",
                    action=transition.label,
                    state=self.label_of(self.state_of(record)),
                )
            )
        if not transition.allowed(user, record):
            raise PermissionDenied(_l("You may not “%(action)s” here.", action=transition.label))
        reason = transition.refusal(user, record) or transition.unready(
            record, today or local_today()
        )
        if reason is not None:
            raise DomainError(reason)
        return transition

    def apply(
        self,
        record: Any,
        name: str,
        user: Any,
        state_type: type | None = None,
        today: date | None = None,
    ) -> Transition:
        """Check and move the record; the history entry carries the transition's name."""
        transition = self.check(record, name, user, today)
        target = state_type(transition.target) if state_type else transition.target
        setattr(record, self.field_name, target)
        with history_note(f"transition:{name}"):
            db.session.flush()
        return transition

    def take(
        self,
        record: Any,
        name: str,
        user: Any,
        steps: Mapping[str, StepHandler],
        values: dict[str, Any] | None = None,
        state_type: type | None = None,
        today: date | None = None,
    ) -> Transition:
        """Take a step: `check` it, run the feature's handler of it, `steps[name]` (what the
        step records from `values`; it may still refuse), then `apply` it."""
        today = today or local_today()
        self.check(record, name, user, today)
        steps[name](user, record, values or {}, today)
        return self.apply(record, name, user, state_type, today)


@dataclass(frozen=True)
class Stage:
    """One stage of a record's way as a stepper shows it (templates/_macros/stepper.html):
    whether it is done, whether the record stands at it now, and a `note` (when it was done,
    or how far it is)."""

    key: str
    label: Any
    done: bool
    current: bool
    note: Any = None


def stages(
    order: Sequence[str],
    labels: Mapping[str, Any],
    current: str,
    notes: Mapping[str, Any] | None = None,
) -> list[Stage]:
    """The stages of `order` with the record at `current`: those before it done, it the
    current one, those after it still to come; the last stage, once reached, is done too (a
    closed record has no step left)."""
    notes = notes or {}
    position = order.index(current) if current in order else -1
    last = len(order) - 1
    return [
        Stage(
            key,
            labels.get(key, key),
            done=index < position or index == position == last,
            current=index == position,
            note=notes.get(key),
        )
        for index, key in enumerate(order)
    ]
