"""When a corrective action is due: the days configured per source and grade
(`CAPA_DEADLINES`, see settings.py), or for an audit finding its grade's own deadline."""

from __future__ import annotations

from datetime import date, timedelta

from qms.audits.interface import grades as audit_grades
from qms.capa.models import NcGrade, NcSource, Nonconformity
from qms.capa.settings import setting


def deadline_days(source: NcSource | str, grade: NcGrade | str) -> int:
    deadlines = setting("CAPA_DEADLINES")
    try:
        return int(deadlines[str(source)][str(grade)])
    except KeyError as exc:
        raise LookupError(f"No deadline configured for {source}/{grade} (CAPA_DEADLINES)") from exc


def due_date_for(source: NcSource | str, grade: NcGrade | str, raised_on: date) -> date:
    return raised_on + timedelta(days=deadline_days(source, grade))


def renewed_due_date(nc: Nonconformity, today: date) -> date:
    """The deadline of a plan re-opened by a failed verification: the configured days counted
    from that day, by the rule that set the first one (an audit finding's grade deadline, see
    qms/audits/grades.py, else CAPA_DEADLINES for the source and grade)."""
    found = audit_grades.grade(nc.finding.grade) if nc.finding is not None else None
    if found is not None and found.deadline_days:
        return today + timedelta(days=found.deadline_days)
    return due_date_for(nc.source, nc.grade, today)
