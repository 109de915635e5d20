"""The five operations of a register of records owned by an agency (context issues, risks,
instruments, providers…): list with the register's filters, create in an owner the caller
writes for, read, PATCH what is sent, archive. A feature describes what its registers share
once (`Registers`) and declares each register with `Registers.declare`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qms.api.records import Owner, Records, named
from qms.api.schema import Resource


def _same(values: dict[str, Any]) -> dict[str, Any]:
    return values


@dataclass(frozen=True)
class Registers:
    """What a feature's registers share: their tag, filter form (`filtered` makes the list's
    filter of its values), owner, archiving, and how the summaries name them."""

    tag: str
    filter_form: type
    filtered: Callable[[dict[str, Any]], Any]
    owner: Owner
    archive: Callable[[Any, Any], Any]
    #: how the summaries name the records of a register, from its model and name
    label: Callable[[type, str], str]
    #: how the summaries name the filters
    filters: str = "agency_id"
    #: a record's fields by the names its form gives them, where they differ
    form_names: Callable[[dict[str, Any]], dict[str, Any]] = field(default=_same)

    def declare(
        self,
        path: str,
        model: type,
        resource: type[Resource],
        forms: tuple[type, type],
        query: Callable[[Any, Any], Any],
        create: Callable[[Any, Any, dict[str, Any]], Any],
        update: Callable[[Any, Any, dict[str, Any]], Any],
        name: str,
    ) -> None:
        """One register at `path`: `query(user, filter)` lists it, `create(actor, owner,
        values)` and `update(actor, record, values)` write it (with the values of `forms`,
        the new record's and the record's form); `name` is its endpoints' suffix."""
        new_form, edit_form = forms
        label = self.label(model, name)
        records = Records(path, model, resource, self.tag, "record_id")

        def listed(user: Any, filters: Any) -> Any:
            return query(user, self.filtered(filters.values()))

        def created(user: Any, owner: Any, form: Any) -> Any:
            return create(user, owner, form.values())

        def changed(user: Any, record: Any, form: Any) -> Any:
            return update(user, record, form.values())

        def archived(user: Any, record: Any, _form: None) -> Any:
            return self.archive(user, record)

        listing = f"The {label} the caller may see (filters: {self.filters})"
        records.list(filters=self.filter_form)(named(listed, f"list_{name}", listing))
        creating = f"Record one of the {label} where the caller writes"
        records.create(new_form, owner=self.owner)(named(created, f"create_{name}", creating))
        records.get(f"get_{name}", f"One of the {label}")
        changing = f"Change one of the {label} (only the fields sent)"
        records.update(
            edit_form, current=lambda record, body: self._patched(resource.of(record), body)
        )(named(changed, f"update_{name}", changing))
        archiving = f"Archive one of the {label} (records are never deleted)"
        records.act("archive")(named(archived, f"archive_{name}", archiving))

    def _patched(self, current: Resource, body: dict[str, Any]) -> dict[str, Any]:
        """The record as answered, by its form's names, with what the body changes."""
        values = self.form_names(current.model_dump(mode="json"))
        changes = self.form_names(body)
        return {**values, **{k: v for k, v in changes.items() if k in values}}
