"""The portal's side of a report: checking the parameters asked for against the report type and
the user's scope, and what the portal offers each user."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import PermissionDenied, ValidationFailed
from qms.core.readiness import first_of_each
from qms.extensions import db
from qms.organisations import queries as organisations
from qms.organisations.models import Agency, City
from qms.reports.registry import Need, ReportRequest, ReportType, report_type, report_types


def _known_type(key: str) -> ReportType:
    found = report_type(key or "")
    if found is None:
        raise ValidationFailed({"report": [str(_l("Choose a report."))]})
    return found


def _record_of(
    rtype: ReportType, user: User, city: City | None, record_id: int | None, reference: str
) -> Any:
    """The record a report is about, looked up by id (from its page) or by the reference
    typed in the portal; None when there is none the user may see (existence not revealed)."""
    kind = rtype.record
    assert kind is not None
    record = None
    if record_id:
        record = db.session.get(kind.model, record_id)
    elif reference.strip() and city is not None:
        record = kind.find(reference.strip(), city)
    return record if record is not None and access.can(user, access.VIEW, record) else None


def _checked_agency(
    rtype: ReportType, city: City | None, agency: Agency | None, errors: dict[str, list[str]]
) -> Agency | None:
    if rtype.agency is Need.NONE:
        return None
    if agency is None and rtype.agency is Need.REQUIRED:
        errors["agency"] = [str(_l("This report is about one agency: choose it."))]
    elif agency is not None and city is not None and agency.city_id != city.id:
        errors["agency"] = [str(_l("The agency does not belong to the chosen city."))]
    return agency


def takes_period(rtype: ReportType) -> bool:
    """A report about one record, or of a current state (the master list), has no period."""
    return rtype.record is None and rtype.period is not Need.NONE


def build_request(
    user: User,
    key: str,
    *,
    city_id: int | None,
    agency_id: int | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    locale: str = "id",
    record_id: int | None = None,
    record_reference: str = "",
) -> tuple[ReportType, ReportRequest]:
    """Check the parameters against the report type and the user's scope. A report about one
    record takes its city and agency from the record (by id, or by reference in the city)."""
    rtype = _known_type(key)
    errors: dict[str, list[str]] = {}
    city = db.session.get(City, city_id) if city_id else None
    agency = db.session.get(Agency, agency_id) if agency_id else None
    record = None
    if rtype.record is not None:
        record = _record_of(rtype, user, city, record_id, record_reference or "")
        if record is None:
            errors["record"] = [
                str(
                    _l(
                        "No %(what)s with this reference in the chosen city.",
                        what=str(rtype.record.label).lower(),
                    )
                )
            ]
        else:
            city, agency = rtype.record.owner(record)
    if city is None or not access.can(user, access.VIEW, city):
        errors.setdefault("city", [str(_l("Choose a city."))])
    if rtype.record is None:
        agency = _checked_agency(rtype, city, agency, errors)
    if not takes_period(rtype):
        if period_start or period_end:
            errors["period_start"] = [
                str(_l("This report takes no period: leave the period empty."))
            ]
        period_start = period_end = None
    elif rtype.period is Need.REQUIRED and not (period_start and period_end):
        errors["period_start"] = [
            str(_l("This report needs a period: give its first and last day."))
        ]
    if period_start and period_end and period_start > period_end:
        errors["period_end"] = [str(_l("The period ends before it starts."))]
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [str(_l("Choose a language."))]
    if errors:
        raise ValidationFailed(errors)
    request = ReportRequest(
        city=city,
        agency=agency,
        period_start=period_start,
        period_end=period_end,
        locale=locale,
        record=record,
        requested_by=user,
    )
    if not rtype.may(user, request):
        field = "record" if record is not None else "agency" if agency is not None else "city"
        raise PermissionDenied(
            _l("You may not generate this report for this city or agency."), field=field
        )
    return rtype, request


@dataclass(frozen=True)
class PortalScope:
    """What the portal offers a user: the report types they may generate somewhere, and the
    cities and agencies they may generate one of those for."""

    types: list[ReportType]
    cities: list[City]
    agencies: list[Agency]
    #: some offered type may be generated about a whole city (no agency chosen)
    whole_city: bool
    #: the user reads several cities: agencies are offered for the chosen one only
    city_first: bool = False
    chosen_city: City | None = None


def _candidates(
    rtype: ReportType, user: User, cities: list[City], agencies: list[Agency]
) -> Iterator[ReportRequest]:
    """The requests of this type the user could make in their scope: one per visible city
    and/or agency, as the type asks; for a report about a record, one about the first record
    the user sees (the portal cannot list every record)."""
    if rtype.record is not None:
        # the oldest, so the same record is judged however many are added
        kind = rtype.record
        record = db.session.scalars(
            access.scoped(kind.model, user)
            .options(kind.owner_loaded(kind.model))
            .order_by(kind.model.id)
            .limit(1)
        ).first()
        if record is not None:
            city, agency = rtype.record.owner(record)
            yield ReportRequest(city=city, agency=agency, record=record, requested_by=user)
        return
    if rtype.agency is not Need.REQUIRED:
        yield from (ReportRequest(city=city, requested_by=user) for city in cities)
    if rtype.agency is not Need.NONE:
        yield from (ReportRequest(city=a.city, agency=a, requested_by=user) for a in agencies)


def portal_scope(user: User, city_id: int | None = None) -> PortalScope:
    """The portal's choices, decided by each report type's own rule (ReportType.may), so the
    portal never offers what generating would refuse. A reader of several cities (BSN: every
    city, hundreds of agencies) is offered the agencies of the chosen city only; which types
    need an agency is then judged on the first agency of each city."""
    choices = organisations.agency_choices(user, city_id)
    visible_cities, offered = choices.cities, choices.agencies
    judged = offered + _first_agency_of_each_city(user) if choices.city_first else offered
    types: list[ReportType] = []
    city_ids: set[int] = set()
    agency_ids: set[int] = set()
    whole_city = False
    for rtype in report_types():
        allowed = [
            r for r in _candidates(rtype, user, visible_cities, judged) if rtype.may(user, r)
        ]
        if not allowed:
            continue
        types.append(rtype)
        if rtype.record is not None:
            # the record is looked up by its reference in the chosen city
            city_ids.update(c.id for c in visible_cities)
            continue
        for r in allowed:
            city_ids.add(r.city.id)
            if r.agency is not None:
                agency_ids.add(r.agency.id)
            else:
                whole_city = True
    return PortalScope(
        types=types,
        cities=[c for c in visible_cities if c.id in city_ids],
        agencies=[a for a in offered if a.id in agency_ids],
        whole_city=whole_city,
        city_first=choices.city_first,
        chosen_city=choices.city if choices.city_first else None,
    )


def _first_agency_of_each_city(user: User) -> list[Agency]:
    first = first_of_each(
        organisations.agencies_query(user).with_only_columns(Agency.id),
        Agency.city_id,
        Agency.name,
        Agency.id,
    )
    return list(
        db.session.scalars(
            select(Agency).options(joinedload(Agency.city)).where(Agency.id.in_(first))
        )
    )
