"""What an agency's certification readiness is judged on, as features register it.

Two kinds of contribution, each registered by the feature that owns the data from its own
`init_app` (qms.review assembles and explains them and imports none of those features):

- **evidence sources**: documented information the app holds for an agency that can meet a
  clause's tag in the standard's YAML ("maintain": a controlled document; "retain": a record).
  `find(agency_ids, today)` answers, per agency and clause number, the evidence found (a label
  and a link). Evidence on a clause meets the tag of that clause, of its sub-clauses and of its
  parents.
- **conditions**: a rule an agency must meet to be ready (a full internal audit cycle
  reported, no major nonconformity open…). `check(agency_ids, today)` answers, per agency,
  whether it is met and, either way, why, in words a reader understands, with links.

Both are asked for many agencies at once (the city summary judges every agency of a city) and
answer with a fixed number of queries however many agencies are asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for
from sqlalchemy import Select, func, select

from qms.extensions import db

MAINTAIN = "maintain"
RETAIN = "retain"


@dataclass(frozen=True)
class Evidence:
    """One piece of documented information found: what it is and where to open it."""

    label: str
    url: str | None = None


#: {agency id: {clause number: evidence}}; an agency without evidence may be left out
FoundEvidence = dict[int, dict[str, list[Evidence]]]


@dataclass(frozen=True)
class EvidenceSource:
    key: str
    title: Any
    #: MAINTAIN or RETAIN: the side of a clause's tag this evidence meets
    meets: str
    find: Callable[[Sequence[int], date], FoundEvidence]
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
    #: (agency ids, today) -> {agency id: outcome} for every agency asked
    check: Callable[[Sequence[int], date], dict[int, Outcome]]
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


def first_of_each(query: Select, group: Any, *order: Any, n: int = 1) -> Select:
    """The first `n` rows of `query` in each `group` by `order` (one query for the latest
    records of many agencies); the rows keep the query's columns, each group's in order."""
    place = func.row_number().over(partition_by=group, order_by=order).label("place")
    ranked = query.add_columns(place).subquery()
    return (
        select(*(column for column in ranked.c if column.name != "place"))
        .where(ranked.c.place <= n)
        .order_by(ranked.c.place)
    )


def latest_records(
    agency_ids: Sequence[int],
    records: Any,
    label: Any,
    newest: Any,
    clause: str,
    link: Callable[[int], str | None],
    *criteria: Any,
    n: int = 3,
) -> FoundEvidence:
    """Evidence of records kept per agency, in one query: the `n` latest (by the column
    `newest`) of the agency's `records` (a model with `agency_id` and `archived_at`) in use and
    meeting `criteria`, each on the clause as its `label` column, linking to `link(record id)`."""
    query = select(records.agency_id, records.id, label).where(
        records.agency_id.in_(agency_ids), records.archived_at.is_(None), *criteria
    )
    found: FoundEvidence = {}
    for agency_id, record_id, text in db.session.execute(
        first_of_each(query, records.agency_id, newest.desc(), n=n)
    ):
        found.setdefault(agency_id, {}).setdefault(clause, []).append(
            Evidence(text, link(record_id))
        )
    return found


def counted_register(
    agency_ids: Sequence[int],
    records: Any,
    clauses: Sequence[str],
    label: Any,
    endpoint: str,
    *criteria: Any,
    through: Any = None,
) -> FoundEvidence:
    """Evidence of a register kept per agency, in one query: the agency's `records` (a model
    with `agency_id` and `archived_at`) in use and meeting `criteria`, counted (with `through`,
    the records of that model counted by their `records`, e.g. the measurements of the
    objectives). An agency with any gets one entry on each of the clauses: `label`, a lazy
    string given the count as %(n)s, linking to the register's page (`endpoint` with the
    agency's id)."""
    counted = records if through is None else through
    query = (
        select(records.agency_id, func.count(counted.id))
        .select_from(counted)
        .where(records.agency_id.in_(agency_ids), records.archived_at.is_(None), *criteria)
        .group_by(records.agency_id)
    )
    if through is not None:
        query = query.join(records)
    found: FoundEvidence = {}
    for agency_id, n in db.session.execute(query):
        if n:
            link = Evidence(label % {"n": n}, address(endpoint, agency_id=agency_id))
            found[agency_id] = {number: [link] for number in clauses}
    return found
