"""A city with two agencies and everyone who may (or may not) read their Plan and Check, and
helpers for surveys, objectives and risks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from qms.accounts.models import User
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit
from qms.planning import measuring, operations
from qms.planning.models import Objective, Risk
from qms.skm import operations as skm_operations
from qms.skm import parsing
from qms.skm.models import Survey
from qms.skm.vocabulary import ELEMENTS, Channel
from tests.factories import AgencyFactory, CityFactory, UnitFactory, user_with_role

PERIOD = (date(2025, 1, 1), date(2025, 6, 30))


@dataclass
class PlanWorld:
    city: City
    agency: Agency
    unit: Unit
    other: Agency
    other_unit: Unit
    foreign: Agency
    officer: User
    other_officer: User
    admin: User
    auditor: User
    viewer: User
    bsn: User
    coop: User
    stranger: User

    @property
    def readers(self) -> list[User]:
        """Those who read the agency's plan and never write it."""
        return [self.auditor, self.viewer, self.bsn]


def make_world() -> PlanWorld:
    city = CityFactory()
    agency = AgencyFactory(city=city, code="DUKCAPIL", name="Dinas Dukcapil")
    other = AgencyFactory(city=city, code="RSUD", name="RSUD")
    foreign = AgencyFactory(code="DUKCAPIL")
    world = PlanWorld(
        city=city,
        agency=agency,
        unit=UnitFactory(agency=agency, name="Loket KTP-el"),
        other=other,
        other_unit=UnitFactory(agency=other, name="Rawat jalan"),
        foreign=foreign,
        officer=user_with_role(Role.QUALITY_OFFICER, agency=agency, name="Maria Bria"),
        other_officer=user_with_role(Role.QUALITY_OFFICER, agency=other, name="Agustina"),
        admin=user_with_role(Role.CITY_ADMIN, city=city, name="Yohanes Ndun"),
        auditor=user_with_role(Role.INTERNAL_AUDITOR, agency=other, name="Rosalina"),
        viewer=user_with_role(Role.MANAGEMENT_VIEWER, city=city, name="Sekda"),
        bsn=user_with_role(Role.BSN_REVIEWER, name="Reviewer BSN"),
        coop=user_with_role(Role.COOP_OFFICER, city=city, name="Koperasi"),
        stranger=user_with_role(Role.QUALITY_OFFICER, agency=foreign, name="Orang lain"),
    )
    db.session.flush()
    return world


def make_survey(world: PlanWorld, **values: Any) -> Survey:
    start, end = values.pop("period", PERIOD)
    return skm_operations.create_survey(
        world.officer,
        world.agency,
        {
            "unit_id": world.unit.id,
            "title": "SKM Loket KTP-el Semester I 2025",
            "period_start": start,
            "period_end": end,
            "population": values.pop("population", 1000),
            **values,
        },
    )


def survey_with(world: PlanWorld, tally: list[tuple[int, ...]], population: int) -> Survey:
    """A survey whose responses are the tally's rows (u1 … u9 each), all in its period."""
    survey = make_survey(world, population=population)
    rows = []
    for number, scores in enumerate(tally, start=1):
        raw = {"tanggal": "2025-03-10", **dict(zip(ELEMENTS, map(str, scores), strict=True))}
        row, errors = parsing.clean(number, raw, survey)
        assert not errors, errors
        rows.append(row)
    skm_operations.store_rows(survey, rows, Channel.FILE)
    db.session.flush()
    return survey


def make_objective(world: PlanWorld, **values: Any) -> Objective:
    return measuring.create_objective(
        world.officer,
        world.agency,
        {
            "year": 2025,
            "title": "KTP-el terbit dalam 1 hari",
            "indicator": "KTP-el terbit ≤ 1 hari",
            "unit": "percent",
            "target": Decimal("95"),
            "direction": "at_least",
            "frequency": "monthly",
            "responsible": "Kepala Seksi",
            "process": "Penerbitan KTP-el",
            **values,
        },
    )


def make_risk(world: PlanWorld, **values: Any) -> Risk:
    return operations.create_risk(
        world.officer,
        world.agency,
        {"title": "Gangguan jaringan SIAK", "likelihood": 4, "impact": 4, **values},
    )
