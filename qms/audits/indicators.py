"""The figure of internal audits that a quality objective can be measured by (registered in
`qms.core.registry` from `init_app`): audit compliance, the compliance figure of figures.py
(`Tally`) over every checklist row of the quality standard in the agency's audits whose report
was issued in the period (an integrated audit counts with its quality-standard rows), as a
percentage; None when no such audit assessed anything."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from qms.audits.figures import Tally, clause_tallies, issued_audits
from qms.audits.queries import default_standard
from qms.core.registry import IndicatorSource, add_indicator_source


def compliance_in_period(agency_id: int, first: date, last: date) -> float | None:
    start = datetime.combine(first, time.min)
    end = datetime.combine(last + timedelta(days=1), time.min)
    quality = default_standard()
    standard_id = quality.id if quality is not None else None
    audits = [
        a.id
        for a in issued_audits([agency_id], standard_id=standard_id)
        if a.reported_at is not None and start <= a.reported_at < end
    ]
    total = Tally()
    for by_clause in clause_tallies(audits, standard_id=standard_id).values():
        for counted in by_clause.values():
            total += counted
    return round(100 * total.compliance, 2) if total.compliance is not None else None


def register() -> None:
    add_indicator_source(
        IndicatorSource(
            "audit_compliance",
            _l("Internal audit compliance (%)"),
            "percent",
            compliance_in_period,
            order=40,
        )
    )
