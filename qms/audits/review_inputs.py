"""What internal audits contribute to the management review and to certification readiness
(registered from the audits' init_app into qms.core; the review never imports the audits):

- the input "audit results" (9.3.2 c): audits reported in the review's year with their
  findings by grade;
- the input "opportunities for improvement from audits" (9.3.2 f);
- readiness: audit reports as evidence of 9.2 (retain), and the condition "a full internal
  audit cycle covering every clause is reported" (coverage.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from qms.audits import coverage
from qms.audits.grades import grade_label, grades
from qms.audits.models import Audit, Finding, RowResult
from qms.core import readiness
from qms.core.review_inputs import InputProvider, add_input_provider, review_period
from qms.extensions import db


class _GradeLabels(Mapping):
    """The labels of the pack's figures: the audits, then one per grade of the scale."""

    def __getitem__(self, key: str) -> Any:
        if key == "audits":
            return _("Audits reported in the review period")
        if key.startswith("grade_"):
            return _("Findings: %(grade)s", grade=grade_label(key.removeprefix("grade_")))
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(["audits"])

    def __len__(self) -> int:
        return 1


def _reported(agency: Any, cut_off: date) -> Select:
    first, last = review_period(cut_off)
    return select(Audit.id).where(
        Audit.agency_id == agency.id,
        Audit.archived_at.is_(None),
        Audit.report_issued,
        Audit.reported_at >= datetime.combine(first, time.min),
        Audit.reported_at < datetime.combine(last + timedelta(days=1), time.min),
    )


def audit_results(agency: Any, cut_off: date) -> dict[str, Any]:
    audit_ids = _reported(agency, cut_off)
    by_grade = dict(
        db.session.execute(
            select(Finding.grade, func.count(Finding.id))
            .where(Finding.audit_id.in_(audit_ids), Finding.archived_at.is_(None))
            .group_by(Finding.grade)
        ).all()
    )
    counts = {"audits": db.session.scalar(select(func.count()).select_from(audit_ids.subquery()))}
    counts |= {f"grade_{g.key}": by_grade.get(g.key, 0) for g in grades()}
    audits = db.session.scalars(select(Audit).where(Audit.id.in_(audit_ids)).order_by(Audit.id))
    return {
        "counts": counts,
        "rows": [
            {
                "text": f"{a.reference} ({a.reported_at:%Y-%m-%d})",
                "value": ", ".join(a.scope_clauses),
            }
            for a in audits
        ],
    }


def audit_opportunities(agency: Any, cut_off: date) -> dict[str, Any]:
    keys = [g.key for g in grades() if g.result == RowResult.OPPORTUNITY]
    rows = db.session.execute(
        select(Finding.number, Finding.statement)
        .where(
            Finding.audit_id.in_(_reported(agency, cut_off)),
            Finding.archived_at.is_(None),
            Finding.grade.in_(keys),
        )
        .order_by(Finding.id)
    ).all()
    return {
        "counts": {"opportunities": len(rows)},
        "rows": [{"text": f"{number}: {statement}"} for number, statement in rows],
    }


def audit_reports(agency_ids: Sequence[int], today: date) -> readiness.FoundEvidence:
    return readiness.latest_records(
        agency_ids,
        Audit,
        Audit.reference,
        Audit.reported_at,
        "9.2",
        lambda audit_id: readiness.address("audits.report", audit_id=audit_id),
        Audit.report_issued,
    )


def full_cycle(agency_ids: Sequence[int], today: date) -> dict[int, readiness.Outcome]:
    years = coverage.setting("AUDIT_CYCLE_YEARS")
    outcomes = {}
    for agency_id, (audits, missing) in coverage.reported_cycles(agency_ids, today).items():
        links = [
            readiness.Evidence(a.reference, readiness.address("audits.report", audit_id=a.id))
            for a in audits
        ]
        if not audits:
            outcomes[agency_id] = readiness.Outcome(
                False, _("No internal audit reported in the last %(n)s years.", n=years), links
            )
        elif missing:
            outcomes[agency_id] = readiness.Outcome(
                False,
                _(
                    "The audits reported in the last %(n)s years left out: %(clauses)s.",
                    n=years,
                    clauses=", ".join(c.number for c in missing),
                ),
                links,
            )
        else:
            outcomes[agency_id] = readiness.Outcome(
                True, _("Every clause was audited in the last %(n)s years.", n=years), links
            )
    return outcomes


def register() -> None:
    add_input_provider(
        InputProvider(
            "c",
            "audit-results",
            _l("Results of internal audits"),
            audit_results,
            _GradeLabels(),
            order=60,
        )
    )
    add_input_provider(
        InputProvider(
            "f",
            "audit-opportunities",
            _l("Opportunities for improvement from audits"),
            audit_opportunities,
            {"opportunities": _l("Opportunities for improvement")},
            10,
        )
    )
    readiness.add_evidence_source(
        readiness.EvidenceSource(
            "audit-reports", _l("Internal audit reports"), readiness.RETAIN, audit_reports, 30
        )
    )
    readiness.add_condition(
        readiness.Condition(
            "audit-cycle",
            _l("A full internal audit cycle covering every clause"),
            full_cycle,
            order=20,
        )
    )
