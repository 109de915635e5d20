"""The city compliance summary for BSN: every agency ranked with its figures, the trend per year
and the chapters, all from the sections the features register for the city scope (see
qms/reports/sections.py). Rendered in slices of agencies (see engine.render_chunked), so its
memory does not grow with the city."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.reports.registry import Need, ReportType, register_report_type
from qms.reports.sections import assemble_city

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

register_report_type(CITY_SUMMARY)
