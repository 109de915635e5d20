"""What no request may carry, refused before any view or query sees it: record ids beyond what
an id column holds (no such record exists: 404), and control characters in text (NUL and
its kind cannot be stored in a text column on PostgreSQL, and mean nothing in a form: 422
naming the field, nothing written)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from qms.core.errors import json_error

#: the largest id an integer primary key holds (INTEGER: 32 bits on PostgreSQL)
MAX_ID = 2**31 - 1
#: C0 control characters but tab, line feed and carriage return, and DEL
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: how deep a JSON body may nest (a record's fields are one or two levels deep)
MAX_JSON_DEPTH = 20


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in a route: a positive integer a database can hold; anything larger does not
    match the route, so it answers 404 like any other record that does not exist."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _bad_text(values: Any, prefix: str = "", depth: int = 0) -> tuple[str, str] | None:
    """(field, problem) for the first text value with a control character or nested too deep."""
    if depth > MAX_JSON_DEPTH:
        return prefix or "body", "nesting"
    if isinstance(values, str):
        return (prefix or "body", "control") if CONTROL_CHARACTERS.search(values) else None
    if isinstance(values, dict):
        for key, value in values.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if CONTROL_CHARACTERS.search(str(key)):
                return name, "control"
            found = _bad_text(value, name, depth + 1)
            if found:
                return found
    if isinstance(values, list):
        for index, value in enumerate(values):
            found = _bad_text(value, f"{prefix}[{index}]" if prefix else f"[{index}]", depth + 1)
            if found:
                return found
    return None


def _json_body() -> tuple[Any, bool]:
    """The JSON body, and whether it is too deep even to read."""
    if not request.is_json:
        return None, False
    try:
        return request.get_json(silent=True), False
    except RecursionError:
        return None, True


def _refuse_unusable_input() -> Any:
    found = None
    if CONTROL_CHARACTERS.search(request.path):
        found = ("path", "control")
    for source in (request.args, request.form):
        for name in source:
            found = found or _bad_text({name: source.getlist(name)})
    body, unreadable = _json_body()
    found = found or (("body", "nesting") if unreadable else _bad_text(body))
    if found is None:
        return None
    field, problem = found
    field = field.split("[", 1)[0]
    message = (
        _("The text contains a control character (such as NUL) that cannot be stored: remove it.")
        if problem == "control"
        else _("The JSON body is nested too deeply.")
    )
    if request.path.startswith("/api/"):
        return json_error(422, message, {field: [message]})
    return render_template("errors.html", message=f"{field}: {message}"), 422


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RecordIdConverter
    app.before_request(_refuse_unusable_input)
