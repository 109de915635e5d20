"""What the HTML views of every feature do alike: ask for a login, make the change a form asks
for or show on the form why not, and end a change with a message and a redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from qms.core.errors import DomainError, PermissionDenied
from qms.extensions import db

T = TypeVar("T")


def require_login(blueprint: Blueprint) -> None:
    """Every page of `blueprint` asks for a login first (the login page, then back)."""
    blueprint.before_request(login_required(lambda: None))


def show_on_form(form: FlaskForm, error: DomainError) -> None:
    """Keep nothing of the refused change, and show why on the form: next to the field the
    error names (a ValidationFailed names several), else above the form."""
    db.session.rollback()
    fields = getattr(error, "errors", None) or {error.field: [str(error.message)]}
    for name, messages in fields.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            # a new list: a field that was never validated holds a tuple
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)


def saved(form: FlaskForm, change: Callable[[], T], *, forbidden_on_form: bool = True) -> T | None:
    """The change a submitted, valid form asks for, committed: what `change` returned (the
    record it saved). None when the form was not submitted or is not valid, or when the change
    was refused: the reason is then shown on the form and nothing is kept (`show_on_form`).
    With `forbidden_on_form=False`, a permission refusal is no error of the form: it goes on to
    the 403 page."""
    if not form.validate_on_submit():
        return None
    try:
        result = change()
    except DomainError as error:
        if isinstance(error, PermissionDenied) and not forbidden_on_form:
            raise
        show_on_form(form, error)
        return None
    db.session.commit()
    return result


def commit_and_redirect(target: str, message: Any = None, *, status: int = 302) -> Response:
    """The end of a request that changed something: keep the change, say so (`message`, a
    success) and go to `target`."""
    db.session.commit()
    if message is not None:
        flash(message, "success")
    return redirect(target, status)


def form_status(form: FlaskForm) -> int:
    """The status of a form page: 422 when it is shown again with errors (WTForms counts the
    form-level errors in form.errors too)."""
    return 422 if form.errors else 200


def save_form(form: Any, change: Callable[[dict[str, Any]], T]) -> T | None:
    """`saved` for a form that gives its `values()`: `change(values)` runs, and "Saved." is
    said; a permission refused stays a 403."""
    record = saved(form, lambda: change(form.values()), forbidden_on_form=False)
    if record is not None:
        flash(_("Saved."), "success")
    return record


def form_page(form: FlaskForm, title: Any, cancel: str) -> tuple[str, int]:
    """A page with one form (templates/form_page.html), with its status."""
    return render_template("form_page.html", form=form, title=title, cancel=cancel), form_status(
        form
    )
