"""What Plan and Check contributes to the management review and to certification readiness
(registered from planning's init_app into qms.core; the review never imports planning):

- "changes in external and internal issues" (9.3.2 b): issues and interested parties
  identified or reviewed in the review's year, and those archived;
- "extent to which quality objectives were met" (9.3.2 c): the objectives of the cut-off's
  year by their latest period ended by the cut-off;
- "effectiveness of actions on risks and opportunities" (9.3.2 e): treatments due in the
  review's year — done, done by their due date, cancelled, still open past due — and the risks
  at a level asking for attention;
- readiness: the objectives (6.2, maintain) and their measurements (9.1, retain)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from qms.core.readiness import (
    MAINTAIN,
    RETAIN,
    EvidenceSource,
    FoundEvidence,
    add_evidence_source,
    counted_register,
)
from qms.core.review_inputs import InputProvider, add_input_provider, review_period
from qms.extensions import db
from qms.planning import figures
from qms.planning.models import (
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    Risk,
    Treatment,
)
from qms.planning.vocabulary import Direction, TreatmentStatus

CONTEXT_LABELS = {
    "issues_new": _l("Issues identified in the review period"),
    "issues_reviewed": _l("Issues reviewed in the review period"),
    "issues_retired": _l("Issues no longer relevant (archived)"),
    "parties_new": _l("Interested parties identified in the review period"),
    "parties_reviewed": _l("Interested parties reviewed in the review period"),
}
OBJECTIVE_LABELS = {
    "objectives": _l("Quality objectives of the year"),
    "met": _l("Met in their latest period"),
    "missed": _l("Missed in their latest period"),
    "not_measured": _l("Not measured yet"),
}
RISK_LABELS = {
    "treatments_due": _l("Treatments due in the review period"),
    "done": _l("Done"),
    "done_on_time": _l("Done by their due date"),
    "cancelled": _l("Cancelled"),
    "overdue": _l("Still open after their due date"),
    "high_risks": _l("Risks at a level asking for attention"),
}


def _in(column: Any, first: date, last: date) -> Any:
    return column.between(first, last)


def context_changes(agency: Any, cut_off: date) -> dict[str, Any]:
    first, last = review_period(cut_off)
    counts: dict[str, Any] = {}
    rows = []
    for model, prefix in ((ContextIssue, "issues"), (InterestedParty, "parties")):
        mine = select(func.count(model.id)).where(
            model.agency_id == agency.id, model.identified_on <= cut_off
        )
        live = mine.where(model.archived_at.is_(None))
        counts[f"{prefix}_new"] = db.session.scalar(
            live.where(_in(model.identified_on, first, last))
        )
        counts[f"{prefix}_reviewed"] = db.session.scalar(
            live.where(_in(model.reviewed_on, first, last))
        )
        if model is ContextIssue:
            counts["issues_retired"] = db.session.scalar(
                mine.where(
                    model.archived_at >= datetime.combine(first, time.min),
                    model.archived_at < datetime.combine(last + timedelta(days=1), time.min),
                )
            )
    for issue in db.session.scalars(
        select(ContextIssue)
        .where(
            ContextIssue.agency_id == agency.id,
            ContextIssue.archived_at.is_(None),
            or_(
                _in(ContextIssue.identified_on, first, last),
                _in(ContextIssue.reviewed_on, first, last),
            ),
        )
        .order_by(ContextIssue.identified_on, ContextIssue.id)
    ):
        rows.append({"text": issue.title, "value": issue.effect[:200]})
    return {"counts": {k: counts[k] for k in CONTEXT_LABELS}, "rows": rows}


def objectives_met(agency: Any, cut_off: date) -> dict[str, Any]:
    objectives = list(
        db.session.scalars(
            select(Objective)
            .where(
                Objective.agency_id == agency.id,
                Objective.archived_at.is_(None),
                Objective.year == cut_off.year,
            )
            .order_by(Objective.id)
        )
    )
    latest_end = (
        select(Measurement.objective_id, func.max(Measurement.period_end).label("end"))
        .where(
            Measurement.objective_id.in_([o.id for o in objectives]),
            Measurement.period_end <= cut_off,
        )
        .group_by(Measurement.objective_id)
        .subquery()
    )
    latest = {
        m.objective_id: m
        for m in db.session.scalars(
            select(Measurement).join(
                latest_end,
                (latest_end.c.objective_id == Measurement.objective_id)
                & (latest_end.c.end == Measurement.period_end),
            )
        )
    }
    met = sum(1 for m in latest.values() if m.is_met)
    rows = [
        {
            "text": o.title,
            "value": (
                f"{latest[o.id].period}: {latest[o.id].value.normalize():f} "
                f"({'≥' if o.direction == Direction.AT_LEAST else '≤'} {o.target.normalize():f})"
                if o.id in latest
                else "–"
            ),
        }
        for o in objectives
    ]
    return {
        "counts": {
            "objectives": len(objectives),
            "met": met,
            "missed": len(latest) - met,
            "not_measured": len(objectives) - len(latest),
        },
        "rows": rows,
    }


def risk_actions(agency: Any, cut_off: date) -> dict[str, Any]:
    first, last = review_period(cut_off)
    due = select(func.count(Treatment.id)).where(
        Treatment.risk_id.in_(
            select(Risk.id).where(Risk.agency_id == agency.id, Risk.archived_at.is_(None))
        ),
        _in(Treatment.due_on, first, last),
    )
    counts = {
        "treatments_due": db.session.scalar(due),
        "done": db.session.scalar(due.where(Treatment.status == TreatmentStatus.DONE)),
        "done_on_time": db.session.scalar(
            due.where(
                Treatment.status == TreatmentStatus.DONE, Treatment.done_on <= Treatment.due_on
            )
        ),
        "cancelled": db.session.scalar(due.where(Treatment.status == TreatmentStatus.CANCELLED)),
        "overdue": db.session.scalar(due.where(Treatment.is_overdue(cut_off))),
        "high_risks": len(figures.high_risks(None, agency_id=agency.id)),
    }
    return {"counts": counts}


def objective_records(agency_ids: Sequence[int], today: date) -> FoundEvidence:
    return counted_register(
        agency_ids, Objective, ["6.2"], _l("Quality objectives (%(n)s)"), "planning.objectives"
    )


def measurement_records(agency_ids: Sequence[int], today: date) -> FoundEvidence:
    return counted_register(
        agency_ids,
        Objective,
        ["9.1.1"],
        _l("Measurements of the quality objectives (%(n)s)"),
        "planning.objectives",
        through=Measurement,
    )


def register() -> None:
    add_input_provider(
        InputProvider(
            "b",
            "context",
            _l("Changes in external and internal issues"),
            context_changes,
            CONTEXT_LABELS,
        )
    )
    add_input_provider(
        InputProvider(
            "c",
            "objectives",
            _l("Extent to which quality objectives were met"),
            objectives_met,
            OBJECTIVE_LABELS,
            order=20,
        )
    )
    add_input_provider(
        InputProvider(
            "e", "risk-actions", _l("Actions on risks and opportunities"), risk_actions, RISK_LABELS
        )
    )
    add_evidence_source(
        EvidenceSource("objectives", _l("Quality objectives"), MAINTAIN, objective_records, 20)
    )
    add_evidence_source(
        EvidenceSource(
            "measurements", _l("Objective measurements"), RETAIN, measurement_records, 21
        )
    )
