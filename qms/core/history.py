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
    # Read the user Flask-Login has already loaded rather than `current_user`: touching the proxy
    # while the API token loader itself commits (last_used_at) would load the user again from
    # inside that flush and commit mid-flush.
    user = g.get("_login_user") if has_request_context() else None
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


def _column_changes(obj: AuditedMixin, *, created: bool) -> dict[str, list[Any]]:
    state = inspect(obj)
    excluded = ALWAYS_EXCLUDED | type(obj).__history_exclude__
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in excluded:
            continue
        hist = state.attrs[attr.key].history
        if created:
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
def _refuse_deleting_records(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditedMixin) and not type(obj).__deletable__:
            raise DomainError(
                f"{obj.record_label} is a quality record: archive it, never delete it."
            )
        if isinstance(obj, HistoryEntry):
            raise DomainError("The history is append-only.")
    for obj in session.dirty:
        if isinstance(obj, HistoryEntry) and session.is_modified(obj):
            raise DomainError("The history is append-only.")


@event.listens_for(Session, "after_flush")
def _write_history(session: Session, _ctx: Any) -> None:
    rows = []
    actor = current_actor_id()
    note = _pending_note.get()
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, AuditedMixin):
            rows.append(_row(obj, "create", _column_changes(obj, created=True), actor, note, now))
    for obj in session.dirty:
        if isinstance(obj, AuditedMixin) and session.is_modified(obj, include_collections=False):
            changes = _column_changes(obj, created=False)
            if changes:
                rows.append(_row(obj, _action_for(obj, changes), changes, actor, note, now))
    for obj in session.deleted:
        if isinstance(obj, AuditedMixin):
            rows.append(_row(obj, "delete", {}, actor, note, now))
    if rows:
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
