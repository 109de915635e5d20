"""Certification readiness of an agency, explained: the mandatory documented information of
the standard (each clause's "maintain"/"retain" tag in its YAML; the most specific tagged
clauses are the items) met by evidence the features register (qms.core.readiness), and the
conditions they register, plus one of its own — every mandatory item present. An agency is
ready when every condition is met; each condition says why, met or not.

`readiness(agency)` answers plain data (the agency page's panel, the readiness page and the
API read the same); `readiness_of(agencies)` answers it for many agencies with the same
number of queries as for one (the city summary judges every agency of its city)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _

from qms.core import readiness as registry
from qms.core.timeutil import today as local_today
from qms.standards.models import Clause, DocumentedInformation
from qms.standards.queries import current_clauses, quality_standard

SIDES = {
    DocumentedInformation.MAINTAIN: (registry.MAINTAIN,),
    DocumentedInformation.RETAIN: (registry.RETAIN,),
    DocumentedInformation.MAINTAIN_RETAIN: (registry.MAINTAIN, registry.RETAIN),
}
ITEMS_KEY = "mandatory-items"


def _standard_clauses() -> list[Clause]:
    """Readiness is about certification to the quality standard (SNI ISO 9001), named by its
    code: the tags of another standard loaded beside it (SNI ISO 37001) are not its items."""
    standard = quality_standard()
    return current_clauses(standard) if standard else []


def mandatory_clauses() -> list[Clause]:
    """The most specific clauses tagged with documented information (a tagged clause whose
    sub-clauses carry the tag themselves is covered by them)."""
    tagged = [c for c in _standard_clauses() if c.documented_information in SIDES]
    numbers = {c.number for c in tagged}
    return [
        c for c in tagged if not any(n.startswith(c.number + ".") for n in numbers if n != c.number)
    ]


def _overlaps(item: str, evidence: str) -> bool:
    return item == evidence or item.startswith(evidence + ".") or evidence.startswith(item + ".")


def _plain(evidence: registry.Evidence, side: str, source: str) -> dict[str, Any]:
    return {"label": evidence.label, "url": evidence.url, "meets": side, "source": source}


def readiness(agency: Any, today: date | None = None) -> dict[str, Any]:
    return readiness_of([agency], today)[agency.id]


def readiness_of(agencies: Sequence[Any], today: date | None = None) -> dict[int, dict[str, Any]]:
    """Each agency's readiness, judged for all of them with one query per source and
    condition."""
    today = today or local_today()
    ids = [agency.id for agency in agencies]
    found: dict[int, list[tuple[str, str, str, registry.Evidence]]] = {i: [] for i in ids}
    for source in registry.evidence_sources():
        title = str(source.title)  # translated once, not once per piece of evidence
        for agency_id, per_clause in source.find(ids, today).items():
            found[agency_id].extend(
                (number, source.meets, title, e)
                for number, evidence in per_clause.items()
                for e in evidence
            )
    outcomes = [(condition, condition.check(ids, today)) for condition in registry.conditions()]
    clauses = mandatory_clauses()
    return {
        agency.id: _verdict(
            agency,
            today,
            _items(clauses, found[agency.id]),
            [(condition, checked[agency.id]) for condition, checked in outcomes],
        )
        for agency in agencies
    }


def _items(
    clauses: list[Clause], found: list[tuple[str, str, str, registry.Evidence]]
) -> list[dict[str, Any]]:
    items = []
    # the clause numbers evidence was found for are few: each is compared once per clause,
    # not once per piece of evidence
    numbers = {number for number, _side, _title, _e in found}
    for clause in clauses:
        needs = SIDES[clause.documented_information]
        overlapping = {number for number in numbers if _overlaps(clause.number, number)}
        evidence = [
            _plain(e, side, title)
            for number, side, title, e in found
            if number in overlapping and side in needs
        ]
        missing = [side for side in needs if not any(e["meets"] == side for e in evidence)]
        items.append(
            {
                "clause": clause.number,
                "title": clause.title,
                "needs": list(needs),
                "present": not missing,
                "missing": missing,
                "evidence": evidence,
            }
        )
    return items


def _verdict(
    agency: Any,
    today: date,
    items: list[dict[str, Any]],
    outcomes: list[tuple[registry.Condition, registry.Outcome]],
) -> dict[str, Any]:
    absent = [i for i in items if not i["present"]]
    conditions = [
        {
            "key": ITEMS_KEY,
            "title": _("Every mandatory documented information present"),
            "met": not absent,
            "reason": (
                _("All %(n)s items are present.", n=len(items))
                if not absent
                else _(
                    "%(n)s of %(total)s items are missing: %(clauses)s.",
                    n=len(absent),
                    total=len(items),
                    clauses=", ".join(i["clause"] for i in absent),
                )
            ),
            "links": [],
        }
    ]
    conditions.extend(
        {
            "key": condition.key,
            "title": str(condition.title),
            "met": outcome.met,
            "reason": outcome.reason,
            "links": [{"label": e.label, "url": e.url} for e in outcome.links],
        }
        for condition, outcome in outcomes
    )
    return {
        "agency_id": agency.id,
        "agency": agency.name,
        "as_of": today.isoformat(),
        "ready": all(c["met"] for c in conditions),
        "reasons": [c["reason"] for c in conditions if not c["met"]],
        "conditions": conditions,
        "items": items,
        "present": len(items) - len(absent),
    }
