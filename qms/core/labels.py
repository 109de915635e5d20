"""Field labels are declared once, on the model's columns, and read from there by the forms,
the history tables and the API's descriptions:

    title: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title")))
    status: Mapped[Status] = mapped_column(..., info=labelled(_l("Status"), STATUS_LABELS))

    class DocumentForm(FlaskForm):
        title = StringField(label_of(Document, "title"), validators=[...])

A model may label attributes that are not columns (a hybrid, a relationship) in a
`__labels__` dict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
