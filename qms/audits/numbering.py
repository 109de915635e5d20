"""The numbers of audits (AMI-2026-DUKCAPIL) and of their findings (AMI-2026-DUKCAPIL-F03)."""

from __future__ import annotations

from sqlalchemy import select

from qms.audits.models import AUDIT_KIND_PREFIXES, Audit, AuditKind
from qms.core.numbering import draw_next
from qms.extensions import db
from qms.organisations.models import Agency


def new_reference(kind: AuditKind, year: int, agency: Agency) -> str:
    """The kind, the year and the agency's code; a second audit of the same kind in the year
    gets "-2", and so on."""
    base = f"{AUDIT_KIND_PREFIXES[kind]}-{year}-{agency.code}"
    taken = set(db.session.scalars(select(Audit.reference).where(Audit.reference.like(f"{base}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def next_finding_number(audit: Audit) -> tuple[int, str]:
    """Draw the audit's next finding sequence and its number. The counter is taken with an
    atomic UPDATE of the audit's row; the unique (audit_id, seq) constraint is the last guard."""
    seq = draw_next(Audit, "last_finding_seq", Audit.id == audit.id)
    assert seq is not None  # the audit's own row
    return seq, f"{audit.reference}-F{seq:02d}"
