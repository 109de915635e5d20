"""`flask qms` commands of objectives (offered from `init_app` through
`qms.core.registry.add_command`)."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import func, select

from qms.capa.interface import NcSource, Nonconformity
from qms.core.history import acting_as
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.planning import deviations, measuring
from qms.planning.models import Objective


def _deviations() -> int:
    counted = select(func.count(Nonconformity.id)).where(
        Nonconformity.source == NcSource.QUALITY_OBJECTIVE_DEVIATION
    )
    return db.session.scalar(counted) or 0


@click.command("measure-objectives")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def measure_objectives_command(today: datetime | None) -> None:
    """Compute the measurements of objectives measured by a figure of the app, and apply the
    deviation rule to every objective (run daily from cron; running it again changes
    nothing)."""
    day = today.date() if today else local_today()
    before = _deviations()
    measured = 0
    with acting_as(None):
        for objective in db.session.scalars(
            select(Objective).where(Objective.archived_at.is_(None)).order_by(Objective.id)
        ):
            measured += len(measuring.measure_automatically(objective, day))
            deviations.apply_rule(objective, day)
    db.session.commit()
    raised = _deviations() - before
    click.echo(f"{measured} measurement(s) computed, {raised} nonconformity(ies) raised")
