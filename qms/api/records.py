"""A kind of record as the API serves it, declared once: `Records` knows where its records are
(`path`, one at `path/<int:key>`), how they are read (the model, through the access policies)
and answered (the resource). Its methods declare the usual operations — list, read, create,
PATCH, an action on one record, its workflow steps, the records under one of it — and make
their views, so that every operation reads, validates, changes, commits and answers in the same
way; each is declared with `api_route` for the OpenAPI document.

A feature writes only what an operation does, as a function decorated by its declaration: the
function's name is the endpoint, its docstring the summary, and it is called with the caller,
the record (or the owner or parent a new record goes in) and the validated form::

    @agencies.act("archive")
    def archive_agency(user, agency, _form):
        \"\"\"Archive an agency (records are never deleted)\"\"\"
        operations.archive(user, agency)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request
from flask_login import current_user

from qms.api.core import (
    api_route,
    json_body,
    ok,
    optional_json_body,
    paginate,
    validate_form,
    validate_upload,
)
from qms.api.core import patched as _patched
from qms.api.schema import Resource
from qms.core import access
from qms.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
#: what a form is given besides its data (its choices), from the request's data or its record
Choices = Callable[[Any], dict[str, Any]]
#: what a body is completed with before it is validated
Prepare = Callable[[dict[str, Any]], dict[str, Any]]


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

    def get(
        self,
        endpoint: str,
        summary: str,
        *,
        suffix: str = "",
        response: type[Resource] | None = None,
    ) -> None:
        """GET one record (or one/`suffix`: what `response` makes of the record)."""
        answer = response or self.resource

        def view(**ids: int) -> Any:
            return ok(answer.of(self.visible(ids)))

        self._declare(view, endpoint, summary, self.one + suffix, "GET", response=answer)

    def read(self, suffix: str, response: type[Resource]) -> Callable[[F], F]:
        """GET one/suffix: what the function, `read(user, record)`, makes of the record (it
        refuses what the caller may not read of it)."""

        def declare(read: F) -> F:
            def view(**ids: int) -> Any:
                return ok(response.of(read(current_user, self.visible(ids))))

            self._route(view, read, f"{self.one}/{suffix}", "GET", response=response)
            return read

        return declare

    def list(
        self,
        *,
        filters: type | None = None,
        build: Callable | None = None,
        keyset: bool = False,
        response: type[Resource] | None = None,
    ) -> Callable[[F], F]:
        """GET path: a page of what the function, `query(user, the validated filter form, if
        any)`, selects."""
        answer = response or self.resource

        def declare(query: F) -> F:
            def view() -> Any:
                form = validate_form(filters, request.args.to_dict()) if filters else None
                return paginate(query(current_user, form), answer, build, keyset=keyset)

            self._route(view, query, self.path, "GET", query=filters, response=answer, paged=True)
            return query

        return declare

    def children(self, segment: str, response: type[Resource]) -> Callable[[F], F]:
        """GET one/segment: the records the function, `children(user, record)`, gives of one
        record."""

        def declare(children: F) -> F:
            def view(**ids: int) -> Any:
                records = children(current_user, self.visible(ids))
                return ok([response.of(child) for child in records])

            self._route(
                view, children, f"{self.one}/{segment}", "GET", response=response, many=True
            )
            return children

        return declare

    # --- changing -----------------------------------------------------------------------

    def create(
        self,
        form: type,
        *,
        owner: Owner | None = None,
        prepare: Prepare | None = None,
        choices: Choices | None = None,
        response: type[Resource] | None = None,
    ) -> Callable[[F], F]:
        """POST path (201): the function, `create(user, owner, form)`, makes the record; the
        owner is the one the body names where the caller may create (`owner`; else None).
        `prepare` completes the body, `choices` gives the form its choices from it."""
        answer = response or self.resource

        def declare(create: F) -> F:
            def view() -> Any:
                data = prepare(json_body()) if prepare else json_body()
                validated = _validated(form, data, choices, data)
                target = owner.of(self.model, validated) if owner else None
                return _committed(answer, create(current_user, target, validated))

            self._route(view, create, self.path, "POST", body=form, response=answer, status=201)
            return create

        return declare

    def add(
        self,
        segment: str,
        form: type,
        response: type[Resource],
        *,
        prepare: Prepare | None = None,
        choices: Choices | None = None,
        exclude: tuple[str, ...] = (),
        upload: bool = False,
    ) -> Callable[[F], F]:
        """POST one/segment (201): the function, `add(user, record, form)`, adds a record
        under one record; `choices` gives the form its choices from that record. With
        `upload`, the form validates a multipart body (a file), not a JSON one."""

        def declare(add: F) -> F:
            def view(**ids: int) -> Any:
                parent = self.visible(ids)
                given = _body_form(form, choices, parent, prepare=prepare, upload=upload)
                return _committed(response, add(current_user, parent, given))

            self._route(
                view,
                add,
                f"{self.one}/{segment}",
                "POST",
                **{"multipart" if upload else "body": form},
                response=response,
                status=201,
                exclude=exclude,
            )
            return add

        return declare

    def update(
        self,
        form: type,
        *,
        current: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None,
        prepare: Prepare | None = None,
        choices: Choices | None = None,
        permission: str | None = access.EDIT,
        exclude: tuple[str, ...] = (),
    ) -> Callable[[F], F]:
        """PATCH one: the function, `update(user, record, form)`, changes the record, the form
        validating it with what the body changes (`current(record, body)`; by default the
        record as answered, see `patched`), completed by `prepare`. The caller's `permission`
        on the record is checked first (None: the function checks what may change)."""

        def declare(update: F) -> F:
            def view(**ids: int) -> Any:
                record = self.visible(ids)
                if permission is not None:
                    access.authorize(current_user, permission, record)
                body = json_body()
                data = (
                    current(record, body) if current else _patched(self.resource.of(record), body)
                )
                update(current_user, record, _validated(form, data, choices, record, prepare))
                return _committed(self.resource, record, self.answers)

            self._route(view, update, self.one, "PATCH", body=form, exclude=exclude)
            return update

        return declare

    def act(
        self,
        action: str,
        *,
        body: type | None = None,
        optional: bool = False,
        choices: Choices | None = None,
        upload: bool = False,
        response: type[Resource] | None = None,
    ) -> Callable[[F], F]:
        """POST one/action: the function, `act(user, record, form)`, acts on the record (the
        form validating the body, if the action takes one, with the `choices` of the record;
        `optional`, a body left out is an empty one; `upload`, a multipart body). The record
        is answered, or with a `response`, what the function returns."""

        def declare(act: F) -> F:
            def view(**ids: int) -> Any:
                record = self.visible(ids)
                given = _body_form(body, choices, record, optional=optional, upload=upload)
                result = act(current_user, record, given)
                if response is not None:
                    return _committed(response, result)
                return _committed(self.resource, record, self.answers)

            rule = f"{self.one}/{action}"
            given = {"multipart" if upload else "body": body}
            self._route(view, act, rule, "POST", response=response or self.resource, **given)
            return act

        return declare

    def steps(
        self,
        endpoint: str,
        forms: Mapping[str, type | None],
        summaries: Mapping[str, str],
        *,
        optional: bool = False,
        exclude: tuple[str, ...] = (),
    ) -> Callable[[F], F]:
        """POST one/transitions/<step>, one operation a step of the workflow (its endpoint
        `endpoint` with the step's name for `{step}`): the function, `take(user, record, step,
        form)`, takes it, with the step's form in `forms` (None: the step takes no body)."""

        def declare(take: F) -> F:
            for step, form in forms.items():
                self._declare(
                    self._step_view(take, step, form, optional),
                    endpoint.format(step=step),
                    summaries[step],
                    f"{self.one}/transitions/{step}",
                    "POST",
                    body=form,
                    exclude=exclude,
                )
            return take

        return declare

    def _step_view(self, take: Callable, step: str, form: type | None, optional: bool) -> Callable:
        def view(**ids: int) -> Any:
            record = self.visible(ids)
            take(current_user, record, step, _body_form(form, None, record, optional=optional))
            return _committed(self.resource, record, self.answers)

        return view

    def _route(
        self, view: Callable, function: Callable, rule: str, method: str, **declared: Any
    ) -> None:
        """Declare `view` as the operation `function` does (its name, its docstring)."""
        self._declare(view, function.__name__, _summary_of(function), rule, method, **declared)

    def _declare(
        self, view: Callable, endpoint: str, summary: str, rule: str, method: str, **declared: Any
    ) -> None:
        declared.setdefault("response", self.resource)
        view.__name__ = endpoint
        api_route(rule, (method,), summary=summary, tag=self.tag, **declared)(view)


def named(function: F, endpoint: str, summary: str) -> F:
    """`function` as the operation `endpoint` with its `summary`, for an operation whose
    function is made (in a loop, or by a declaration of several)."""
    function.__name__ = function.__qualname__ = endpoint
    function.__doc__ = summary
    return function


def _summary_of(function: Callable) -> str:
    """An operation's summary: its function's docstring, on one line."""
    return " ".join((inspect.getdoc(function) or "").split())


def _validated(
    form: type,
    data: dict[str, Any],
    choices: Choices | None,
    of: Any,
    prepare: Prepare | None = None,
) -> Any:
    """`data` (completed by `prepare`) validated by `form`, given the `choices` of `of`."""
    if prepare:
        data = prepare(data)
    return validate_form(form, data, **(choices(of) if choices else {}))


def _body_form(
    form: type | None,
    choices: Choices | None,
    record: Any,
    *,
    optional: bool = False,
    upload: bool = False,
    prepare: Prepare | None = None,
) -> Any:
    """The body validated by `form` (None when the operation takes no body): a multipart one
    (`upload`), or a JSON one (`optional`: {} when none is sent), completed by `prepare`."""
    if form is None:
        return None
    if upload:
        return validate_upload(form)
    return _validated(
        form, optional_json_body() if optional else json_body(), choices, record, prepare
    )


def _committed(
    resource: type[Resource], record: Any, answers: Callable[[Any], Any] | None = None
) -> Any:
    """Commit the change, and answer the record (what `answers` gives of it, once committed)
    as `resource`."""
    db.session.commit()
    return ok(resource.of(answers(record) if answers else record))
