"""The report types that assemble what the features register (see qms/reports/sections.py);
importing the package registers them. A report about one feature's records lives in that
feature's reports.py.

- The agency compliance report: a one-page summary, then a chapter per section the features
  register for the agency scope (compliance per clause and findings from audits, corrective
  actions and complaints from capa, document control…). The figures are those of the agency's
  dashboard.
- The city compliance summary for BSN: every agency ranked with its figures, the trend per year
  and the chapters, all from the sections the features register for the city scope. Rendered
  in slices of agencies (see engine.render_chunked), so its memory does not grow with the
  city."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.reports.registry import Need, ReportType, register_report_type
from qms.reports.sections import assemble_agency, assemble_city

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

CITY_SUMMARY = ReportType(
    key="city-compliance-summary",
    title=_l("City compliance summary"),
    template="reports/pdf/city_summary.html",
    build=assemble_city,
    agency=Need.NONE,
    period=Need.OPTIONAL,
    chunked="agencies",
    chunk_size=40,
    # 2: the ranking gives the name more room; 3: heat map table below the map; 4: assembled
    version=4,
    description=_l(
        "For BSN: every agency ranked with its figures, a clause × agency heat map, the trend "
        "per year and the small-business certification funnel. Rendered in the background."
    ),
    order=15,
)

register_report_type(AGENCY_COMPLIANCE)
register_report_type(CITY_SUMMARY)
