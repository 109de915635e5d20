"""What features make findable by the search box in the header.

The search (qms.search) keeps one index of entries and never imports the features whose records
it holds: each feature registers a `Searchable` for each kind of record from its own `init_app`
(e.g. documents by code and title). The index follows the records by itself (their flushes),
and whom an entry is shown to is decided by the model's access policy, as for any list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SearchText:
    """What a record is found by: its code or number (found by prefix, "KTS-2025"), its title
    (shown as the result) and further text (matched, not shown)."""

    title: str
    code: str = ""
    text: str = ""
    #: where the record lies (shown with the result; who may see it is the policy's answer)
    agency_id: int | None = None
    city_id: int | None = None


def _everyone(_user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Searchable:
    """One kind of record in the search: `describe(record)` answers its SearchText from the
    record's own columns (`fields` name them: a change to one of them updates its entry), and
    a result links to `url_for(endpoint, **{url_arg: record.id})`. Results are limited to the
    records `access.scoped(model, user)` selects, and the kind is searched at all only for
    users `available(user)` says may look for it."""

    kind: str
    label: Any
    model: type
    describe: Callable[[Any], SearchText]
    fields: tuple[str, ...]
    endpoint: str
    url_arg: str
    order: int = 100
    available: Callable[[Any], bool] = field(default=_everyone)


#: kind -> what is searched of it
searchables: dict[str, Searchable] = {}
#: model -> what is searched of its records (asked on every flush)
_by_model: dict[type, Searchable] = {}


def add_searchable(searchable: Searchable) -> None:
    """Make a kind of record findable; registering the same kind again replaces it."""
    searchables[searchable.kind] = searchable
    _by_model.clear()
    _by_model.update({s.model: s for s in searchables.values()})


def searchable_kinds() -> list[Searchable]:
    return sorted(searchables.values(), key=lambda s: (s.order, s.kind))


def searchable_for(model: type) -> Searchable | None:
    """What is searched of records of `model` (or of a model it derives from), if anything."""
    for klass in model.__mro__:
        if klass in _by_model:
            return _by_model[klass]
    return None
