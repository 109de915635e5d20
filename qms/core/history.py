"""Append-only audit trail: who changed what, when, with each field's old and new value."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from sqlalchemy import JSON, ForeignKey, Index, String, event, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from qms.core.errors import DomainError
from qms.core.models import AuditedMixin
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


def actor_names(entries: list[HistoryEntry]) -> dict[int, str]:
    """Names of the people who made the entries, for showing them beside each change."""
    from qms.accounts.models import User

    ids = {e.actor_id for e in entries if e.actor_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
