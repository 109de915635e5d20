"""Field labels are declared once, on the model's columns, and read from there by the forms,
the history tables and the API's descriptions; a fixed set of values declares each value's
label beside it (`LabelledEnum`):

    class Status(LabelledEnum):
        OPEN = "open", _l("Open")
        CLOSED = "closed", _l("Closed")

    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title")))
    status: Mapped[Status] = enum_column(Status, _l("Status"))

    class DocumentForm(FlaskForm):
        title = StringField(label_of(Document, "title"), validators=[...])

A model may label attributes that are not columns (a hybrid, a relationship) in a
`__labels__` dict."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Self


class LabelledEnum(enum.StrEnum):
    """Stored values, each declared with the label people read: `CLOSED = "closed", _l("Closed")`.
    A member is its value (a str that compares, serialises and is stored as the value, as any
    StrEnum member); `member.label` is its label, and a member declared without one is
    labelled by its value."""

    label: Any

    def __new__(cls, value: str, label: Any = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = value if label is None else label
        return member

    @classmethod
    def labels(cls) -> dict[Self, Any]:
        """Every member's label, in the order the members are declared (a form's choices)."""
        return {member: member.label for member in cls}


def labelled(label: Any, values: Mapping[Any, Any] | None = None) -> dict[str, Any]:
    """A column's `info`: its label and, for a column of fixed values, the label of each."""
    info: dict[str, Any] = {"label": label}
    if values is not None:
        info["values"] = {str(getattr(k, "value", k)): v for k, v in values.items()}
    return info


def _column(model: type, name: str) -> Any:
    table = getattr(model, "__table__", None)
    return table.columns.get(name) if table is not None else None


def label_of(model: type, name: str) -> Any | None:
    """The label declared for a model's attribute, or None."""
    column = _column(model, name)
    if column is not None and "label" in column.info:
        return column.info["label"]
    return getattr(model, "__labels__", {}).get(name)


def value_labels_of(model: type, name: str) -> dict[str, Any]:
    """The labels of a column's stored values, keyed by the stored value."""
    column = _column(model, name)
    return dict(column.info.get("values", {})) if column is not None else {}
