"""Checks of input shared by the pathway's steps, its certificates, lab tests and the
registry's operations: required values, dates not in the future, accreditation numbers, and
the version read."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.errors import DomainError, ValidationFailed
from qms.core.forms import REQUIRED
from qms.core.models import check_version, stale_write_refused
from qms.core.timeutil import today as local_today
from qms.extensions import db

Values = dict[str, Any]

STALE = _l(
    "Someone else changed this record after you opened it. "
    "Reload the page to see the current state, then try again."
)


def required(values: Values, *names: str) -> None:
    missing = {n: [str(REQUIRED)] for n in names if not values.get(n)}
    if missing:
        raise ValidationFailed(missing)


def expect_version(record: Any, version: int | None) -> None:
    """The version the user read is still the record's (None: a script that read none)."""
    check_version(record, version, STALE)


def flush_versioned() -> None:
    """Flush; a concurrent write of the same row (its version moved on) is refused."""
    with stale_write_refused(STALE):
        db.session.flush()


def not_future(day: date, field_name: str) -> None:
    if day > local_today():
        raise DomainError(_l("The date cannot be in the future."), field=field_name)


def accredited(number: str, pattern: re.Pattern[str], message: Any, field_name: str) -> None:
    """A KAN accreditation number written as its kind of body's are (`pattern`)."""
    if not pattern.fullmatch(number):
        raise DomainError(message, field=field_name)
