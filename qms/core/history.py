"""Append-only audit trail: who changed what, when, with each field's old and new value."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from qms.core.errors import DomainError
from qms.core.i18n import fmt_date, fmt_datetime
from qms.core.models import AuditedMixin
from qms.core.registry import HistoryVocabulary, history_resolvers, history_vocabularies
from qms.core.timeutil import utcnow
from qms.extensions import db

_cli_actor: contextvars.ContextVar[int | None] = contextvars.ContextVar("cli_actor", default=None)
_pending_note: contextvars.ContextVar[str | None] = contextvars.ContextVar("note", default=None)

ALWAYS_EXCLUDED = frozenset({"updated_at", "version"})


class HistoryEntry(db.Model):
    __tablename__ = "history_entries"
    __table_args__ = (Index("ix_history_entries_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(500))


def current_actor_id() -> int | None:
    if has_request_context():
        # Only a user Flask-Login has already loaded: touching `current_user` here, inside a
        # flush, would load it now, and the API token loader commits (last_used_at), which
        # re-enters the flush in progress.
        user = g.get("_login_user")
        if user is not None and user.is_authenticated:
            return int(user.id)
    return _cli_actor.get()


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute changes made outside a request (CLI, worker) to a user."""
    token = _cli_actor.set(user_id)
    try:
        yield
    finally:
        _cli_actor.reset(token)


@contextmanager
def history_note(note: str) -> Iterator[None]:
    """Attach a note (e.g. the workflow transition taken) to the entries written inside."""
    token = _pending_note.set(note)
    try:
        yield
    finally:
        _pending_note.reset(token)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return value
    return str(value)


def _column_changes(
    obj: AuditedMixin, *, created: bool = False, deleted: bool = False
) -> dict[str, list[Any]]:
    state = inspect(obj)
    excluded = ALWAYS_EXCLUDED | type(obj).__history_exclude__
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in excluded:
            continue
        hist = state.attrs[attr.key].history
        if deleted:
            # a removed row (a revoked role, say) keeps what it was, so it can still be found
            value = getattr(obj, attr.key)
            if value is not None and attr.key != "id":
                changes[attr.key] = [_plain(value), None]
        elif created:
            value = getattr(obj, attr.key)
            if value is not None and attr.key != "id":
                changes[attr.key] = [None, _plain(value)]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if _plain(old) != _plain(new):
                changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def _action_for(obj: Any, changes: dict[str, list[Any]]) -> str:
    if "archived_at" in changes:
        return "archive" if changes["archived_at"][1] is not None else "restore"
    return "update"


@event.listens_for(Session, "before_flush")
def _refuse_changing_history(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, HistoryEntry):
            raise DomainError("The history is append-only.")
    for obj in session.dirty:
        if isinstance(obj, HistoryEntry) and session.is_modified(obj):
            raise DomainError("The history is append-only.")


# Deletions are caught per row, at the mapper, so that rows removed by a delete-orphan cascade
# (which never show in session.deleted) are refused or recorded too.
@event.listens_for(AuditedMixin, "before_delete", propagate=True)
def _refuse_deleting_records(_mapper: Any, _connection: Any, obj: AuditedMixin) -> None:
    if not type(obj).__deletable__:
        raise DomainError(f"{obj.record_label} is a quality record: archive it, never delete it.")


@event.listens_for(AuditedMixin, "after_delete", propagate=True)
def _record_deletion(_mapper: Any, connection: Any, obj: AuditedMixin) -> None:
    changes = _column_changes(obj, deleted=True)
    row = _row(obj, "delete", changes, current_actor_id(), _pending_note.get(), utcnow())
    connection.execute(insert(HistoryEntry.__table__), [row])


@event.listens_for(Session, "after_flush")
def _write_history(session: Session, _ctx: Any) -> None:
    found: list[tuple[Any, str, dict]] = []
    for obj in session.new:
        if isinstance(obj, AuditedMixin):
            found.append((obj, "create", _column_changes(obj, created=True)))
    for obj in session.dirty:
        if isinstance(obj, AuditedMixin) and session.is_modified(obj, include_collections=False):
            changes = _column_changes(obj, created=False)
            if changes:
                found.append((obj, _action_for(obj, changes), changes))
    if not found:
        # the actor is only looked up when needed: looking up the request's user may itself
        # flush (the API token loader records when a token was last used)
        return
    actor, note, now = current_actor_id(), _pending_note.get(), utcnow()
    rows = [_row(obj, action, changes, actor, note, now) for obj, action, changes in found]
    session.connection().execute(insert(HistoryEntry.__table__), rows)


def _row(obj: Any, action: str, changes: dict, actor: int | None, note: str | None, now: datetime):
    return {
        "record_type": type(obj).__tablename__,
        "record_id": obj.id,
        "action": action,
        "actor_id": actor,
        "at": now,
        "changes": changes,
        "note": note,
    }


def history_of(obj: Any) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.record_type == type(obj).__tablename__,
                HistoryEntry.record_id == obj.id,
            )
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    )


