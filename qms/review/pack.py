"""The input pack of a review (ISO 9001 9.3.2 a–f): assembled from the input providers the
features register (qms.core.review_inputs) as of the review's cut-off, frozen into the review
with the SHA-256 of its data, and read back for the pages, the PDF and the API as it was frozen
(the providers' current labels name its figures)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from qms.core.review_inputs import ITEMS, input_provider, input_providers

PACK_VERSION = 1


def assemble(agency: Any, cut_off: date) -> dict[str, Any]:
    """Every registered input as of the cut-off, grouped by the item of 9.3.2 it serves."""
    items: dict[str, list[dict[str, Any]]] = {letter: [] for letter in ITEMS}
    for provider in input_providers():
        items[provider.item].append(
            {
                "key": provider.key,
                "title": str(provider.title),
                "data": provider.build(agency, cut_off),
            }
        )
    return {"version": PACK_VERSION, "cut_off": cut_off.isoformat(), "items": items}


def canonical(pack: dict[str, Any]) -> bytes:
    return json.dumps(pack, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(pack: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(pack)).hexdigest()


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Any


@dataclass(frozen=True)
class Entry:
    """One input of a frozen pack, as shown."""

    key: str
    title: str
    figures: list[Figure]
    rows: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    note: str


@dataclass(frozen=True)
class Item:
    letter: str
    title: str
    entries: list[Entry]

    @property
    def recorded(self) -> bool:
        return bool(self.entries)


def _entry(stored: dict[str, Any]) -> Entry:
    provider = input_provider(stored["key"])
    labels = provider.labels if provider else {}
    data = stored.get("data") or {}
    return Entry(
        key=stored["key"],
        title=str(provider.title) if provider else stored.get("title", stored["key"]),
        figures=[
            Figure(key, str(labels.get(key, key)), value)
            for key, value in (data.get("counts") or {}).items()
        ],
        rows=list(data.get("rows") or []),
        trend=list(data.get("trend") or []),
        note=str(data.get("note") or ""),
    )


def read(pack: dict[str, Any]) -> list[Item]:
    """The items a–f of a frozen pack (an empty pack: every item not recorded)."""
    stored = pack.get("items") or {}
    return [
        Item(letter, str(title), [_entry(e) for e in stored.get(letter, [])])
        for letter, title in ITEMS.items()
    ]
