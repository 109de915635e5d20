"""The inputs of a management review (ISO 9001 9.3.2 a–f) that features provide.

The review (qms.review) assembles its input pack from whatever providers are registered, and
never imports the features that hold the data: each feature registers its providers from its
own `init_app` (e.g. qms/capa/review_inputs.py). An item of 9.3.2 without any provider is shown
as "not recorded" in the pack.

A provider's `build(agency, cut_off)` answers PLAIN JSON data (str, int, float, bool, None,
lists and dicts of them): it is frozen into the review, hashed, and shown later as it was.
Its shape::

    {
        "counts": {"open": 3, "closed": 7},          # figures, keyed; labels in `labels`
        "rows": [{"text": "…", "value": "…"}],        # optional: lines worth naming
        "trend": [{"period": "2026-01", "value": 4}],  # optional: a series to chart
        "note": "…",                                   # optional
    }

Records up to the cut-off day count; their status is as it was when the pack was prepared."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core import access
from qms.core.readiness import address
from qms.extensions import db

#: the items of ISO 9001 9.3.2 (paraphrased), by their letter
ITEMS: dict[str, Any] = {
    "a": _l("Status of actions from previous management reviews"),
    "b": _l("Changes in external and internal issues relevant to the quality system"),
    "c": _l("Performance and effectiveness of the quality system, and its trends"),
    "d": _l("Adequacy of resources"),
    "e": _l("Effectiveness of actions taken to address risks and opportunities"),
    "f": _l("Opportunities for improvement"),
}


def review_period(cut_off: date) -> tuple[date, date]:
    """The year a review looks back on: the twelve months ending on the cut-off day."""
    try:
        year_before = cut_off.replace(year=cut_off.year - 1)
    except ValueError:  # 29 February
        year_before = cut_off.replace(year=cut_off.year - 1, day=28)
    return year_before + timedelta(days=1), cut_off


def months_of(cut_off: date) -> list[str]:
    """The twelve months ("2026-01") of the review period, the oldest first (for trends)."""
    year, month = cut_off.year, cut_off.month
    keys = []
    for _ in range(12):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


@dataclass(frozen=True)
class InputProvider:
    """One input of the pack: `item` is the letter of 9.3.2 it serves, `key` is unique."""

    item: str
    key: str
    title: Any
    build: Callable[[Any, date], dict[str, Any]]
    #: count key -> its label (the pack stores only the keys and figures)
    labels: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100


_providers: dict[str, InputProvider] = {}


def add_input_provider(provider: InputProvider) -> None:
    """Offer an input of the management review; the same key replaces it."""
    if provider.item not in ITEMS:
        raise ValueError(f"{provider.key}: 9.3.2 has no item {provider.item!r}")
    _providers[provider.key] = provider


def input_providers() -> list[InputProvider]:
    """The registered providers, by item, then order."""
    return sorted(_providers.values(), key=lambda p: (p.item, p.order, p.key))


def input_provider(key: str) -> InputProvider | None:
    return _providers.get(key)


@dataclass(frozen=True)
class LinkedRecord:
    """The record an action of a review opened, as one viewer sees it: its label, its current
    status, and its address (None when the viewer may not open it)."""

    label: str
    status: str
    url: str | None


def describing(
    model: type, endpoint: str, key: str, label: Callable[[Any], str], status: Callable[[Any], str]
) -> Callable[[int, Any], LinkedRecord | None]:
    """An outlet's `describe` for records of `model`: the record's `label` and current `status`,
    and its page (`endpoint`, the id passed as `key`) only for a viewer who may open it."""

    def describe(record_id: int, viewer: Any) -> LinkedRecord | None:
        record = db.session.get(model, record_id)
        if record is None:
            return None
        may_open = access.can(viewer, access.VIEW, record)
        url = address(endpoint, **{key: record.id}) if may_open else None
        return LinkedRecord(label(record), status(record), url)

    return describe


@dataclass(frozen=True)
class ActionOutlet:
    """Where an action of a review can lead in another feature: a revision of a document, a
    nonconformity. `open(actor, agency, action, target_id)` creates that record (checking the
    actor's permission) and answers its id; `action` is plain data naming the review and the
    action (`reference`, `review_id`, `action_id`, `description`, `owner`, `due_on`) so that
    the other record names the review. `describe(record_id, viewer)` answers the record as a
    LinkedRecord, or None when it is gone. With `needs_target`, the user picks an existing
    record to act on (the document). The action keeps the record's outlet key and id; the
    record's own page finds its way back with `action_origin` below."""

    key: str
    title: Any
    open: Callable[[Any, Any, Mapping[str, Any], int | None], int]
    describe: Callable[[int, Any], LinkedRecord | None]
    needs_target: bool = False
    #: the records the user may pick as the target in an agency: [(id, label)]
    targets: Callable[[Any, Any], list[tuple[int, str]]] | None = None


_outlets: dict[str, ActionOutlet] = {}


def add_action_outlet(outlet: ActionOutlet) -> None:
    _outlets[outlet.key] = outlet


def action_outlets() -> list[ActionOutlet]:
    return sorted(_outlets.values(), key=lambda o: o.key)


def action_outlet(key: str) -> ActionOutlet | None:
    return _outlets.get(key)


@dataclass(frozen=True)
class ActionOrigin:
    """The review action a record (a nonconformity, a revision) was opened from, for a viewer
    who may see that review: the review's title, the action and the address of the action on
    the review's page (None where no address can be made: outside a request)."""

    review: str
    action: str
    url: str | None


#: answers the origin of (outlet key, record id) for a viewer; registered by the review
_origin_finders: list[Callable[[str, int, Any], ActionOrigin | None]] = []


def add_origin_finder(finder: Callable[[str, int, Any], ActionOrigin | None]) -> None:
    if finder not in _origin_finders:
        _origin_finders.append(finder)


def action_origin(outlet_key: str, record_id: int, viewer: Any) -> ActionOrigin | None:
    """The review action that opened the record through the outlet, if the viewer may see its
    review (None otherwise, or when no review action opened it)."""
    for finder in _origin_finders:
        found = finder(outlet_key, record_id, viewer)
        if found is not None:
            return found
    return None
