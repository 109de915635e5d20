"""Actions tracked to done (a management review's decided actions, a satisfaction survey's
follow-ups): each records what was done and when, under the same rules."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from qms.core.errors import DomainError, not_in_future, required_text


class TrackedAction(Protocol):
    result: str
    done_on: date | None

    @property
    def is_done(self) -> bool: ...


def record_done(action: TrackedAction, values: dict[str, Any], today: date) -> None:
    """Note on `action` what was done (`values["result"]`, required) and on which day
    (`values["done_on"]`, today when not given, never later); an action done already is
    refused. Not flushed: the caller adds what else being done means for its record."""
    if action.is_done:
        raise DomainError(_l("This action is already done."))
    result = required_text(values, "result", _l("Say what was done."))
    done_on = values.get("done_on") or today
    not_in_future(done_on, "done_on", today)
    action.result = result
    action.done_on = done_on
