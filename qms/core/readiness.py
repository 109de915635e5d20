"""What an agency's certification readiness is judged on, as features register it.

Two kinds of contribution, each registered by the feature that owns the data from its own
`init_app` (qms.review assembles and explains them and imports none of those features):

- **evidence sources**: documented information the app holds for an agency that can meet a
  clause's tag in the standard's YAML ("maintain": a controlled document; "retain": a record).
  `find(agency, today)` answers, per clause number, the evidence found (a label and a link).
  Evidence on a clause meets the tag of that clause, of its sub-clauses and of its parents.
- **conditions**: a rule an agency must meet to be ready (a full internal audit cycle
  reported, no major nonconformity open…). `check(agency, today)` answers whether it is met
  and, either way, why, in words a reader understands, with links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for

MAINTAIN = "maintain"
RETAIN = "retain"


@dataclass(frozen=True)
class Evidence:
    """One piece of documented information found: what it is and where to open it."""

    label: str
    url: str | None = None


@dataclass(frozen=True)
class EvidenceSource:
    key: str
    title: Any
    #: MAINTAIN or RETAIN: the side of a clause's tag this evidence meets
    meets: str
    find: Callable[[Any, date], dict[str, list[Evidence]]]
    order: int = 100


@dataclass(frozen=True)
class Outcome:
    """A condition checked: met or not, the reason (always), and links to what it is about."""

    met: bool
    reason: str
    links: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Condition:
    key: str
    title: Any
    check: Callable[[Any, date], Outcome]
    order: int = 100


def address(endpoint: str, **values: Any) -> str | None:
    """A record's page, or None where no address can be made (a report rendered by the
    worker without QMS_BASE_URL's server name): readiness reads the same without links."""
    try:
        return url_for(endpoint, **values)
    except RuntimeError:
        return None


_sources: dict[str, EvidenceSource] = {}
_conditions: dict[str, Condition] = {}


def add_evidence_source(source: EvidenceSource) -> None:
    if source.meets not in (MAINTAIN, RETAIN):
        raise ValueError(f"{source.key}: meets must be {MAINTAIN!r} or {RETAIN!r}")
    _sources[source.key] = source


def add_condition(condition: Condition) -> None:
    _conditions[condition.key] = condition


def evidence_sources() -> list[EvidenceSource]:
    return sorted(_sources.values(), key=lambda s: (s.order, s.key))


def conditions() -> list[Condition]:
    return sorted(_conditions.values(), key=lambda c: (c.order, c.key))
