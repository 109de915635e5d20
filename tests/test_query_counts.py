"""The number of SQL statements a list page or an API list issues does not grow with the rows it
lists (an N+1 detector): each list is read at a small size and again after it has grown, for
each role that reads it, and the second count may not be higher than the first.

The lists are data (LISTS): adding a list is one line. Each size adds the same records to every
list (`grow`), in the agency and city the roles read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import event

from qms.audits import operations as audit_operations
from qms.capa import operations as capa_operations
from qms.core.mail import OutboxMessage
from qms.core.roles import Role
from qms.documents.models import DocumentType, RevisionState
from qms.extensions import db
from qms.planning import operations as plan_operations
from qms.planning.models import ContextIssue, InterestedParty
from qms.sme import operations as sme_operations
from qms.support import calibration, competence, providers
from tests.factories import (
    AgencyFactory,
    CityFactory,
    UnitFactory,
    UserFactory,
    user_with_role,
)
from tests.factories_audits import small_standard
from tests.factories_capa import ComplaintFactory
from tests.factories_documents import DocumentFactory, RevisionFactory
from tests.factories_plan import PlanWorld, make_objective, make_risk, make_survey, make_world
from tests.factories_reports import GeneratedReportFactory
from tests.factories_review import plan_review
from tests.factories_sme import BusinessFactory, honey, load_catalogue
from tests.factories_support import qualify

#: the roles that read the lists (attributes of the world)
BSN, ADMIN, OFFICER, COOP = "bsn", "admin", "officer", "coop"
PLAN_READERS = (BSN, ADMIN, OFFICER)


@dataclass(frozen=True)
class Listed:
    """A list: its address, and the roles that read it (web pages by login, /api/v1 by
    token)."""

    url: str
    roles: tuple[str, ...]
    #: `grow` adds rows to it
    filled: bool = True

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/v1")


LISTS = [
    # each role's home page, with its "waiting for you" card and its dashboard: the city
    # admin's draws the city summary, which `grow` fills with agencies
    Listed("/", (BSN, ADMIN, OFFICER, COOP)),
    # web pages
    Listed("/audits/", PLAN_READERS),
    Listed("/capa/", PLAN_READERS),
    Listed("/capa/complaints", PLAN_READERS),
    # a national reader's register narrowed to a city offers that city's agencies (`grow`
    # adds agencies to it)
    Listed("/capa/?city_id={city}", (BSN,)),
    Listed("/documents/?agency_id={agency}", (BSN,)),
    Listed("/capa/dashboard", PLAN_READERS),
    Listed("/documents/", PLAN_READERS),
    Listed("/planning/objectives", PLAN_READERS),
    Listed("/planning/risks", PLAN_READERS),
    Listed("/planning/context", PLAN_READERS),
    Listed("/skm/", PLAN_READERS),
    Listed("/review/", PLAN_READERS),
    Listed("/support/instruments", PLAN_READERS),
    Listed("/support/providers", PLAN_READERS),
    Listed("/support/competence", PLAN_READERS),
    Listed("/sme/businesses", (BSN, COOP)),
    Listed("/sme/pathways", (BSN, COOP)),
    Listed("/sme/guidance", (BSN, COOP)),
    Listed("/agencies", (BSN, ADMIN, OFFICER)),
    Listed("/cities", (BSN, ADMIN)),
    Listed("/users", (ADMIN,)),
    Listed("/outbox", (ADMIN,)),
    Listed("/reports/", (BSN, ADMIN, OFFICER)),
    # the API's lists
    Listed("/api/v1/audits", (BSN, ADMIN, OFFICER)),
    Listed("/api/v1/audit-programmes", (BSN, ADMIN), filled=False),
    Listed("/api/v1/nonconformities", (BSN, ADMIN, OFFICER)),
    Listed("/api/v1/complaints", (BSN, ADMIN, OFFICER)),
    Listed("/api/v1/documents", (BSN, ADMIN, OFFICER)),
    Listed("/api/v1/objectives", (BSN, OFFICER)),
    Listed("/api/v1/risks", (BSN, OFFICER)),
    Listed("/api/v1/context-issues", (BSN, OFFICER)),
    Listed("/api/v1/interested-parties", (BSN, OFFICER)),
    Listed("/api/v1/skm/surveys", (BSN, OFFICER)),
    Listed("/api/v1/management-reviews", (BSN, OFFICER)),
    Listed("/api/v1/instruments", (BSN, OFFICER)),
    Listed("/api/v1/providers", (BSN, OFFICER)),
    Listed("/api/v1/positions", (BSN, OFFICER)),
    Listed("/api/v1/staff", (BSN, OFFICER)),
    Listed("/api/v1/sme/businesses", (BSN, COOP)),
    Listed("/api/v1/sme/products", (BSN, COOP)),
    Listed("/api/v1/sme/pathways", (BSN, COOP)),
    Listed("/api/v1/sme/trainings", (BSN, COOP)),
    Listed("/api/v1/agencies", (BSN, ADMIN)),
    Listed("/api/v1/cities", (BSN, ADMIN)),
    Listed("/api/v1/auditor-qualifications", (BSN, ADMIN)),
    Listed("/api/v1/auditor-evaluations", (BSN, ADMIN), filled=False),
    Listed("/support/auditors", (BSN, ADMIN)),
    Listed("/audits/compliance", (BSN, ADMIN, OFFICER)),
    # the header's search, its results paged (objectives "Sasaran n", risks "Risiko n"…)
    Listed("/search?q=Sasaran", PLAN_READERS),
    Listed("/search?q=Risiko", PLAN_READERS),
]

#: the sizes compared: rows per list at first, then after growing
SMALL, LARGE = 3, 12


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs meanwhile."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def grow(world: PlanWorld, extra: dict, start: int, count: int) -> None:
    """`count` more records in every list, numbered from `start`: every other one in a new
    agency of the city (a list that loads each row's agency by itself shows it), the others in
    the officer's agency."""
    city = world.city
    for n in range(start, start + count):
        day = date(2026, 1, 1) + timedelta(days=n)
        agency = world.agency if n % 2 else AgencyFactory(city=city)
        # the city admin writes in every agency of the city (the factories write as `officer`)
        unit = world.unit if agency is world.agency else UnitFactory(agency=agency)
        here = replace(world, officer=world.admin, agency=agency, unit=unit)
        audit_operations.create_audit(
            world.admin,
            {
                "agency_id": agency.id,
                "standard_id": extra["standard"].id,
                "kind": "internal",
                "planned_start": day,
                "planned_end": day,
                "scope_clauses": ["7.5", "8"],
                "objectives": f"Audit {n}",
                "lead_auditor_id": None,
            },
        )
        capa_operations.raise_from_finding(
            agency=agency,
            clause="9.3",
            requirement="Tinjauan manajemen dilaksanakan terencana.",
            evidence=f"Bukti {n}",
            statement=f"Ketidaksesuaian {n}",
            grade="minor",
            raised_by=world.auditor,
            raised_on=day,
        )
        ComplaintFactory(agency=agency, received_at=datetime(2026, 1, 1, 9) + timedelta(days=n))
        DocumentFactory(agency=agency)
        # a work instruction awaiting approval: on the officer's card (they approve the type)
        RevisionFactory(
            document=DocumentFactory(agency=agency, doc_type=DocumentType.WORK_INSTRUCTION),
            state=RevisionState.IN_REVIEW,
            submitted_at=datetime(2026, 1, 1, 9) + timedelta(days=n),
        )
        make_objective(here, title=f"Sasaran {n}")
        make_risk(here, title=f"Risiko {n}")
        plan_operations.save_context(
            here.officer, ContextIssue, {"side": "external", "title": f"Isu {n}"}, agency=agency
        )
        plan_operations.save_context(
            here.officer,
            InterestedParty,
            {"side": "external", "name": f"Pihak {n}", "requirements": "Layanan cepat"},
            agency=agency,
        )
        make_survey(here, title=f"SKM {n}")
        plan_review(here, title=f"RTM {n}")
        calibration.create_instrument(
            here.officer,
            agency,
            {
                "identifier": f"ALAT-{n}",
                "description": "Sfigmomanometer digital",
                "interval_months": 12,
                "method": "laboratory",
                "laboratory": "LPFK Kupang",
                "kan_number": "LK-091-IDN",
            },
        )
        providers.save_provider(
            here.officer,
            {"name": f"CV Penyedia {n}", "kind": "service", "supplies": "Pemeliharaan"},
            agency=agency,
        )
        position = competence.save_position(
            here.officer,
            {"title": f"Jabatan {n}", "required_competences": "Sertifikasi Bendahara"},
            agency=agency,
        )
        competence.save_person(
            here.officer, {"name": f"Pegawai {n}", "position_id": position.id}, agency=agency
        )
        business = BusinessFactory(city=city)
        product = honey(business=business)
        pathway = sme_operations.open_pathway(
            world.coop, product, scheme="sni_bina_umk", scheme_type=None, started_on=day
        )
        assert pathway.id
        sme_operations.record_visit(
            world.coop, business, {"kind": "visit", "topics": "Higiene", "held_on": day}
        )
        sme_operations.create_training(
            world.coop,
            city,
            {"title": f"Pelatihan {n}", "held_on": day, "trainer": "BSN"},
            [business.id],
        )
        auditor = user_with_role(Role.INTERNAL_AUDITOR, agency=world.other)
        qualify(city, auditor)
        CityFactory()
        GeneratedReportFactory(city=city, requested_by=UserFactory())
        db.session.add(
            OutboxMessage(key=f"test-{n}", to=world.admin.email, subject=f"Pesan {n}", body="Isi")
        )
    db.session.commit()


def counts(client, auth, api, world: PlanWorld, web_app: Flask) -> dict[tuple[str, str], int]:
    """The statements of each list, per role that reads it."""
    found: dict[tuple[str, str], int] = {}
    for role in (BSN, ADMIN, OFFICER, COOP):
        user = getattr(world, role)
        auth.login(user)
        api.as_user(user)
        for listed in LISTS:
            if role not in listed.roles:
                continue
            # `{city}`, `{agency}` in an address: the world's (a register narrowed to it)
            url = listed.url.format(city=world.city.id, agency=world.agency.id)
            with counted(web_app) as statements:
                if listed.is_api:
                    response = api.get(url.removeprefix("/api/v1"))
                else:
                    response = client.get(url)
            assert response.status_code == 200, (listed.url, role, response.status_code)
            if listed.is_api and listed.filled and role == listed.roles[0]:
                # the rows counted are there (the first role named reads them all)
                assert response.json["total"] > 0, (listed.url, role)
            found[(listed.url, role)] = len(statements)
        auth.logout()
    return found


@pytest.fixture
def world(app) -> tuple[PlanWorld, dict]:
    load_catalogue()
    world = make_world()
    extra = {"standard": small_standard()}
    db.session.commit()
    return world, extra


def test_list_queries_do_not_grow_with_the_rows(world, client, auth, api, web_app):
    plan_world, extra = world
    grow(plan_world, extra, 0, SMALL)
    small = counts(client, auth, api, plan_world, web_app)
    grow(plan_world, extra, SMALL, LARGE - SMALL)
    large = counts(client, auth, api, plan_world, web_app)
    report = "\n".join(
        f"{url:40} {role:8} {small[url, role]:4} → {large[url, role]:4}" for url, role in small
    )
    print(f"\nstatements per list, {SMALL} → {LARGE} rows:\n{report}")
    grown = {key: (small[key], large[key]) for key in small if large[key] > small[key]}
    assert not grown, f"queries grow with the rows: {grown}\n{report}"
