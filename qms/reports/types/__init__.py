"""The report types built on the features' data, one module each; importing the package
registers them. Builders call the features' services and `qms.reports.figures`."""

from qms.reports.types import (  # noqa: F401  (registrations)
    agency_compliance,
    audit_report,
    city_summary,
    dossier,
    master_list,
    request_form,
)