#: bookkeeping columns, never worth a line in a history table (who acted is the entry's own
#: "Who" column, hence the *_by_id fields)
TECHNICAL_FIELDS = frozenset({"id", "created_at", "updated_at", "version"})
ACTION_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "archive": _l("archived"),
    "restore": _l("restored"),
    "delete": _l("removed"),
}


@dataclass(frozen=True)
class ShownChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ShownEntry:
    """One history entry as a person reads it: names, labels and local times, no field names."""

    at: datetime
    who: str
    action: str
    note: str | None
    changes: list[ShownChange]


@cache
def _columns(record_type: str) -> dict[str, Column]:
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == record_type:
            return {attr.key: attr.columns[0] for attr in mapper.column_attrs}
    return {}


def _target_table(column: Column | None) -> str | None:
    if column is None or not column.foreign_keys:
        return None
    return next(iter(column.foreign_keys)).column.table.name


def _vocabularies(record_type: str) -> list[HistoryVocabulary]:
    return [v for v in (history_vocabularies.get(record_type), history_vocabularies.get(None)) if v]


def _is_shown(record_type: str, field_name: str) -> bool:
    if field_name in TECHNICAL_FIELDS or field_name.endswith("_by_id"):
        return False
    return not any(field_name in v.hidden for v in _vocabularies(record_type))


def _field_label(record_type: str, field_name: str, column: Column | None) -> str:
    if column is not None and "label" in column.info:
        return str(column.info["label"])
    for vocabulary in _vocabularies(record_type):
        if field_name in vocabulary.fields:
            return str(vocabulary.fields[field_name])
    # unregistered: "owner_unit_id" reads "Owner unit" (title_id, a column in Indonesian, stays)
    name = field_name.removesuffix("_id") if _target_table(column) else field_name
    return name.replace("_", " ").capitalize()


def _value_labels(record_type: str, field_name: str, column: Column | None) -> dict[str, Any]:
    if column is not None and "values" in column.info:
        return column.info["values"]
    for vocabulary in _vocabularies(record_type):
        if field_name in vocabulary.values:
            return vocabulary.values[field_name]
    return {}


def _note_label(record_type: str, note: str | None) -> str | None:
    if note is None or not note.startswith("transition:"):
        return note
    name = note.removeprefix("transition:")
    # the note is written on every record the transition's flush touched: its own record's
    # workflow first, then any feature's
    for vocabulary in [*_vocabularies(record_type), *history_vocabularies.values()]:
        if name in vocabulary.transitions:
            return str(vocabulary.transitions[name])
    return note


def _shown_value(value: Any, column: Column | None, labels: dict[str, Any], names: dict) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(_shown_value(v, None, labels, names) for v in value) or "–"
    if str(value) in labels:
        return str(labels[str(value)])
    if isinstance(value, bool):
        return pgettext("yes or no", "Yes") if value else pgettext("yes or no", "No")
    target = _target_table(column)
    if target is not None:
        return names.get((target, value)) or f"#{value}"
    if isinstance(value, str) and column is not None:
        try:
            if isinstance(column.type, DateTime):
                return fmt_datetime(datetime.fromisoformat(value))
            if isinstance(column.type, Date):
                return fmt_date(date.fromisoformat(value))
        except ValueError:
            pass  # not written by _plain: shown as stored
    return str(value)


def _referenced_names(entries: list[HistoryEntry]) -> dict[tuple[str, Any], str]:
    """Names of the users and other rows the entries point to: one query per table."""
    wanted: dict[str, set[int]] = {"users": {e.actor_id for e in entries if e.actor_id}}
    for entry in entries:
        columns = _columns(entry.record_type)
        for field_name, pair in entry.changes.items():
            target = _target_table(columns.get(field_name))
            if target and _is_shown(entry.record_type, field_name):
                wanted.setdefault(target, set()).update(v for v in pair if v is not None)
    names: dict[tuple[str, Any], str] = {}
    for table, ids in wanted.items():
        resolver = history_resolvers.get(table)
        if resolver and ids:
            names.update({(table, key): name for key, name in resolver(ids).items()})
    return names


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def describe_history(entries: list[HistoryEntry]) -> list[ShownEntry]:
    """The entries as a history table shows them, in the user's language and time zone."""
    names = _referenced_names(entries)
    shown = []
    for entry in entries:
        columns = _columns(entry.record_type)
        changes = []
        for field_name, (old, new) in entry.changes.items():
            if not _is_shown(entry.record_type, field_name) or (
                _is_blank(old) and _is_blank(new)  # a field a new record left empty
            ):
                continue
            column = columns.get(field_name)
            labels = _value_labels(entry.record_type, field_name, column)
            changes.append(
                ShownChange(
                    _field_label(entry.record_type, field_name, column),
                    _shown_value(old, column, labels, names),
                    _shown_value(new, column, labels, names),
                )
            )
        shown.append(
            ShownEntry(
                at=entry.at,
                who=names.get(("users", entry.actor_id)) or _("system"),
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                note=_note_label(entry.record_type, entry.note),
                changes=changes,
            )
        )
    return shown
