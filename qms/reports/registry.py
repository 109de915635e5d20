"""The report types features register: what a report needs, who may have it, how it is built.

See the package docstring (qms/reports/__init__.py) for how a feature registers one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import ORMOption

from qms.accounts.models import User
from qms.core import access
from qms.core.roles import Role
from qms.organisations.models import Agency, City


class Need(enum.StrEnum):
    """Whether a report type asks for a parameter."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


def agency_owner(record: Any) -> tuple[City, Agency | None]:
    """The city and agency of a record an agency keeps (its `agency`)."""
    return record.agency.city, record.agency


def agency_owner_loaded(model: Any) -> ORMOption:
    """Loads the agency and city of an agency-kept record with the record itself."""
    return joinedload(model.agency).joinedload(Agency.city)


def in_city_agencies(model: Any, city: City) -> Select:
    """The records of an agency-kept model (with `agency_id`) in the city's agencies: what a
    RecordKind's `find` narrows down to the reference."""
    return select(model).join(Agency, Agency.id == model.agency_id).where(Agency.city_id == city.id)


@dataclass(frozen=True)
class RecordKind:
    """What a report about one record (an audit, a nonconformity, a business) needs to know
    about that record's model. The record decides the report's city and agency."""

    model: type
    #: names the reference people type in the portal, e.g. "Audit reference"
    label: Any
    #: the record with this reference in the city, or None
    find: Callable[[str, City], Any]
    #: the record's city and agency (None for a city-level record such as a business); by
    #: default those of a record an agency keeps
    owner: Callable[[Any], tuple[City, Agency | None]] = agency_owner
    #: the loading option that brings what `owner` reads along with the record (for the
    #: model), so judging a record costs the same statements whatever the session holds
    owner_loaded: Callable[[Any], ORMOption] = agency_owner_loaded


@dataclass(frozen=True)
class ReportRequest:
    """The validated parameters of one report: always a city; an agency, a period or a record
    when the report type asks for them; the language the PDF is written in.

    `requested_by` is who asks: builders may call the features' user-scoped services with it
    (the report type's permission has made sure that user sees everything the report covers).
    It is not a parameter: the same parameters give the same report whoever asks."""

    city: City
    agency: Agency | None = None
    period_start: date | None = None
    period_end: date | None = None
    locale: str = "id"
    record: Any = None
    requested_by: User | None = None

    def params(self) -> dict[str, Any]:
        """The parameters as stored in the archive (plain JSON)."""
        return {
            "city_id": self.city.id,
            "agency_id": self.agency.id if self.agency else None,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "record_id": self.record.id if self.record is not None else None,
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


def may_view_record(user: User, request: ReportRequest) -> bool:
    """The rule of reports about one record: whoever may view the record."""
    return request.record is not None and access.can(user, access.VIEW, request.record)


#: builds a report's data: plain values only (str, int, float, bool, None, date, datetime,
#: Decimal, lists and dicts of them), because the data is hashed to recognise unchanged content
#: and handed to the background worker
Builder = Callable[[ReportRequest], dict[str, Any]]
Permission = Callable[[User, ReportRequest], bool]


@dataclass(frozen=True)
class Produced:
    """What a producer (a report type that is not one PDF: an evidence pack) stored: the
    file's SHA-256 and size, and its manifest's SHA-256."""

    sha256: str
    size: int
    manifest_sha256: str | None = None
    pages: int | None = None


#: makes and stores the archived file of a report from its data (the archive entry, the data)
Producer = Callable[[Any, dict[str, Any]], Produced]


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
    #: who may generate (and download) it; None: `may_view_record` for a report about a
    #: record, `may_report_on` otherwise
    allowed: Permission | None = None
    #: set for a report about one record (then the agency and period needs do not apply)
    record: RecordKind | None = None
    #: a long list in the builder's output (e.g. "agencies") that is rendered `chunk_size`
    #: items at a time, each slice by its own WeasyPrint run, so the memory of a render does
    #: not grow with the list (see engine.render_chunked)
    chunked: str | None = None
    chunk_size: int = 50
    #: raise it whenever the template changes the output: cached PDFs are not reused across it
    version: int = 1
    description: Any = ""
    order: int = 100
    #: for an archived file that is not a PDF rendered from `template` (an evidence pack):
    #: what makes and stores it, and its kind ("zip")
    produce: Producer | None = None
    file_type: str = "pdf"
    #: the content depends on what the asker may see (an evidence pack holds only the files
    #: the asker may see): it is reused for, listed to and downloaded by only who asked for it
    personal: bool = False

    def may(self, user: User, request: ReportRequest) -> bool:
        """Whether the user may generate (and download) this report with these parameters."""
        if self.allowed is not None:
            return self.allowed(user, request)
        if self.record is not None:
            return may_view_record(user, request)
        return may_report_on(user, request)


_types: dict[str, ReportType] = {}


def register_report_type(report_type: ReportType) -> None:
    """Make a report type available in the portal. Registering the same key again replaces
    it (create_app runs many times in one process)."""
    _types[report_type.key] = report_type


def report_type(key: str) -> ReportType | None:
    return _types.get(key)


def report_types() -> list[ReportType]:
    return sorted(_types.values(), key=lambda t: (t.order, t.key))
