"""`flask qms` commands of corrective actions (offered from `init_app` through
`qms.core.registry.add_command`)."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import func, select

from qms.audits.interface import Audit, AuditStatus
from qms.capa import findings
from qms.capa.complaints.escalation import escalate_complaints
from qms.capa.models import Nonconformity
from qms.core.history import acting_as
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import City


@click.command("escalate-complaints")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def escalate_command(today: datetime | None) -> None:
    """Apply the complaint escalation rules in every city (run daily from cron)."""
    day = today.date() if today else local_today()
    created = []
    with acting_as(None):
        for city in db.session.scalars(select(City).where(City.archived_at.is_(None))):
            created += escalate_complaints(city, day)
    db.session.commit()
    click.echo(
        f"{len(created)} nonconformity(ies) raised: {', '.join(nc.number for nc in created)}"
    )


def _count() -> int:
    return db.session.scalar(select(func.count(Nonconformity.id)))


@click.command("raise-audit-nonconformities")
def raise_audit_nonconformities_command() -> None:
    """Raise the missing nonconformities of audits reported before findings flowed to the
    register (once, after upgrading a database; running it again changes nothing)."""
    before = _count()
    with acting_as(None):
        for audit in db.session.scalars(
            select(Audit).where(Audit.status == AuditStatus.REPORTED, Audit.archived_at.is_(None))
        ):
            findings.raise_for_report(None, audit)
    db.session.commit()
    click.echo(f"{_count() - before} nonconformity(ies) raised")
