"""What support adds to the agency compliance report: the resources of ISO 9001 7.1.5, 7.2 and
8.4 as of the report's day — instruments due and overdue for calibration, competence gaps of the
agency's staff, and the latest evaluation of each external provider."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from qms.reports.registry import ReportRequest
from qms.reports.sections import agency_section, register_report_section
from qms.support.figures import resources_summary
from qms.support.vocabulary import ProviderStatus


def build_agency(req: ReportRequest) -> dict[str, Any]:
    assert req.agency is not None
    summary = resources_summary(req.agency)
    for provider in summary["providers"]:
        provider["status"] = str(ProviderStatus.labels()[ProviderStatus(provider["status"])])
    return summary


def register() -> None:
    """Add the section to the agency compliance report (from init_app)."""
    register_report_section(
        agency_section(
            "support",
            "resources",
            _l("Resources: instruments, competence and providers"),
            75,
            build_agency,
        )
    )
