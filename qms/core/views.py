"""What the HTML views of every feature do alike when a form is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from qms.core.errors import DomainError, PermissionDenied
from qms.extensions import db


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


def form_status(form: FlaskForm) -> int:
    """The status of a form page: 422 when it is shown again with errors (WTForms counts the
    form-level errors in form.errors too)."""
    return 422 if form.errors else 200


def save_form(form: Any, change: Callable[[dict[str, Any]], Any]) -> Any | None:
    """Run an operation on a valid submitted form (`change(form.values())`), commit and say
    so. A rule's refusal is shown on the form and nothing is kept; a permission refused stays a
    403. The operation's result, or None when the form is to be shown again (`form_status`)."""
    if not form.validate_on_submit():
        return None
    try:
        record = change(form.values())
    except PermissionDenied:
        raise
    except DomainError as error:
        show_on_form(form, error)
        return None
    db.session.commit()
    flash(_("Saved."), "success")
    return record


def form_page(form: FlaskForm, title: Any, cancel: str) -> tuple[str, int]:
    """A page with one form (templates/form_page.html), with its status."""
    return render_template("form_page.html", form=form, title=title, cancel=cancel), form_status(
        form
    )
