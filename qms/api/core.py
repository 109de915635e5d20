from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from qms.core.errors import ValidationFailed

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: OpenAPI "paths" object, filled by api_route
paths: dict[str, dict[str, Any]] = {}
#: OpenAPI component schemas, filled by features
schemas: dict[str, dict[str, Any]] = {}

ERROR_RESPONSES = {
    "401": {"$ref": "#/components/responses/Error"},
    "403": {"$ref": "#/components/responses/Error"},
    "404": {"$ref": "#/components/responses/Error"},
}


def json_error(status: int, message: str, fields: dict | None = None) -> tuple[Response, int]:
    """The API's error body: {"error": {"status", "message", "fields"}}."""
    body: dict[str, Any] = {"error": {"status": status, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


@bp.before_request
def _require_token():
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        return json_error(401, "A valid API token is required (Authorization: Bearer <token>).")
    return None


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", bp.url_prefix + rule)


def api_route(
    rule: str,
    methods: tuple[str, ...] = ("GET",),
    *,
    summary: str,
    tag: str,
    request_schema: str | None = None,
    response_schema: str | None = None,
    many: bool = False,
) -> Callable:
    """Register a view on the API blueprint and document it in the OpenAPI paths."""

    def decorator(view: Callable) -> Callable:
        bp.add_url_rule(rule, view_func=view, methods=list(methods))
        path = paths.setdefault(_openapi_path(rule), {})
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
            for name in re.findall(r"<(?:\w+:)?(\w+)>", rule)
        ]
        for method in methods:
            operation: dict[str, Any] = {
                "summary": summary,
                "tags": [tag],
                "operationId": f"{view.__name__}_{method.lower()}",
                "responses": {"200": {"description": "OK"}, **ERROR_RESPONSES},
            }
            if params:
                operation["parameters"] = params
            if response_schema:
                ref: dict[str, Any] = {"$ref": f"#/components/schemas/{response_schema}"}
                body = {
                    "type": "object",
                    "properties": {"data": ({"type": "array", "items": ref} if many else ref)},
                }
                operation["responses"]["200"] = {
                    "description": "OK",
                    "content": {"application/json": {"schema": body}},
                }
            if request_schema and method in ("POST", "PUT", "PATCH"):
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{request_schema}"}
                        }
                    },
                }
                operation["responses"]["422"] = {"$ref": "#/components/responses/Error"}
            path[method.lower()] = operation
        return view

    return decorator


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 with a readable message."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        from werkzeug.exceptions import BadRequest

        raise BadRequest(_("The request body must be a JSON object."))
    return data


def validate_form(form_class: type, data: dict[str, Any], **kwargs: Any) -> Any:
    """Validate JSON input with the same WTForms form the HTML side uses (CSRF off: the API
    authenticates by token). Raises ValidationFailed (422) with field errors."""
    formdata = MultiDict()
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            # `is`, not `in (None, False)`: 0 == False, and a JSON 0 must stay "0"
            formdata.add(
                key, "y" if item is True else ("" if item is None or item is False else str(item))
            )
    form = form_class(formdata=formdata, meta={"csrf": False}, **kwargs)
    if not form.validate():
        raise ValidationFailed({k: [str(m) for m in v] for k, v in form.errors.items()})
    return form


def iso(value: date | None) -> str | None:
    """A date or datetime for JSON (ISO 8601), null when there is none."""
    return value.isoformat() if value else None


def ok(data: Any, status: int = 200):
    return jsonify({"data": data}), status


def paginate(query, serialize: Callable[[Any], dict]) -> tuple:
    from qms.extensions import db

    page = max(request.args.get("page", 1, type=int), 1)
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), 200)
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify({"data": [serialize(i) for i in items], "page": page, "per_page": per_page})


@bp.get("/openapi.json")
def openapi():
    return jsonify(
        {
            "openapi": "3.0.3",
            "info": {
                "title": "qms API",
                "version": "1",
                "description": "Quality management for local governments (SNI ISO 9001).",
            },
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}],
            "paths": paths,
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                "schemas": schemas,
                "responses": {
                    "Error": {
                        "description": "Error",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "error": {
                                            "type": "object",
                                            "properties": {
                                                "status": {"type": "integer"},
                                                "message": {"type": "string"},
                                                "fields": {"type": "object"},
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            },
        }
    )
