"""Factories and a small world (a city with agencies and one user per role) for the capa tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import factory

from qms.accounts.models import User
from qms.capa import operations, workflow
from qms.capa.models import Channel, Complaint, ComplaintStatus, Nonconformity
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.organisations.models import Agency, City
from tests.factories import AgencyFactory, Base, CityFactory, user_with_role
from tests.factories_support import qualify

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class World:
    city: City
    dukcapil: Agency
    rsud: Agency
    other_city_agency: Agency
    officer: User  # quality officer of Dukcapil
    officer2: User  # a second quality officer of Dukcapil
    rsud_officer: User
    auditor: User
    other_auditor: User
    admin: User  # city admin
    viewer: User  # management viewer of the city
    bsn: User
    stranger: User  # quality officer in another city


def make_world() -> World:
    city = CityFactory(code="KUPANG", name="Kota Kupang")
    dukcapil = AgencyFactory(city=city, code="DUKCAPIL", name="Dinas Dukcapil Kota Kupang")
    rsud = AgencyFactory(city=city, code="RSUD", name="RSUD S.K. Lerik")
    elsewhere = AgencyFactory(code="DISDUKCAPIL", name="Dinas Dukcapil Kota Lain")
    return World(
        city=city,
        dukcapil=dukcapil,
        rsud=rsud,
        other_city_agency=elsewhere,
        officer=user_with_role(Role.QUALITY_OFFICER, agency=dukcapil, name="Maria Bria"),
        officer2=user_with_role(Role.QUALITY_OFFICER, agency=dukcapil, name="Yosef Lay"),
        rsud_officer=user_with_role(Role.QUALITY_OFFICER, agency=rsud),
        auditor=_auditor(city, rsud, "Rosalina Manafe"),
        other_auditor=_auditor(city, rsud, "Frans Tefa"),
        admin=user_with_role(Role.CITY_ADMIN, city=city, name="Yohanes Ndun"),
        viewer=user_with_role(Role.MANAGEMENT_VIEWER, city=city),
        bsn=user_with_role(Role.BSN_REVIEWER),
        stranger=user_with_role(Role.QUALITY_OFFICER, agency=elsewhere),
    )


def _auditor(city: City, home: Agency, name: str) -> User:
    user = user_with_role(Role.INTERNAL_AUDITOR, agency=home, name=name)
    assert city.id in user.city_ids(Role.INTERNAL_AUDITOR)
    qualify(city, user)  # may lead an audit under the default ISO 19011 rule (qms.support)
    return user


def raise_nc(world: World, *, agency: Agency | None = None, grade: str = "major", **kw):
    values = {
        "agency": agency or world.dukcapil,
        "clause": "9.3",
        "requirement": "Tinjauan manajemen dilaksanakan terencana.",
        "evidence": "Tidak ada notulen RTM dalam 12 bulan terakhir.",
        "statement": "Tinjauan manajemen tidak dilaksanakan.",
        "grade": grade,
        "raised_by": world.auditor,
        "raised_on": date(2026, 3, 2),
        **kw,
    }
    return operations.raise_from_finding(**values)


def analysed(world: World, nc: Nonconformity, today: date) -> Nonconformity:
    workflow.transition(world.officer, nc, "record_correction", {"correction": "RTM dijadwalkan."})
    workflow.transition(
        world.officer,
        nc,
        "analyse_cause",
        {
            "why_steps": ["Belum dijadwalkan.", "Tidak ada kalender mutu."],
            "cause_category": "method",
            "root_cause": "Tidak ada program tahunan SMM.",
            "occurs_elsewhere": False,
        },
        today=today,
    )
    return nc


def planned(world: World, nc: Nonconformity, today: date, check_in: int = 30) -> Nonconformity:
    operations.add_action(
        world.officer,
        nc,
        {
            "kind": "corrective",
            "description": "Laksanakan RTM dengan masukan lengkap.",
            "owner": "Sekretaris Dinas",
            "due_date": today + timedelta(days=14),
        },
    )
    workflow.transition(
        world.officer,
        nc,
        "submit_plan",
        {"effectiveness_check_on": today + timedelta(days=check_in)},
        today=today,
    )
    return nc


def implemented(world: World, nc: Nonconformity, today: date) -> Nonconformity:
    workflow.transition(world.auditor, nc, "accept_plan", today=today)
    for action in nc.current_actions:
        operations.complete_action(
            world.officer, action, evidence=io.BytesIO(PDF), filename="notulen-rtm.pdf"
        )
    workflow.transition(world.officer, nc, "mark_implemented", today=today)
    return nc


class ComplaintFactory(Base):
    class Meta:
        model = Complaint

    agency = factory.SubFactory(AgencyFactory)
    channel = Channel.QLUE
    external_id = factory.Sequence(lambda n: f"QL-{n}")
    received_at = datetime(2026, 3, 1, 9)
    category = "Sampah"
    text = "Sampah belum diangkut."
    status = ComplaintStatus.WAITING


def walk_to_plan_submitted(world, nc: Nonconformity) -> None:
    """An audit finding's nonconformity taken by the audited agency's officer (world from
    tests.factories_audits) through correction and analysis to a submitted one-action plan."""
    workflow.transition(world.officer, nc, "record_correction", {"correction": "RTM dijadwalkan."})
    workflow.transition(
        world.officer,
        nc,
        "analyse_cause",
        {
            "why_steps": ["Belum dijadwalkan."],
            "cause_category": "method",
            "root_cause": "Tidak ada kalender mutu.",
            "occurs_elsewhere": False,
        },
    )
    operations.add_action(
        world.officer,
        nc,
        {"description": "RTM", "owner": "Sekretaris Dinas", "due_date": local_today()},
    )
    workflow.transition(world.officer, nc, "submit_plan", {"effectiveness_check_on": local_today()})
