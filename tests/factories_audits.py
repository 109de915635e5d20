"""Factories for the audit tests: a small standard, an audit world with independent and
dependent auditors, and helpers that run an audit through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import factory

from qms.accounts.models import User
from qms.audits import operations, workflow
from qms.audits.models import Audit, AuditProgramme
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.standards.models import Clause, DocumentedInformation, Question, Standard
from tests.factories import AgencyFactory, Base, CityFactory, user_with_role
from tests.factories_support import qualify


class StandardFactory(Base):
    class Meta:
        model = Standard

    code = factory.Sequence(lambda n: f"TEST-9001-{n}")
    version = "2015"
    title_id = "Standar uji"
    title_en = "Test standard"
    source_file = "test.yaml"


class AuditProgrammeFactory(Base):
    class Meta:
        model = AuditProgramme

    city = factory.SubFactory(CityFactory)
    year = 2026
    title = factory.Sequence(lambda n: f"Program audit {n}")


def small_standard() -> Standard:
    """Clauses 7 > 7.5, 8 > 8.5, 9 > 9.3, each leaf with two questions."""
    standard = StandardFactory()
    position = 0
    for top, leaf in (("7", "7.5"), ("8", "8.5"), ("9", "9.3")):
        parent = Clause(
            standard_id=standard.id,
            number=top,
            title_id=f"Klausul {top}",
            title_en=f"Clause {top}",
            documented_information=DocumentedInformation.NONE,
            depth=0,
            position=position,
        )
        db.session.add(parent)
        db.session.flush()
        child = Clause(
            standard_id=standard.id,
            number=leaf,
            parent_id=parent.id,
            title_id=f"Klausul {leaf}",
            title_en=f"Clause {leaf}",
            documented_information=DocumentedInformation.MAINTAIN,
            depth=1,
            position=position + 1,
        )
        db.session.add(child)
        db.session.flush()
        for q in (1, 2):
            db.session.add(
                Question(
                    standard_id=standard.id,
                    clause_id=child.id,
                    key=f"{leaf}-0{q}",
                    text_id=f"Pertanyaan {leaf} nomor {q}?",
                    text_en=f"Question {leaf} {q}?",
                    evidence_id="Bukti",
                    evidence_en="Evidence",
                    position=q,
                )
            )
        position += 2
    db.session.flush()
    return standard


@dataclass
class World:
    city: City
    dukcapil: Agency
    bakeuda: Agency
    setda: Agency
    other_city_agency: Agency
    lead: User  # internal auditor, home agency Badan Keuangan Daerah
    member: User  # internal auditor, home agency Sekretariat Daerah
    dukcapil_auditor: User
    outsider_auditor: User  # internal auditor of another city
    officer: User  # quality officer of Dukcapil
    other_officer: User  # quality officer of Badan Keuangan Daerah
    city_admin: User
    reviewer: User
    viewer: User
    standard: Standard


def make_world(standard: Standard | None = None) -> World:
    city = CityFactory(code="KUPANG", name="Kota Kupang")
    dukcapil = AgencyFactory(city=city, code="DUKCAPIL", name="Dinas Dukcapil")
    bakeuda = AgencyFactory(city=city, code="BAKEUDA", name="Badan Keuangan Daerah")
    setda = AgencyFactory(city=city, code="SETDA", name="Sekretariat Daerah")
    elsewhere = AgencyFactory(code="DUKCAPIL")
    lead = user_with_role(Role.INTERNAL_AUDITOR, agency=bakeuda, name="Frans Tefa")
    member = user_with_role(Role.INTERNAL_AUDITOR, agency=setda, name="Rosalina Manafe")
    dukcapil_auditor = user_with_role(Role.INTERNAL_AUDITOR, agency=dukcapil, name="Petrus")
    outsider_auditor = user_with_role(Role.INTERNAL_AUDITOR, agency=elsewhere)
    # qualified under the default ISO 19011 rule (qms.support): they may lead and join
    qualify(city, lead, member, dukcapil_auditor)
    qualify(elsewhere.city, outsider_auditor)
    return World(
        city=city,
        dukcapil=dukcapil,
        bakeuda=bakeuda,
        setda=setda,
        other_city_agency=elsewhere,
        lead=lead,
        member=member,
        dukcapil_auditor=dukcapil_auditor,
        outsider_auditor=outsider_auditor,
        officer=user_with_role(Role.QUALITY_OFFICER, agency=dukcapil),
        other_officer=user_with_role(Role.QUALITY_OFFICER, agency=bakeuda),
        city_admin=user_with_role(Role.CITY_ADMIN, city=city),
        reviewer=user_with_role(Role.BSN_REVIEWER),
        viewer=user_with_role(Role.MANAGEMENT_VIEWER, city=city),
        standard=standard or small_standard(),
    )


def plan_audit(world: World, *, lead: User | None = None, **values) -> Audit:
    lead = world.lead if lead is None else lead
    data = {
        "agency_id": world.dukcapil.id,
        "standard_id": world.standard.id,
        "kind": "internal",
        "planned_start": date(2026, 10, 13),
        "planned_end": date(2026, 10, 14),
        "scope_clauses": ["7.5", "8", "9.3"],
        "objectives": "Menilai kesesuaian layanan KTP-el",
        "lead_auditor_id": lead.id if lead else None,
        **values,
    }
    return operations.create_audit(world.city_admin, data)


def started_audit(world: World) -> Audit:
    audit = plan_audit(world)
    operations.add_member(world.city_admin, audit, world.member.id)
    workflow.transition(world.lead, audit, "start")
    return audit


NC = {
    "result": "nonconform",
    "grade": "minor",
    "evidence": "SOP rev.01 di loket",
    "statement": "Dokumen kedaluwarsa digunakan",
}
