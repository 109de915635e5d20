"""The benchmarks' dataset: cities shaped like a real one (agencies with units and people,
five years of audits with their checklists and findings, nonconformities, complaints,
documents, small businesses on their certification pathways), inserted in bulk.

Each feature adds its data by appending a generator to GENERATORS (a function
(city, rng, agencies) -> None that creates its records for the city)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from werkzeug.security import generate_password_hash

from qms.accounts.models import RoleAssignment, User
from qms.audits import queries as audit_queries
from qms.audits.models import Audit, ChecklistRow, Finding
from qms.capa.models import Complaint, CorrectiveAction, Nonconformity
from qms.core.checklists import load_directory
from qms.core.roles import Role
from qms.core.timeutil import utcnow
from qms.core.workdays import Calendar
from qms.documents.models import Document, DocumentRevision
from qms.extensions import db
from qms.organisations.models import Agency, AgencyKind, City, CityKind, Unit, UnitKind
from qms.sme import catalogue as sme_catalogue
from qms.sme.models import Business, Pathway, Product
from qms.standards import queries as standard_queries

#: the password of the users who log in to the benchmarked app
PASSWORD = "Bench-Kupang-2026"


def foundation(city: City, rng: random.Random, agencies: int) -> None:
    """Agencies of every kind with nested units, quality officers and internal auditors; the
    city's administrator, its cooperative office's officer and the first agency's quality
    officer can log in (`login_email`, password PASSWORD)."""
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    for role, name in (
        (Role.CITY_ADMIN, "admin"),
        (Role.COOP_OFFICER, "koperasi"),
    ):
        user = User(email=login_email(name, city), name=f"{name} {city.code}")
        user.password_hash = password_hash
        user.roles.append(RoleAssignment(role=role, city=city))
        db.session.add(user)
    kinds = list(AgencyKind)
    for number in range(1, agencies + 1):
        agency = Agency(
            city=city,
            code=f"OPD{number:03d}",
            name=f"{rng.choice(['Dinas', 'Badan', 'Kecamatan', 'Puskesmas'])} Uji {number:03d}",
            kind=rng.choice(kinds),
            head_name=f"Kepala OPD {number:03d}",
            address=f"Jl. El Tari No. {number}, Kupang",
        )
        db.session.add(agency)
        if number == 1:
            officer = User(email=login_email("mutu", city), name=f"Mutu {city.code}")
            officer.password_hash = password_hash
            officer.roles.append(
                RoleAssignment(role=Role.QUALITY_OFFICER, city=city, agency=agency)
            )
            db.session.add(officer)
        for unit_number in range(1, rng.randint(4, 12)):
            parent = Unit(agency=agency, name=f"Bidang {unit_number}", kind=UnitKind.BIDANG)
            db.session.add(parent)
            for seksi in range(1, rng.randint(1, 3)):
                db.session.add(
                    Unit(agency=agency, parent=parent, name=f"Seksi {seksi}", kind=UnitKind.SEKSI)
                )
        roles = [Role.QUALITY_OFFICER] * rng.randint(0, 1) + [Role.INTERNAL_AUDITOR] * 2
        for index, role in enumerate(roles):
            user = User(
                email=f"{role}.{city.code.lower()}.{number}.{index}@bench.test",
                name=f"{role} {number}",
                password_hash="-",
            )
            user.roles.append(RoleAssignment(role=role, city=city, agency=agency))
            db.session.add(user)
    db.session.flush()


YEARS = range(2022, 2027)  # five years of audits
GRADE_KEYS = ("major", "minor", "observation", "ofi")
GRADE_RESULTS = {
    "major": "nonconform",
    "minor": "nonconform",
    "observation": "observation",
    "ofi": "opportunity",
}
CONFORM_RESULTS = ("conform",) * 12 + ("good_practice", "not_applicable", "not_audited")


def _bulk(model: type, rows: list[dict]) -> list[int]:
    """Insert rows in one statement each batch (no ORM events: the history is not needed
    here) and return their ids."""
    ids: list[int] = []
    for start in range(0, len(rows), 2000):
        ids += db.session.scalars(
            insert(model).returning(model.id), rows[start : start + 2000]
        ).all()
    return ids


def audits_and_capa(city: City, rng: random.Random, _agencies: int) -> None:
    """Two audits a year per agency for five years, each with a checklist of 60 rows and
    about 10 graded findings; a nonconformity with an action for each nonconformity finding;
    30 complaints a year per agency; 40 controlled documents per agency."""
    standard = audit_queries.default_standard()
    clauses = [c for c in standard_queries.current_clauses(standard) if c.depth > 0]
    agencies = list(db.session.scalars(select(Agency).where(Agency.city_id == city.id)))
    author = db.session.scalar(select(User).where(User.email == login_email("reviewer")))
    now = utcnow()
    audits = []
    for agency in agencies:
        for year in YEARS:
            for month in (3, 9):
                day = date(year, month, rng.randint(1, 25))
                audits.append(
                    {
                        "reference": f"AMI-{year}-{month:02d}-{city.code}-{agency.code}",
                        "agency_id": agency.id,
                        "standard_id": standard.id,
                        "kind": "internal",
                        "status": "closed" if year < 2026 else "reported",
                        "objectives": "Menilai kesesuaian SMM",
                        "planned_start": day,
                        "planned_end": day + timedelta(days=1),
                        "actual_start": day,
                        "actual_end": day + timedelta(days=1),
                        "reported_at": datetime.combine(
                            day + timedelta(days=10), datetime.min.time()
                        ),
                        "scope_clauses": [],
                        "scope_unit_ids": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                )
    audit_ids = _bulk(Audit, audits)
    rows, findings = [], []
    for audit_id, audit in zip(audit_ids, audits, strict=True):
        chosen = rng.sample(clauses, 60)
        graded = set(rng.sample(range(60), rng.randint(6, 14)))
        for position, clause in enumerate(chosen):
            grade = rng.choice(GRADE_KEYS) if position in graded else None
            rows.append(
                {
                    "audit_id": audit_id,
                    "position": position,
                    "clause_id": clause.id,
                    "text": "Apakah persyaratan dipenuhi?",
                    "result": GRADE_RESULTS[grade] if grade else rng.choice(CONFORM_RESULTS),
                    "notes": "",
                    "created_at": now,
                    "updated_at": now,
                    "_grade": grade,
                    "_reference": audit["reference"],
                    "_day": audit["actual_end"],
                }
            )
    row_ids = _bulk(
        ChecklistRow, [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    )
    seq: dict[int, int] = {}
    for row_id, row in zip(row_ids, rows, strict=True):
        if row["_grade"] is None:
            continue
        seq[row["audit_id"]] = seq.get(row["audit_id"], 0) + 1
        findings.append(
            {
                "audit_id": row["audit_id"],
                "row_id": row_id,
                "seq": seq[row["audit_id"]],
                "number": f"{row['_reference']}-F{seq[row['audit_id']]:02d}",
                "clause_id": row["clause_id"],
                "grade": row["_grade"],
                "requirement": "Persyaratan klausul",
                "evidence": "Bukti objektif dari sampel berkas",
                "statement": "Pernyataan temuan audit",
                "follow_up_required": row["_grade"] in ("major", "minor"),
                "due_date": row["_day"] + timedelta(days=60),
                "created_at": now,
                "updated_at": now,
                "_day": row["_day"],
            }
        )
    audit_agency = {i: a["agency_id"] for i, a in zip(audit_ids, audits, strict=True)}
    finding_ids = _bulk(
        Finding, [{k: v for k, v in f.items() if not k.startswith("_")} for f in findings]
    )
    ncs, counters = [], {}
    today = now.date()
    for finding_id, finding in zip(finding_ids, findings, strict=True):
        if finding["grade"] not in ("major", "minor"):
            continue
        agency_id = audit_agency[finding["audit_id"]]
        raised = finding["_day"]
        key = (agency_id, raised.year)
        counters[key] = counters.get(key, 0) + 1
        closed = raised.year < 2026 or rng.random() < 0.4
        ncs.append(
            {
                "number": f"KTS-{raised.year}-{agency_id:03d}-{counters[key]:03d}",
                "agency_id": agency_id,
                "year": raised.year,
                "sequence": counters[key],
                "status": "closed"
                if closed
                else rng.choice(("open", "plan_accepted", "implemented")),
                "source": "internal_audit",
                "finding_id": finding_id,
                "statement": "Ketidaksesuaian dari audit internal",
                "grade": finding["grade"],
                "raised_on": raised,
                "due_date": raised + timedelta(days=30 if finding["grade"] == "major" else 60),
                "closed_at": datetime.combine(
                    raised + timedelta(days=rng.randint(20, 120)), datetime.min.time()
                )
                if closed
                else None,
                "why_steps": [],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    nc_ids = _bulk(Nonconformity, ncs)
    _bulk(
        CorrectiveAction,
        [
            {
                "nonconformity_id": nc_id,
                "kind": "corrective",
                "description": "Revisi SOP dan sosialisasi kepada petugas",
                "owner": "Kepala Bidang",
                "due_date": nc["due_date"],
                "created_at": now,
                "updated_at": now,
            }
            for nc_id, nc in zip(nc_ids, ncs, strict=True)
        ],
    )
    complaints, documents = [], []
    calendar = Calendar()
    for agency in agencies:
        for year in YEARS:
            for n in range(30):
                received = datetime(year, rng.randint(1, 12), rng.randint(1, 28), 9)
                answered = rng.random() < 0.9
                responded = received + timedelta(days=rng.randint(0, 12)) if answered else None
                complaints.append(
                    {
                        "agency_id": agency.id,
                        "channel": rng.choice(("qlue", "lapor", "counter")),
                        "external_id": f"{city.code}-{agency.code}-{year}-{n}",
                        "received_at": received,
                        "category": "Pelayanan",
                        "text": "Antrean terlalu lama",
                        "status": "resolved" if answered else "waiting",
                        "responded_at": responded,
                        # inserted without ORM events: the working days counted here, with
                        # the national calendar (the bench city has no days off of its own)
                        "response_working_days": calendar.working_days_between(
                            received.date(), responded.date()
                        )
                        if responded
                        else None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for seq_no in range(1, 41):
            documents.append(
                {
                    "agency_id": agency.id,
                    "doc_type": "procedure",
                    "seq": seq_no,
                    "code": f"SOP-{agency.code}-{seq_no:03d}",
                    "title": f"SOP pelayanan nomor {seq_no}",
                    "review_period_months": 12,
                    "next_review_on": today + timedelta(days=rng.randint(-60, 300)),
                    "withdrawal_reason": "",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    _bulk(Complaint, complaints)
    document_ids = _bulk(Document, documents)
    revision_ids = _bulk(
        DocumentRevision,
        [
            {
                "document_id": i,
                "number": 1,
                "state": "effective",
                "change_summary": "Terbitan pertama",
                "author_id": author.id,
                "effective_on": today - timedelta(days=200),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for i in document_ids
        ],
    )
    db.session.execute(
        update(Document.__table__)
        .where(Document.__table__.c.id == bindparam("document_id"))
        .values(current_revision_id=bindparam("revision_id")),
        [
            {"document_id": d, "revision_id": r}
            for d, r in zip(document_ids, revision_ids, strict=True)
        ],
    )


def businesses(city: City, rng: random.Random, _agencies: int, count: int = 500) -> None:
    """500 small businesses with a product each, on a certification pathway at some stage."""
    standards = sme_catalogue.standards()
    now = utcnow()
    stages = (
        "registered",
        "readiness",
        "guidance",
        "documents_ready",
        "applied",
        "site_audit",
        "testing",
        "decision",
        "certified",
        "surveillance",
    )
    business_ids = _bulk(
        Business,
        [
            {
                "city_id": city.id,
                "name": f"UMK {city.code} {n:03d}",
                "owner_name": f"Pemilik {n}",
                "nib": f"9{city.id:03d}{n:09d}",
                "address": "Jl. Timor Raya",
                "kecamatan": rng.choice(("Alak", "Oebobo", "Maulafa", "Kelapa Lima")),
                "kelurahan": "Oesapa",
                "scale": rng.choice(("mikro", "kecil")),
                "workers": rng.randint(1, 20),
                "registered_on": date(2024, 1, 1) + timedelta(days=rng.randint(0, 700)),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )
    chosen = [rng.choice(standards) for _ in business_ids]
    product_ids = _bulk(
        Product,
        [
            {
                "city_id": city.id,
                "business_id": b,
                "name": "Produk olahan",
                "brand": "",
                "category": s.category.value,
                "standard_id": s.id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for b, s in zip(business_ids, chosen, strict=True)
        ],
    )
    _bulk(
        Pathway,
        [
            {
                "city_id": city.id,
                "product_id": p,
                "standard_id": s.id,
                "scheme": "sppt_sni",
                "stage": rng.choice(stages),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for p, s in zip(product_ids, chosen, strict=True)
        ],
    )


#: (name, generator(city, rng, agencies)): each feature's data
GENERATORS: list[tuple[str, Callable[[City, random.Random, int], None]]] = [
    ("foundation", foundation),
    ("audits, corrective actions, complaints, documents", audits_and_capa),
    ("small businesses", businesses),
]


def login_email(name: str, city: City | None = None) -> str:
    return f"{name}.{city.code.lower()}@bench.test" if city else f"{name}@bench.test"


def build_dataset(agencies: int, cities: int = 1) -> tuple[list[City], User]:
    """`cities` cities of `agencies` agencies each, every feature's data (GENERATORS) in each,
    and a BSN reviewer who can log in."""
    rng = random.Random(2026)
    load_directory(Path(current_app.config["CHECKLISTS_DIR"]))
    reviewer = User(email=login_email("reviewer"), name="Reviewer BSN")
    reviewer.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    reviewer.roles.append(RoleAssignment(role=Role.BSN_REVIEWER))
    db.session.add(reviewer)
    made = []
    spent: dict[str, float] = {}
    for number in range(1, cities + 1):
        city = City(
            code="BENCH" if cities == 1 else f"BENCH{number:02d}",
            name="Kota Bench" if cities == 1 else f"Kota Bench {number:02d}",
            kind=CityKind.KOTA,
            province="NTT",
        )
        db.session.add(city)
        db.session.flush()
        for name, generator in GENERATORS:
            started = time.perf_counter()
            generator(city, rng, agencies)
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        db.session.commit()
        made.append(city)
    for name, seconds in spent.items():
        print(f"dataset {name}: {seconds:.1f} s", flush=True)
    return made, reviewer
