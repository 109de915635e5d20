"""The agency compliance report: a one-page summary, then clause-by-clause compliance from
the agency's audits (heat map and trend), findings by grade, corrective actions with ageing,
document control and complaints. The figures are those of the agency's dashboard."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.timeutil import today
from qms.reports import figures
from qms.reports.registry import Need, ReportRequest, ReportType, register_report_type


def build(req: ReportRequest) -> dict[str, Any]:
    assert req.agency is not None
    return figures.agency_figures(req.agency, (req.period_start, req.period_end), today())


AGENCY_COMPLIANCE = ReportType(
    key="agency-compliance",
    title=_l("Agency compliance report"),
    template="reports/pdf/agency_compliance.html",
    build=build,
    agency=Need.REQUIRED,
    period=Need.OPTIONAL,
    description=_l(
        "A one-page summary, then compliance per clause from the agency's audits with a heat "
        "map and the trend, findings by grade, corrective actions with ageing and overdue ones, "
        "document reviews due and overdue, complaints and response times."
    ),
    order=20,
    # 2: the heat map's data table below the map; 3: document control dated as a current state
    version=3,
)

register_report_type(AGENCY_COMPLIANCE)
