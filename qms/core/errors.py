"""Errors raised by services, carrying a message a user can read (in their language)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, jsonify
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the quality system refused the change; nothing was written."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input did not pass validation; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]], message: str = "") -> None:
        super().__init__(message or "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class StaleRecordError(DomainError):
    """Someone else changed the record since it was read."""

    status_code = 409


class PermissionDenied(DomainError):
    status_code = 403


def text_of(values: dict[str, Any], name: str) -> str:
    """The text entered as `name`, stripped ("" when there is none)."""
    return (values.get(name) or "").strip()


def required_text(values: dict[str, Any], name: str, message: Any) -> str:
    """The text entered as `name`, stripped; `message` (naming the field) when there is none."""
    text = text_of(values, name)
    if not text:
        raise DomainError(message, field=name)
    return text


def required_value(values: dict[str, Any], name: str, message: Any) -> Any:
    """The value entered as `name` (a date, a yes or no); `message` (naming the field) when
    there is none."""
    value = values.get(name)
    if value is None:
        raise DomainError(message, field=name)
    return value


def not_in_future(day: date | None, field: str, today: date) -> None:
    """Refuse a date entered as `field` that lies after `today` (None: nothing entered)."""
    if day is not None and day > today:
        raise DomainError(_l("This date cannot be in the future."), field=field)


def json_error(status: int, message: str, fields: dict | None = None) -> tuple[Response, int]:
    """The API's error body: {"error": {"status", "message", "fields"}}."""
    body: dict[str, Any] = {"error": {"status": status, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status
