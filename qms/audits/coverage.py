"""Whether an audit programme covers the whole standard within its cycle (ISO 19011 5.4:
the extent of the programme; `AUDIT_CYCLE_YEARS`, three by default, as a certificate's cycle):
every clause of the standard's second level (4.1 … 10.3) is to be audited at every agency of
the programme at least once in the cycle. A clause counts as covered when a scope names it, a
clause containing it (a number covers its sub-clauses) or a part of it (the auditor sampled
it). Used by the programme page (clauses left out per agency, from the programmes' items) and
by certification readiness (clauses an agency's reported audits covered)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import or_, select

from qms.audits.models import (
    Audit,
    AuditProgramme,
    AuditStandard,
    ProgrammeItem,
    ProgrammeItemStandard,
)
from qms.audits.queries import default_standard
from qms.audits.settings import setting
from qms.extensions import db
from qms.standards.models import Clause


def required_clauses() -> list[Clause]:
    """The clauses every cycle covers: the default standard's second level, in its order."""
    standard = default_standard()
    if standard is None:
        return []
    return [c for c in standard.clauses if c.depth == 1 and c.retired_at is None]


def _overlaps(required: str, scoped: str) -> bool:
    return (
        required == scoped or required.startswith(scoped + ".") or scoped.startswith(required + ".")
    )


def uncovered(required: Iterable[Clause], scopes: Iterable[str]) -> list[Clause]:
    """The required clauses no scope number covers."""
    listed = [s for s in scopes if s]
    return [c for c in required if not any(_overlaps(c.number, s) for s in listed)]


def cycle_years(year: int) -> range:
    """The programme years of the cycle ending with `year`."""
    return range(year - setting("AUDIT_CYCLE_YEARS") + 1, year + 1)


def programme_gaps(programme: AuditProgramme) -> dict[str, list[Clause]]:
    """Per agency of the programme (by name): the clauses no item of the city's programmes of
    the cycle ending with this programme's year plans to audit."""
    years = cycle_years(programme.year)
    standard = default_standard()
    items = db.session.execute(
        select(ProgrammeItem.agency_id, ProgrammeItem.clause_numbers)
        .join(AuditProgramme, AuditProgramme.id == ProgrammeItem.programme_id)
        .where(
            AuditProgramme.city_id == programme.city_id,
            AuditProgramme.year.in_(list(years)),
            AuditProgramme.archived_at.is_(None),
            ProgrammeItem.archived_at.is_(None),
            # the cycle covers the quality standard: items of another standard do not count
            # (an integrated item planning it beside another does)
            or_(
                ProgrammeItem.standard_id.is_(None),
                ProgrammeItem.standard_id == (standard.id if standard else None),
                ProgrammeItem.id.in_(
                    select(ProgrammeItemStandard.item_id).where(
                        ProgrammeItemStandard.standard_id == (standard.id if standard else None)
                    )
                ),
            ),
        )
    )
    scopes: dict[int, list[str]] = {}
    for agency_id, numbers in items:
        scopes.setdefault(agency_id, []).extend(numbers or [])
    required = required_clauses()
    gaps = {}
    for item in programme.items:
        if item.archived_at is None and item.agency.name not in gaps:
            missing = uncovered(required, scopes.get(item.agency_id, []))
            if missing:
                gaps[item.agency.name] = missing
    return gaps


@dataclass(frozen=True)
class ReportedAudit:
    id: int
    reference: str
    scope_clauses: list[str]


def reported_cycles(
    agency_ids: Sequence[int], today: date
) -> dict[int, tuple[list[ReportedAudit], list[Clause]]]:
    """Per agency: its audits reported within the cycle ending today, and the required clauses
    none of them covered."""
    first = date(today.year - setting("AUDIT_CYCLE_YEARS") + 1, 1, 1)
    standard = default_standard()
    audits: dict[int, list[ReportedAudit]] = {agency_id: [] for agency_id in agency_ids}
    for agency_id, audit_id, reference, scope in db.session.execute(
        select(Audit.agency_id, Audit.id, Audit.reference, Audit.scope_clauses)
        .where(
            Audit.agency_id.in_(agency_ids),
            # an integrated audit covering the quality standard counts too
            or_(
                Audit.standard_id == (standard.id if standard else None),
                Audit.id.in_(
                    select(AuditStandard.audit_id).where(
                        AuditStandard.standard_id == (standard.id if standard else None)
                    )
                ),
            ),
            Audit.archived_at.is_(None),
            Audit.report_issued,
            Audit.reported_at >= datetime.combine(first, time.min),
        )
        .order_by(Audit.reported_at)
    ):
        audits[agency_id].append(ReportedAudit(audit_id, reference, scope or []))
    required = required_clauses()
    return {
        agency_id: (done, uncovered(required, [n for a in done for n in a.scope_clauses]))
        for agency_id, done in audits.items()
    }
