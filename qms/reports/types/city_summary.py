"""The city compliance summary for BSN: every agency ranked with its figures, a clause ×
agency heat map, the trend per year and the small-business certification funnel. Rendered in
slices of agencies (see engine.render_chunked), so its memory does not grow with the city."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.timeutil import today
from qms.reports import figures
from qms.reports.registry import Need, ReportRequest, ReportType, register_report_type


def build(req: ReportRequest) -> dict[str, Any]:
    assert req.requested_by is not None
    return figures.city_figures(
        req.city, req.requested_by, (req.period_start, req.period_end), today()
    )


CITY_SUMMARY = ReportType(
    key="city-compliance-summary",
    title=_l("City compliance summary"),
    template="reports/pdf/city_summary.html",
    build=build,
    agency=Need.NONE,
    period=Need.OPTIONAL,
    chunked="agencies",
    chunk_size=40,
    version=3,  # 2: the ranking gives the name more room; 3: heat map table below the map
    description=_l(
        "For BSN: every agency ranked with its figures, a clause × agency heat map, the trend "
        "per year and the small-business certification funnel. Rendered in the background."
    ),
    order=15,
)

register_report_type(CITY_SUMMARY)
