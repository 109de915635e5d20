"""The machinery of /api/v1: the blueprint, the token check, JSON errors, and `api_route`, which
declares each operation once — its view, the form that validates its input, the resource it
answers and its status — so that the OpenAPI document (`openapi_document`) is generated from
what the server runs (see schema.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from qms.api import schema
from qms.core import pagination
from qms.core.errors import ValidationFailed, json_error
from qms.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# guessing tokens is throttled by client address: only refused tokens count
limiter.limit(
    lambda: current_app.config["API_FAILURE_LIMIT"],
    deduct_when=lambda response: response.status_code == 401,
)(bp)


@bp.before_request
def _require_token():
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        return json_error(401, "A valid API token is required (Authorization: Bearer <token>).")
    return None


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One method on one path, as declared by `api_route` (which is given the fields from
    `summary` on)."""

    path: str
    method: str
    endpoint: str
    summary: str
    tag: str
    #: the form that validates a JSON body (partial for PATCH: nothing required)
    body: type | None = None
    #: the form that validates a multipart body (a file upload)
    multipart: type | None = None
    #: the form whose fields are the query parameters
    query: type | None = None
    #: the resource answered in "data" (a list of them when `many`), or None for a file
    response: type[schema.Resource] | None = None
    #: a list (as a `paged` one is)
    many: bool = False
    paged: bool = False
    status: int = 200
    #: the fields of `body` the API does not take
    exclude: Sequence[str] = ()
    #: the JSON body is an array of what `body` validates (each item one record)
    body_is_list: bool = False
    #: other success statuses answering the same resource (e.g. 200 beside a 202)
    also: Sequence[int] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "many", self.many or self.paged)
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "also", tuple(self.also))


#: endpoint -> its operations, in the order they were declared
operations: dict[str, list[Operation]] = {}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", (bp.url_prefix or "") + rule)


def api_route(
    rule: str, methods: tuple[str, ...] = ("GET",), *, file: bool = False, **declared: Any
) -> Callable:
    """Register a view on the API blueprint and declare it for the OpenAPI document:
    `declared`, the fields of its `Operation` from `summary` on (`file`: it answers a file, not
    a resource). An operation may take both a `multipart` upload and a JSON `body` (a list of
    records with `body_is_list`): the document offers both content types."""

    def decorator(view: Callable) -> Callable:
        bp.add_url_rule(rule, view_func=view, methods=list(methods))
        endpoint = f"{bp.name}.{view.__name__}"
        if declared.get("response") is None and not file:
            raise TypeError(f"{endpoint} declares neither the resource it answers nor a file")
        entries = operations.setdefault(endpoint, [])
        entries[:] = [o for o in entries if o.method not in methods]
        path = _openapi_path(rule)
        entries += [Operation(path=path, method=m, endpoint=endpoint, **declared) for m in methods]
        return view

    return decorator


def _declared_response() -> Operation | None:
    for operation in operations.get(request.endpoint or "", []):
        if operation.method == request.method:
            return operation
    return None


def _checked(data: Any, operation: Operation | None) -> Any:
    """The resource(s) a view answers, checked against its declaration and made JSON."""
    expected = operation.response if operation else None
    items = data if isinstance(data, list) else [data]
    if (
        expected is None
        or (isinstance(data, list) != operation.many)
        or not all(isinstance(item, expected) for item in items)
    ):
        raise TypeError(
            f"{request.endpoint} answered {type(data).__name__}, not what it declares "
            f"({expected.__name__ if expected else None}, many={operation and operation.many})"
        )
    return (
        [item.model_dump(mode="json") for item in items]
        if operation.many
        else (data.model_dump(mode="json"))
    )


def ok(data: BaseModel | list[BaseModel], status: int | None = None):
    """Answer the declared resource(s) as {"data": …} with the declared status."""
    operation = _declared_response()
    body = _checked(data, operation)
    return jsonify({"data": body}), status or (operation.status if operation else 200)


#: bounds of the paging parameters (a page beyond the data is empty, one beyond these a 422)
MAX_PAGE = pagination.MAX_PAGE
MAX_PER_PAGE = pagination.MAX_PER_PAGE


def paginate(
    query,
    resource: type[schema.Resource],
    build: Callable[[Sequence[Any]], list[schema.Resource]] | None = None,
    *,
    keyset: bool = False,
) -> tuple:
    """One page of a SELECT as {"data": [...], "page", "per_page", "total", "next_after"}, read
    by the one paging helper of the app (qms.core.pagination): stably ordered, counted once.
    `build` makes the page's resources at once (to read what they need for the whole page in
    one query) instead of `resource.of` each. With `keyset`, "next_after" is the cursor of the
    next page (`?page_after=`), which costs what the first page does however deep it is."""
    page = pagination.paginate(query, strict=True, keyset=keyset)
    built = build(page.items) if build else [resource.of(row) for row in page.items]
    data = _checked(built, _declared_response())
    return jsonify(
        {
            "data": data,
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "next_after": page.next_cursor,
        }
    )


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 with a readable message."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(_("The request body must be a JSON object."))
    return data


