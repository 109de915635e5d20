"""What the HTML views of every feature do alike when a form is refused."""

from __future__ import annotations

from flask_wtf import FlaskForm

from qms.core.errors import DomainError
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
