"""Certification readiness of an agency, explained: the mandatory documented information of
the standard (each clause's "maintain"/"retain" tag in its YAML; the most specific tagged
clauses are the items) met by evidence the features register (qms.core.readiness), and the
conditions they register, plus one of its own — every mandatory item present. An agency is
ready when every condition is met; each condition says why, met or not.

`readiness(agency)` answers plain data (the agency page's panel, the readiness page, the API
and — once wired — the city summary read the same)."""

from __future__ import annotations

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
    today = today or local_today()
    found: list[tuple[str, str, str, registry.Evidence]] = []
    for source in registry.evidence_sources():
        for number, evidence in source.find(agency, today).items():
            found.extend((number, source.meets, str(source.title), e) for e in evidence)
    items = []
    for clause in mandatory_clauses():
        needs = SIDES[clause.documented_information]
        evidence = [
            _plain(e, side, title)
            for number, side, title, e in found
            if side in needs and _overlaps(clause.number, number)
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
    for condition in registry.conditions():
        outcome = condition.check(agency, today)
        conditions.append(
            {
                "key": condition.key,
                "title": str(condition.title),
                "met": outcome.met,
                "reason": outcome.reason,
                "links": [{"label": e.label, "url": e.url} for e in outcome.links],
            }
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