def optional_json_body() -> dict[str, Any]:
    """The request's JSON object, {} when no body was sent, or a 400 for anything else."""
    if not request.get_data(cache=True):
        return {}
    return json_body()


def patched(current: schema.Resource, changes: dict[str, Any]) -> dict[str, Any]:
    """What a PATCH validates: the record as the API answers it, with the fields the body
    names changed (a PATCH changes only what it names; the form validates the whole)."""
    values = current.model_dump(mode="json")
    return {**values, **{k: v for k, v in changes.items() if k in values}}


def validate_upload(form_class: type) -> Any:
    """A multipart/form-data body validated by its form (a 422 with the fields' errors)."""
    form = form_class(meta={"csrf": False})
    if not form.validate():
        raise ValidationFailed({k: [str(m) for m in v] for k, v in form.errors.items()})
    return form


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


# --- the OpenAPI document ---------------------------------------------------------------

_ERROR = {"$ref": "#/components/responses/Error"}
_ID_PARAMETER = {"type": "integer", "minimum": 1}


def _envelope(operation: Operation) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{operation.response.__name__.removesuffix('Out')}"}
    data = {"type": "array", "items": ref} if operation.many else ref
    properties: dict[str, Any] = {"data": data}
    required = ["data"]
    if operation.paged:
        properties |= {
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "next_after": {
                "type": ["string", "null"],
                "description": "The cursor of the next page (page_after), where the list "
                "pages by keyset; null otherwise",
            },
        }
        required += ["page", "per_page", "total", "next_after"]
    return {"type": "object", "required": required, "properties": properties}


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": dict(_ID_PARAMETER)}
        for name in re.findall(r"{(\w+)}", operation.path)
    ]
    if operation.query is not None:
        parameters += schema.query_parameters(operation.query)
    if operation.paged:
        parameters += [
            {
                "name": "page",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": "per_page",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            },
            {
                "name": "page_after",
                "in": "query",
                "description": "A list that pages by keyset: the next_after of the page before",
                "schema": {"type": "string", "maxLength": 500},
            },
        ]
    return parameters


def _request_body(operation: Operation) -> dict[str, Any] | None:
    content: dict[str, Any] = {}
    if operation.multipart is not None:
        form = schema.form_schema(operation.multipart, exclude=operation.exclude)
        content["multipart/form-data"] = {"schema": form}
    if operation.body is not None:
        form = schema.form_schema(
            operation.body, partial=operation.method == "PATCH", exclude=operation.exclude
        )
        if operation.body_is_list:
            form = {"type": "array", "items": form}
        content["application/json"] = {"schema": form}
    return {"required": True, "content": content} if content else None


def _responses(operation: Operation) -> dict[str, Any]:
    if operation.response is None:
        success: dict[str, Any] = {
            "description": "The file, with the content type read from its content",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    else:
        success = {
            "description": "OK",
            "content": {"application/json": {"schema": _envelope(operation)}},
        }
    responses: dict[str, Any] = {
        str(status): success for status in (operation.status, *operation.also)
    }
    codes = ["401", "403", "404"]
    if operation.method != "GET" or operation.query is not None or operation.paged:
        codes += ["400", "409", "422"]
    if operation.multipart is not None:
        codes.append("413")
    responses |= {code: _ERROR for code in sorted(codes)}
    return responses


def _operation_document(operation: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "summary": operation.summary,
        "tags": [operation.tag],
        "operationId": f"{operation.endpoint.split('.', 1)[1]}_{operation.method.lower()}",
        "responses": _responses(operation),
    }
    parameters = _parameters(operation)
    if parameters:
        document["parameters"] = parameters
    body = _request_body(operation)
    if body is not None:
        document["requestBody"] = body
    return document


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared operation."""
    generated: dict[str, dict[str, Any]] = {}
    resources: set[type[schema.Resource]] = set()
    for declared in operations.values():
        for operation in declared:
            if operation.endpoint not in current_app.view_functions:
                continue
            generated.setdefault(operation.path, {})[operation.method.lower()] = (
                _operation_document(operation)
            )
            if operation.response is not None:
                resources.add(operation.response)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "qms API",
            "version": "1",
            "description": "Quality management for local governments (SNI ISO 9001).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": dict(sorted(generated.items())),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": schema.output_schemas(resources),
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {"application/json": {"schema": _ERROR_SCHEMA}},
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
