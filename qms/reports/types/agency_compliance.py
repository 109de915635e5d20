"""The agency compliance report: a one-page summary, then a chapter per section the features
register for the agency scope (compliance per clause and findings from audits, corrective
actions and complaints from capa, document control…; see qms/reports/sections.py). The
figures are those of the agency's dashboard."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.reports.registry import Need, ReportType, register_report_type
from qms.reports.sections import assemble_agency

AGENCY_COMPLIANCE = ReportType(
    key="agency-compliance",
    title=_l("Agency compliance report"),
    template="reports/pdf/agency_compliance.html",
    build=assemble_agency,
    agency=Need.REQUIRED,
    period=Need.OPTIONAL,
    description=_l(
        "A one-page summary, then compliance per clause from the agency's audits with a heat "
        "map and the trend, findings by grade, corrective actions with ageing and overdue ones, "
        "document reviews due and overdue, complaints and response times."
    ),
    order=20,
    # 2: the heat map's data table below the map; 3: document control dated as a current state;
    # 4: assembled from the registered sections
    version=4,
)

register_report_type(AGENCY_COMPLIANCE)
