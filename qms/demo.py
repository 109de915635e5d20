"""Kota Kupang demo data: the city, its agencies (DOMAIN.md §6), units and one account per role.
Running it again changes nothing; features add their own demo data through the registry."""

from __future__ import annotations

from sqlalchemy import func, select

from qms.accounts import operations
from qms.accounts.models import User
from qms.core.history import acting_as
from qms.core.registry import demo_seeders
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, AgencyKind, City, CityKind, Unit, UnitKind

DEMO_PASSWORD = "Demo-Kupang-2026"
CITY_CODE = "KUPANG"

AGENCIES: list[tuple[str, str, AgencyKind, str]] = [
    (
        "SETDA",
        "Sekretariat Daerah Kota Kupang",
        AgencyKind.SEKRETARIAT,
        "Jl. S.K. Lerik, Kelapa Lima",
    ),
    ("RSUD", "RSUD S.K. Lerik Kota Kupang", AgencyKind.RSUD, "Jl. Timor Raya, Kelapa Lima"),
    ("BAKEUDA", "Badan Keuangan Daerah Kota Kupang", AgencyKind.BADAN, "Jl. S.K. Lerik"),
    ("BAPENDA", "Badan Pendapatan Daerah Kota Kupang", AgencyKind.BADAN, "Jl. S.K. Lerik"),
    (
        "DUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil Kota Kupang",
        AgencyKind.DINAS,
        "Jl. Eltari II, Oebobo",
    ),
    (
        "KOPUKM",
        "Dinas Koperasi, Usaha Kecil dan Menengah Kota Kupang",
        AgencyKind.DINAS,
        "Jl. Palapa, Oebobo",
    ),
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Kupang",
        AgencyKind.DINAS,
        "Mal Pelayanan Publik, Jl. Frans Seda",
    ),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika Kota Kupang", AgencyKind.DINAS, ""),
    ("DINKES", "Dinas Kesehatan Kota Kupang", AgencyKind.DINAS, ""),
    ("DIKBUD", "Dinas Pendidikan dan Kebudayaan Kota Kupang", AgencyKind.DINAS, ""),
    ("DINSOS", "Dinas Sosial Kota Kupang", AgencyKind.DINAS, ""),
    ("DISHUB", "Dinas Perhubungan Kota Kupang", AgencyKind.DINAS, ""),
    ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang Kota Kupang", AgencyKind.DINAS, ""),
    ("DLHK", "Dinas Lingkungan Hidup dan Kebersihan Kota Kupang", AgencyKind.DINAS, ""),
    ("DAMKAR", "Dinas Pemadam Kebakaran Kota Kupang", AgencyKind.DINAS, ""),
    ("DISPAR", "Dinas Pariwisata Kota Kupang", AgencyKind.DINAS, ""),
    ("SATPOLPP", "Satuan Polisi Pamong Praja Kota Kupang", AgencyKind.SATPOL, ""),
    ("PKM-OESAPA", "Puskesmas Oesapa", AgencyKind.PUSKESMAS, "Oesapa, Kelapa Lima"),
    ("PKM-BAKUNASE", "Puskesmas Bakunase", AgencyKind.PUSKESMAS, "Bakunase, Kota Raja"),
] + [
    (f"KEC-{name.upper().replace(' ', '')}", f"Kecamatan {name}", AgencyKind.KECAMATAN, "")
    for name in ("Alak", "Kelapa Lima", "Kota Lama", "Kota Raja", "Maulafa", "Oebobo")
]

UNITS: dict[str, list[tuple[str, UnitKind, str | None]]] = {
    "SETDA": [
        ("Bagian Organisasi", UnitKind.BAGIAN, None),
        ("Bagian Protokol dan Komunikasi Pimpinan", UnitKind.BAGIAN, None),
    ],
    "DUKCAPIL": [
        ("Bidang Pelayanan Pendaftaran Penduduk", UnitKind.BIDANG, None),
        ("Seksi Identitas Penduduk", UnitKind.SEKSI, "Bidang Pelayanan Pendaftaran Penduduk"),
        ("Bidang Pelayanan Pencatatan Sipil", UnitKind.BIDANG, None),
    ],
    "RSUD": [
        ("Instalasi Gawat Darurat", UnitKind.INSTALASI, None),
        ("Instalasi Rawat Jalan", UnitKind.INSTALASI, None),
        ("Instalasi Laboratorium", UnitKind.INSTALASI, None),
    ],
    "BAKEUDA": [
        ("Bidang Perbendaharaan", UnitKind.BIDANG, None),
        ("Bidang Akuntansi", UnitKind.BIDANG, None),
    ],
    "KOPUKM": [("Bidang Usaha Mikro", UnitKind.BIDANG, None)],
}

