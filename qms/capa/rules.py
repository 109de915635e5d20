"""Nonconformities raised by a rule rather than by a person: complaints that escalate
(qms/capa/complaints/escalation.py) and quality objectives that keep missing their target
(qms.planning, through qms/capa/interface.py).

Every rule names what it is about with a key ("complaint-response:12", "objective:7"): while a
nonconformity raised under a key is open, the rule's later breaches join it instead of raising
another, so running a rule twice raises nothing twice. Once it is closed (or archived), a new
breach raises a new one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qms.accounts.models import User
from qms.capa import operations
from qms.capa.models import NcGrade, NcSource, Nonconformity
from qms.extensions import db
from qms.organisations.models import Agency


def open_for_rule(key: str) -> Nonconformity | None:
    """The open, not archived nonconformity raised under this key, if any."""
    return db.session.scalar(
        select(Nonconformity)
        .where(
            Nonconformity.escalation_key == key,
            Nonconformity.is_open,
            Nonconformity.archived_at.is_(None),
        )
        .order_by(Nonconformity.id)
        .limit(1)
    )


def raise_for_rule(
    key: str,
    *,
    agency: Agency,
    source: NcSource | str,
    clause: str,
    criterion: str,
    statement: str,
    evidence: str,
    today: date,
    actor: User | None = None,
    grade: NcGrade | str = NcGrade.MINOR,
    source_reference: str = "",
    process: str = "",
) -> tuple[Nonconformity, bool]:
    """The rule's open nonconformity, raised now if none is open: (nonconformity, whether it was
    raised by this call). The texts are the agency's record, written in its language. No
    permission is checked: the rule, not the actor, raises it (the actor is recorded)."""
    found = open_for_rule(key)
    if found is not None:
        return found, False
    nc = operations.raise_from_finding(
        agency=agency,
        clause=clause,
        requirement=criterion,
        evidence=evidence,
        statement=statement,
        grade=grade,
        raised_by=actor,
        raised_on=today,
        source=NcSource(source),
        source_reference=source_reference[: Nonconformity.source_reference.type.length],
        criterion=criterion[: Nonconformity.criterion.type.length],
        process=process[: Nonconformity.process.type.length],
    )
    nc.escalation_key = key
    operations.flush()
    return nc, True
