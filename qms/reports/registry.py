"""The report types features register: what a report needs, who may have it, how it is built.

See the package docstring (qms/reports/__init__.py) for how a feature registers one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from qms.accounts.models import Role, User
from qms.core import access
from qms.organisations.models import Agency, City


class Need(enum.StrEnum):
    """Whether a report type asks for a parameter."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class ReportRequest:
    """The validated parameters of one report: always a city; an agency and a period when the
    report type asks for them; the language the PDF is written in."""

    city: City
    agency: Agency | None = None
    period_start: date | None = None
    period_end: date | None = None
    locale: str = "id"

    def params(self) -> dict[str, Any]:
        """The parameters as stored in the archive (plain JSON)."""
        return {
            "city_id": self.city.id,
            "agency_id": self.agency.id if self.agency else None,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
        }

    def in_period(self, day: date) -> bool:
        """Whether a day falls in the requested period (an open end is unbounded)."""
        return (self.period_start is None or day >= self.period_start) and (
            self.period_end is None or day <= self.period_end
        )


def may_report_on(user: User, request: ReportRequest) -> bool:
    """The default rule: national readers (system administrators, BSN reviewers) for every
    city; city administrators and management viewers for their city; an agency's quality
    officer for reports about their own agency only."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.has_role(*access.NATIONAL_READERS):
        return True
    if request.city.id in user.city_ids(*access.CITY_READERS):
        return True
    return request.agency is not None and request.agency.id in user.agency_ids(Role.QUALITY_OFFICER)


#: builds a report's data: plain values only (str, int, float, bool, None, date, datetime,
#: Decimal, lists and dicts of them), because the data is hashed to recognise unchanged content
#: and handed to the background worker
Builder = Callable[[ReportRequest], dict[str, Any]]
Permission = Callable[[User, ReportRequest], bool]


@dataclass(frozen=True)
class ReportType:
    key: str
    #: a lazy string (lazy_gettext): shown in the user's language, printed in the report's
    title: Any
    #: a template extending "pdf/base.html"; it receives `data` (the builder's output),
    #: `req` (the ReportRequest) and `report` (the archive entry with its identifier)
    template: str
    build: Builder
    agency: Need = Need.NONE
    period: Need = Need.OPTIONAL
    #: who may generate (and download) it for which city/agency
    allowed: Permission = may_report_on
    #: raise it whenever the template changes the output: cached PDFs are not reused across it
    version: int = 1
    description: Any = ""
    order: int = 100


_types: dict[str, ReportType] = {}


def register_report_type(report_type: ReportType) -> None:
    """Make a report type available in the portal. Registering the same key again replaces
    it (create_app runs many times in one process)."""
    _types[report_type.key] = report_type


def report_type(key: str) -> ReportType | None:
    return _types.get(key)


def report_types() -> list[ReportType]:
    return sorted(_types.values(), key=lambda t: (t.order, t.key))