#: (email, name, role, agency code for agency roles)
ACCOUNTS: list[tuple[str, str, Role, str | None]] = [
    ("sysadmin@demo.qms.id", "Administrator Sistem", Role.SYSTEM_ADMIN, None),
    ("admin.kupang@demo.qms.id", "Yohanes Ndun (Admin Kota)", Role.CITY_ADMIN, None),
    ("mutu.dukcapil@demo.qms.id", "Maria Bria (Mutu Dukcapil)", Role.QUALITY_OFFICER, "DUKCAPIL"),
    ("mutu.rsud@demo.qms.id", "dr. Agustina Fanggi (Mutu RSUD)", Role.QUALITY_OFFICER, "RSUD"),
    (
        "kepala.dukcapil@demo.qms.id",
        "Drs. Stefanus Mau (Kepala Dinas Dukcapil)",
        Role.AGENCY_HEAD,
        "DUKCAPIL",
    ),
    ("kepala.rsud@demo.qms.id", "dr. Yohana Lerik (Direktur RSUD)", Role.AGENCY_HEAD, "RSUD"),
    ("kepala.setda@demo.qms.id", "Sekretaris Daerah (Kepala Setda)", Role.AGENCY_HEAD, "SETDA"),
    (
        "auditor.bakeuda@demo.qms.id",
        "Frans Tefa (Auditor, Bakeuda)",
        Role.INTERNAL_AUDITOR,
        "BAKEUDA",
    ),
    (
        "auditor.setda@demo.qms.id",
        "Rosalina Manafe (Auditor, Setda)",
        Role.INTERNAL_AUDITOR,
        "SETDA",
    ),
    (
        "auditor.dukcapil@demo.qms.id",
        "Petrus Lado (Auditor, Dukcapil)",
        Role.INTERNAL_AUDITOR,
        "DUKCAPIL",
    ),
    ("koperasi@demo.qms.id", "Yuliana Sabu (Dinas Koperasi UKM)", Role.COOP_OFFICER, None),
    ("reviewer@bsn.demo.qms.id", "Reviewer BSN", Role.BSN_REVIEWER, None),
    ("pimpinan.kupang@demo.qms.id", "Sekda Kota Kupang (Pimpinan)", Role.MANAGEMENT_VIEWER, None),
]


def _city() -> City:
    city = db.session.scalar(select(City).where(City.code == CITY_CODE))
    if city is None:
        city = City(
            code=CITY_CODE, name="Kota Kupang", kind=CityKind.KOTA, province="Nusa Tenggara Timur"
        )
        db.session.add(city)
        db.session.flush()
    return city


def _agencies(city: City) -> dict[str, Agency]:
    existing = {
        a.code: a for a in db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    }
    for code, name, kind, address in AGENCIES:
        if code not in existing:
            existing[code] = Agency(
                city_id=city.id, code=code, name=name, kind=kind, address=address
            )
            db.session.add(existing[code])
    existing["DUKCAPIL"].head_name = existing["DUKCAPIL"].head_name or "Kepala Dinas Dukcapil"
    db.session.flush()
    for code, units in UNITS.items():
        agency = existing[code]
        by_name = {
            u.name: u for u in db.session.scalars(select(Unit).where(Unit.agency_id == agency.id))
        }
        for name, kind, parent in units:
            if name not in by_name:
                by_name[name] = Unit(
                    agency_id=agency.id,
                    name=name,
                    kind=kind,
                    parent=by_name.get(parent) if parent else None,
                )
                db.session.add(by_name[name])
        db.session.flush()
    return existing


def _accounts(city: City, agencies: dict[str, Agency]) -> int:
    created = 0
    for email, name, role, agency_code in ACCOUNTS:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            user = operations.create_user(None, email=email, name=name, password=DEMO_PASSWORD)
            created += 1
        agency = agencies[agency_code] if agency_code else None
        if not any(a.role == role for a in user.roles):
            operations.assign_role(None, user, role, city=city, agency=agency)
    return created


def seed() -> dict[str, int]:
    with acting_as(None):
        city = _city()
        agencies = _agencies(city)
        created = _accounts(city, agencies)
        for _order, seeder in demo_seeders:
            seeder()
    return {"agencies": len(agencies), "new accounts": created}
