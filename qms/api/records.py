"""A kind of record as the API serves it, declared once: `Records` knows where its records are
(`path`, one at `path/<int:key>`), how they are read (the model, through the access policies)
and answered (the resource), and its methods declare each operation — list, read, create,
PATCH, an action on one record, its workflow steps, the records under one of it — with its
endpoint, summary and the operation it calls. The views are made here, so that every operation
reads, validates, changes, commits and answers in the same way, and each is declared with
`api_route` for the OpenAPI document.

The operations a declaration calls take the caller, the record (or the owner or parent a new
record goes in) and the validated form, and return what they made or changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_login import current_user

from qms.api.core import api_route, json_body, ok, optional_json_body, paginate, validate_form
from qms.api.core import patched as _patched
from qms.api.schema import Resource
from qms.core import access
from qms.extensions import db

#: what a form is given besides its data (its choices), from the request's data or its record
Choices = Callable[[Any], dict[str, Any]]


def _form(form_class: type, data: dict[str, Any], choices: Choices | None, of: Any) -> Any:
    return validate_form(form_class, data, **(choices(of) if choices else {}))


@dataclass(frozen=True)
class Owner:
    """Where a new record goes that the caller names in its body: the owner's model and the
    form field naming it (refused with a 422 on that field where the caller may not create)."""

    model: type
    field: str

    def of(self, model: type, form: Any) -> Any:
        chosen = getattr(form, self.field).data
        return access.owner_for_create(current_user, model, self.model, chosen, self.field)


@dataclass(frozen=True)
class Records:
    """The operations of one kind of record: its list at `path`, each record at
    `path/<int:key>`, read through the access policies and answered as `resource`."""

    path: str
    model: type
    resource: type[Resource]
    tag: str
    #: the name of a record's id in its path
    key: str
    #: what its changes answer (as `resource`) of a changed record, if not the record itself
    answers: Callable[[Any], Any] | None = None

    @property
    def one(self) -> str:
        return f"{self.path}/<int:{self.key}>"

    def visible(self, ids: Mapping[str, int]) -> Any:
        """The record the path names, if the caller may see it (404 otherwise)."""
        return access.get_visible(self.model, ids[self.key], current_user)

    def _route(
        self, view: Callable, endpoint: str, rule: str, method: str, **declared: Any
    ) -> None:
        declared.setdefault("response", self.resource)
        view.__name__ = endpoint
        api_route(rule, (method,), tag=self.tag, **declared)(view)

    # --- reading ------------------------------------------------------------------------

    def list(
        self,
        endpoint: str,
        summary: str,
        query: Callable[[Any, Any], Any],
        *,
        filters: type | None = None,
        build: Callable | None = None,
        keyset: bool = False,
        response: type[Resource] | None = None,
    ) -> None:
        """GET path: a page of `query(user, the validated filter form, if any)`."""
        answer = response or self.resource

        def view() -> Any:
            form = validate_form(filters, request.args.to_dict()) if filters else None
            return paginate(query(current_user, form), answer, build, keyset=keyset)

        self._route(
            view,
            endpoint,
            self.path,
            "GET",
            summary=summary,
            query=filters,
            response=answer,
            paged=True,
        )

    def get(
        self, endpoint: str, summary: str, *, suffix: str = "", response: type | None = None
    ) -> None:
        """GET one record (or one/`suffix`: what `response` makes of the record)."""
        answer = response or self.resource

        def view(**ids: int) -> Any:
            return ok(answer.of(self.visible(ids)))

        self._route(view, endpoint, self.one + suffix, "GET", summary=summary, response=answer)

    def children(
        self,
        endpoint: str,
        segment: str,
        summary: str,
        children: Callable[[Any, Any], Iterable[Any]],
        response: type[Resource],
    ) -> None:
        """GET one/segment: the records `children(user, record)` under one record."""

        def view(**ids: int) -> Any:
            return ok([response.of(child) for child in children(current_user, self.visible(ids))])

        rule = f"{self.one}/{segment}"
        self._route(view, endpoint, rule, "GET", summary=summary, response=response, many=True)

    # --- changing -----------------------------------------------------------------------

    def create(
        self,
        endpoint: str,
        summary: str,
        form: type,
        create: Callable[[Any, Any, Any], Any],
        *,
        owner: Owner | None = None,
        prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        choices: Choices | None = None,
        response: type[Resource] | None = None,
    ) -> None:
        """POST path (201): `create(user, owner, form)`, the owner the body names where the
        caller may create one (`owner`; else None). `prepare` completes the body, `choices`
        gives the form its choices from it."""
        answer = response or self.resource

        def view() -> Any:
            data = prepare(json_body()) if prepare else json_body()
            validated = _form(form, data, choices, data)
            target = owner.of(self.model, validated) if owner else None
            return _committed(answer, create(current_user, target, validated))

        self._route(
            view,
            endpoint,
            self.path,
            "POST",
            summary=summary,
            body=form,
            response=answer,
            status=201,
        )

    def add(
        self,
        endpoint: str,
        segment: str,
        summary: str,
        form: type,
        add: Callable[[Any, Any, Any], Any],
        response: type[Resource],
        *,
        prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        choices: Choices | None = None,
        exclude: tuple[str, ...] = (),
    ) -> None:
        """POST one/segment (201): `add(user, record, form)` adds a record under one record;
        `choices` gives the form its choices from that record."""

        def view(**ids: int) -> Any:
            parent = self.visible(ids)
            data = prepare(json_body()) if prepare else json_body()
            return _committed(
                response, add(current_user, parent, _form(form, data, choices, parent))
            )

        self._route(
            view,
            endpoint,
            f"{self.one}/{segment}",
            "POST",
            summary=summary,
            body=form,
            response=response,
            status=201,
            exclude=exclude,
        )

    def update(
        self,
        endpoint: str,
        summary: str,
        form: type,
        update: Callable[[Any, Any, Any], Any],
        *,
        current: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None,
        prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        choices: Choices | None = None,
        permission: str | None = access.EDIT,
        exclude: tuple[str, ...] = (),
    ) -> None:
        """PATCH one: `update(user, record, form)`, the form validating the record with what
        the body changes (`current(record, body)`; by default the record as answered, see
        `patched`), completed by `prepare`. The caller's `permission` on the record is
        checked first (None: the operation checks what the caller may change)."""

        def view(**ids: int) -> Any:
            record = self.visible(ids)
            if permission is not None:
                access.authorize(current_user, permission, record)
            body = json_body()
            data = current(record, body) if current else _patched(self.resource.of(record), body)
            if prepare:
                data = prepare(data)
            update(current_user, record, _form(form, data, choices, record))
            return _committed(self.resource, record, self.answers)

        self._route(view, endpoint, self.one, "PATCH", summary=summary, body=form, exclude=exclude)

    def act(
        self,
        endpoint: str,
        action: str,
        summary: str,
        act: Callable[[Any, Any, Any], Any],
        *,
        body: type | None = None,
        optional: bool = False,
        choices: Choices | None = None,
        response: type[Resource] | None = None,
    ) -> None:
        """POST one/action: `act(user, record, form)` (the form validating the body, if the
        action takes one, with the `choices` of the record; `optional`, a body left out is an
        empty one), answered with the record."""
        answer = response or self.resource

        def view(**ids: int) -> Any:
            record = self.visible(ids)
            act(current_user, record, _body_form(body, optional, choices, record))
            return _committed(answer, record, self.answers)

        rule = f"{self.one}/{action}"
        self._route(view, endpoint, rule, "POST", summary=summary, body=body, response=answer)

    def steps(
        self,
        endpoint: str,
        summaries: Mapping[str, str],
        forms: Mapping[str, type | None],
        take: Callable[[Any, Any, str, Any], Any],
        *,
        optional: bool = False,
        exclude: tuple[str, ...] = (),
    ) -> None:
        """POST one/transitions/<step>, one operation a step of the workflow (its endpoint
        `endpoint` with the step's name for `{step}`): `take(user, record, step, form)`, the
        form the step's in `forms` (None: the step takes no body)."""
        for step, form in forms.items():

            def view(step: str = step, form: type | None = form, **ids: int) -> Any:
                record = self.visible(ids)
                take(current_user, record, step, _body_form(form, optional, None, record))
                return _committed(self.resource, record, self.answers)

            self._route(
                view,
                endpoint.format(step=step),
                f"{self.one}/transitions/{step}",
                "POST",
                summary=summaries[step],
                body=form,
                exclude=exclude,
            )


def _body_form(form: type | None, optional: bool, choices: Choices | None, record: Any) -> Any:
    """The body validated by `form` (None when the operation takes no body)."""
    if form is None:
        return None
    return _form(form, optional_json_body() if optional else json_body(), choices, record)


def _committed(
    resource: type[Resource], record: Any, answers: Callable[[Any], Any] | None = None
) -> Any:
    """Commit the change, and answer the record (what `answers` gives of it, once committed)
    as `resource`."""
    db.session.commit()
    return ok(resource.of(answers(record) if answers else record))
