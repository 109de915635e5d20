"""What each register imports, declared by the feature that owns it (features register into
qms.imports; qms.imports never imports a feature).

An `Importer` names its fields as data (`qms.core.spreadsheets.ImportField`), the model whose
create permission decides who may import (`may_create_in` of its policy, for the agency or
city the rows go to), the columns that find the records already there for a batch of keys
(the natural key and the owner's), how to tell whether a row's own number fits the owner's
numbering, and the operation that creates one record (the feature's own, so the history is
written as for any create)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from qms.core import access
from qms.core.spreadsheets import ImportField
from qms.extensions import db


@dataclass(frozen=True)
class Created:
    """What confirming a row made: the record's id and the number it carries."""

    record_id: int
    number: str


@dataclass(frozen=True)
class Importer:
    kind: str
    title: Any
    #: what one row is: Document, Nonconformity, Business (its policy decides who may import)
    model: type
    #: Agency or City: where the rows go
    owner_model: type
    fields: tuple[ImportField, ...]
    #: the field and column holding the row's natural key (its number or code, the NIB), and
    #: the model's column naming its owner ("agency_id"): they find the records already there
    key_field: str
    owner_field: str
    #: creates one record from a row's values: (actor, owner, values, keep its number) → Created
    create: Callable[[Any, Any, dict[str, Any], bool], Created]
    #: why the row's own number cannot be kept (None: it fits and is kept, or there is none):
    #: (owner, values) → reason; checked without queries
    numbering_refusal: Callable[[Any, dict[str, Any]], Any | None] | None = None
    #: a rule about the whole row beyond each cell (None when the row is fine)
    check_row: Callable[[Any, dict[str, Any]], Any | None] | None = None
    #: who may import into an owner; None: whoever the model's policy lets create there
    may_import: Callable[[Any, Any], bool] | None = None
    #: the register's page (endpoint) the import pages link back to
    list_endpoint: str = "home.index"
    #: a line the upload page shows under the title
    description: Any = ""

    def existing(self, owner: Any, keys: Sequence[str]) -> dict[str, int]:
        """Key as the file gave it → id of the record already in the owner's register, for
        the keys of one batch (one query)."""
        key = getattr(self.model, self.key_field)
        query = select(key, self.model.id).where(
            getattr(self.model, self.owner_field) == owner.id, key.in_(keys)
        )
        return {found: record_id for found, record_id in db.session.execute(query)}

    def allows(self, user: Any, owner: Any) -> bool:
        """Whether the user may import into the agency or city."""
        if self.may_import is not None:
            return self.may_import(user, owner)
        return access.policy_for(self.model).may_create_in(user, owner)

    def field(self, name: str) -> ImportField:
        return next(f for f in self.fields if f.name == name)


_IMPORTERS: dict[str, Importer] = {}


def register_importer(importer: Importer) -> None:
    _IMPORTERS[importer.kind] = importer


def importer_for(kind: str) -> Importer | None:
    return _IMPORTERS.get(kind)


def importers() -> list[Importer]:
    return list(_IMPORTERS.values())
