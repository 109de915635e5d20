"""The five operations of a register of records owned by an agency (context issues, risks,
instruments, providers…): list with the register's filters, create in an owner the caller
writes for, read, PATCH what is sent, archive. A feature declares each register once with
`register_routes`; the views are made here and declared with `api_route`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import request
from flask_login import current_user

from qms.api.core import api_record, api_route, json_body, ok, paginate, validate_form
from qms.api.schema import Resource
from qms.core import access
from qms.extensions import db


def _same(values: dict[str, Any]) -> dict[str, Any]:
    return values


@dataclass(frozen=True)
class Register:
    """One register: `query(user, filter values)` lists it, `create(actor, owner, values)`,
    `update(actor, record, values)` and `archive(actor, record)` change it."""

    path: str
    model: type
    resource: type[Resource]
    new_form: type
    form: type
    filter_form: type
    query: Callable[[Any, dict[str, Any]], Any]
    create: Callable[[Any, Any, dict[str, Any]], Any]
    update: Callable[[Any, Any, dict[str, Any]], Any]
    archive: Callable[[Any, Any], Any]
    #: the endpoints' suffix ("risk": list_risk, create_risk…) and the operations' tag
    name: str
    tag: str
    #: the model the new record belongs to, and the form field that names it
    owner_model: type
    owner_field: str = "agency_id"
    #: how the summaries name the records and their filters
    label: str = ""
    filters: str = "agency_id"
    #: a record's fields by the names its form gives them, where they differ
    form_names: Callable[[dict[str, Any]], dict[str, Any]] = field(default=_same)


def register_routes(kind: Register) -> None:
    label = kind.label or kind.name.replace("_", " ")

    def listed():
        form = validate_form(kind.filter_form, request.args.to_dict())
        return paginate(kind.query(current_user, form.values()), kind.resource)

    def created():
        form = validate_form(kind.new_form, json_body())
        owner = access.owner_for_create(
            current_user,
            kind.model,
            kind.owner_model,
            getattr(form, kind.owner_field).data,
            kind.owner_field,
        )
        record = kind.create(current_user, owner, form.values())
        db.session.commit()
        return ok(kind.resource.of(record))

    def changed(record_id: int):
        record = access.get_visible(kind.model, record_id, current_user)
        access.authorize(current_user, access.EDIT, record)
        # a PATCH changes only what it names; the form validates the whole result
        current = kind.form_names(kind.resource.of(record).model_dump(mode="json"))
        changes = kind.form_names(json_body())
        data = {**current, **{k: v for k, v in changes.items() if k in current}}
        form = validate_form(kind.form, data)
        kind.update(current_user, record, form.values())
        db.session.commit()
        return ok(kind.resource.of(record))

    def archived(record_id: int):
        record = access.get_visible(kind.model, record_id, current_user)
        kind.archive(current_user, record)
        db.session.commit()
        return ok(kind.resource.of(record))

    for view, verb in (
        (listed, "list"),
        (created, "create"),
        (changed, "update"),
        (archived, "archive"),
    ):
        view.__name__ = f"{verb}_{kind.name}"
    one = f"{kind.path}/<int:record_id>"
    api_route(
        kind.path,
        summary=f"The {label} the caller may see (filters: {kind.filters})",
        tag=kind.tag,
        query=kind.filter_form,
        response=kind.resource,
        paged=True,
    )(listed)
    api_route(
        kind.path,
        ("POST",),
        summary=f"Record one of the {label} where the caller writes",
        tag=kind.tag,
        body=kind.new_form,
        response=kind.resource,
        status=201,
    )(created)
    api_record(f"get_{kind.name}", one, kind.model, kind.resource, f"One of the {label}", kind.tag)
    api_route(
        one,
        ("PATCH",),
        summary=f"Change one of the {label} (only the fields sent)",
        tag=kind.tag,
        body=kind.form,
        response=kind.resource,
    )(changed)
    api_route(
        f"{one}/archive",
        ("POST",),
        summary=f"Archive one of the {label} (records are never deleted)",
        tag=kind.tag,
        response=kind.resource,
    )(archived)
