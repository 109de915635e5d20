"""The report types that assemble what the features register: the agency compliance report and
the city compliance summary (see qms/reports/sections.py); importing the package registers them.
A report about one feature's records lives in that feature's reports.py."""

from qms.reports.types import (  # noqa: F401  (registrations)
    agency_compliance,
    city_summary,
)
