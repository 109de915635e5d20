"""Quality records are archived, never deleted: archiving one notes who and when (the history
keeps it), after the actor's permission to archive it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core import access
from qms.core.errors import DomainError
from qms.core.timeutil import utcnow
from qms.extensions import db

#: what a change to an archived record is told, where its feature does not name the record
RECORD_ARCHIVED = _l("This record is archived: it cannot be changed.")


def may_change(user: Any, record: Any) -> bool:
    """Whether the user may change the record: the access policy lets them edit it, and it is
    not archived (an archived record is changed by no one; `refuse_archived` says so)."""
    return access.can(user, access.EDIT, record) and getattr(record, "archived_at", None) is None


def refuse_archived(record: Any, message: Any = RECORD_ARCHIVED) -> None:
    """Refuse any change to an archived record, with `message`."""
    if getattr(record, "archived_at", None) is not None:
        raise DomainError(message)


def authorize_change(actor: Any, record: Any) -> None:
    """Refused unless the actor may edit the record (403) and it is not archived: before a
    change to it or an entry added under it; `may_change` is the same rule as a question."""
    access.authorize(actor, access.EDIT, record)
    refuse_archived(record)


def mark_archived(actor: Any, record: Any) -> None:
    """Note who archived the record and when (not flushed: the caller may do more first)."""
    record.archived_at = utcnow()
    record.archived_by_id = actor.id


def archive(actor: Any, record: Any, already_archived: Any = RECORD_ARCHIVED) -> Any:
    """Take a record out of its register: the actor must be allowed to archive it, and it must
    not be archived already (`already_archived` is the feature's refusal); flushed."""
    access.authorize(actor, access.ARCHIVE, record)
    refuse_archived(record, already_archived)
    mark_archived(actor, record)
    db.session.flush()
    return record
