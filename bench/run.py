"""Benchmark of the PDF reports (a measurement, not a test).

    .venv/bin/python bench/run.py [--runs 5] [--agencies 40] [--database-url URL]

Builds a city-sized dataset in a scratch database (a temporary SQLite file unless
--database-url names an EMPTY database), then, for every report case below, prints the medians
over --runs of:
  - app:   seconds for the whole in-process pipeline (queries, data, templating and charts,
           WeasyPrint), and the number of pages;
  - floor: seconds for WeasyPrint alone on the same HTML (saved to bench/out/<report>.html);
  - overhead: app / floor - 1, the app's own share on top of WeasyPrint, in wall-clock
    seconds and (CPU) in the CPU seconds of this process, which other processes on a shared
    machine disturb less; app and floor runs alternate;
  - frozen: the floor again with the garbage collector's existing objects frozen, as the app
    renders (qms.reports.engine.render_pdf); own: app / frozen - 1, the app's own work;
  - data: CPU seconds of building the report's data (queries and figures), part of app;
and the peak memory (max RSS) of one background render, run as the RQ worker runs it: in a
forked child process (rq's work horse) through qms.reports.jobs.render_job.

Each feature adds its data to the dataset by appending a generator to GENERATORS (a function
(city, rng) -> None that creates its records for the city) and its reports to CASES.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import current_app  # noqa: E402
from sqlalchemy import bindparam, func, insert, select, update  # noqa: E402

from qms import create_app  # noqa: E402
from qms.accounts.models import RoleAssignment, User  # noqa: E402
from qms.audits import queries as audit_queries  # noqa: E402
from qms.audits.models import Audit, ChecklistRow, Finding  # noqa: E402
from qms.capa.models import Complaint, CorrectiveAction, Nonconformity  # noqa: E402
from qms.core.checklists import load_directory  # noqa: E402
from qms.core.roles import Role  # noqa: E402
from qms.core.timeutil import utcnow  # noqa: E402
from qms.core.workdays import Calendar  # noqa: E402
from qms.documents.models import Document, DocumentRevision  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.organisations.models import Agency, AgencyKind, City, CityKind, Unit, UnitKind  # noqa: E402
from qms.reports import archive, engine, jobs, portal  # noqa: E402
from qms.reports.fetcher import SafeURLFetcher, static_url  # noqa: E402
from qms.reports.models import GeneratedReport  # noqa: E402
from qms.sme import catalogue as sme_catalogue  # noqa: E402
from qms.sme.models import Business, Pathway, Product  # noqa: E402
from qms.standards import queries as standard_queries  # noqa: E402

OUT = ROOT / "bench" / "out"


def foundation(city: City, rng: random.Random, agencies: int) -> None:
    """Agencies of every kind with nested units, a quality officer and internal auditors."""
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
                email=f"{role}.{number}.{index}@bench.test",
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
    load_directory(Path(current_app.config["CHECKLISTS_DIR"]))
    standard = audit_queries.default_standard()
    clauses = [c for c in standard_queries.current_clauses(standard) if c.depth > 0]
    agencies = list(db.session.scalars(select(Agency).where(Agency.city_id == city.id)))
    author = db.session.scalar(select(User).where(User.email == "reviewer@bench.test"))
    now = utcnow()
    audits = []
    for agency in agencies:
        for year in YEARS:
            for month in (3, 9):
                day = date(year, month, rng.randint(1, 25))
                audits.append(
                    {
                        "reference": f"AMI-{year}-{month:02d}-{agency.code}",
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
                        "external_id": f"{agency.code}-{year}-{n}",
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
                "name": f"UMK Bench {n:03d}",
                "owner_name": f"Pemilik {n}",
                "nib": f"91{n:011d}",
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

#: (report key, parameters for portal.build_request apart from the city); "first agency"
#: is replaced by the dataset's first agency
CASES: list[tuple[str, dict]] = [
    ("city-directory", {}),
    ("agency-compliance", {"agency_id": "first agency"}),
    ("city-compliance-summary", {}),
]


def build_dataset(agencies: int) -> tuple[City, User]:
    rng = random.Random(2026)
    city = City(code="BENCH", name="Kota Bench", kind=CityKind.KOTA, province="NTT")
    db.session.add(city)
    reviewer = User(email="reviewer@bench.test", name="Reviewer BSN", password_hash="-")
    reviewer.roles.append(RoleAssignment(role=Role.BSN_REVIEWER))
    db.session.add(reviewer)
    db.session.flush()
    for name, generator in GENERATORS:
        started = time.perf_counter()
        generator(city, rng, agencies)
        print(f"dataset {name}: {time.perf_counter() - started:.1f} s", flush=True)
    db.session.commit()
    return city, reviewer


def measure(key: str, params: dict, city: City, reviewer: User, runs: int) -> dict:
    if params.get("agency_id") == "first agency":
        params = {**params, "agency_id": db.session.scalar(select(func.min(Agency.id)))}
    rtype, req = portal.build_request(reviewer, key, city_id=city.id, **params)
    # a transient archive entry: the pipeline below stores nothing
    meta = GeneratedReport(
        ident="QMS-BENCH-000000-XXXXXX", requested_by=reviewer, created_at=utcnow()
    )
    wall: dict[str, list[float]] = {"app": [], "floor": [], "frozen": []}
    cpu: dict[str, list[float]] = {"app": [], "floor": [], "frozen": []}
    data_cpu: list[float] = []
    pages = []
    saved: list[Path] = []
    import weasyprint

    def timed(kind: str, work: Callable[[], Any]) -> Any:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        wall[kind].append(time.perf_counter() - started)
        cpu[kind].append(time.process_time() - started_cpu)
        return result

    def pipeline() -> tuple[engine.RenderedPdf, list[str]]:
        started_cpu = time.process_time()
        data = archive.build_data(rtype, req)
        data_cpu.append(time.process_time() - started_cpu)
        return engine.render_report(
            rtype, req, data, report=meta, verify_url="https://qms.example/verify/x"
        )

    def floor() -> None:
        # each saved HTML (one, or one per part of a chunked report) rendered alone
        for path in saved:
            weasyprint.HTML(
                string=path.read_text(encoding="utf-8"),
                base_url=static_url(""),
                url_fetcher=SafeURLFetcher(ROOT / "static"),
            ).write_pdf()

    def frozen_floor() -> None:
        # the same, with the garbage collector's existing objects frozen as engine.render_pdf
        # freezes them: what is left between app and this floor is the app's own work
        gc.freeze()
        try:
            floor()
        finally:
            gc.unfreeze()

    # app and floor runs alternate, so that load from other processes on a shared machine
    # weighs on both alike
    for _ in range(runs):
        pdf, htmls = timed("app", pipeline)
        pages.append(pdf.pages)
        if not saved:
            OUT.mkdir(parents=True, exist_ok=True)
            for index, html in enumerate(htmls):
                path = OUT / f"{key}.{index}.html"
                path.write_text(html, encoding="utf-8")
                saved.append(path)
        timed("floor", floor)
        timed("frozen", frozen_floor)
    return {
        "app": statistics.median(wall["app"]),
        "floor": statistics.median(wall["floor"]),
        "frozen": statistics.median(wall["frozen"]),
        "app_cpu": statistics.median(cpu["app"]),
        "floor_cpu": statistics.median(cpu["floor"]),
        "data_cpu": statistics.median(data_cpu),
        "pages": statistics.median(pages),
        "peak_mb": background_peak_mb(rtype, req, reviewer),
    }


def background_peak_mb(rtype, req, reviewer: User) -> float:
    """Render once as the RQ work horse does (a forked child running jobs.render_job) and
    return the child's peak resident memory."""
    submission = archive.request_report(reviewer, rtype, req)
    db.session.commit()
    if not submission.needs_render:
        raise RuntimeError("the archive already holds this report: use an empty database")
    db.engine.dispose()  # the child opens its own connections
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        status = 0
        try:
            jobs.render_job(submission.report.id, submission.data or {})
        except BaseException:
            status = 1
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        os.write(write_end, str(peak_kib).encode())
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        peak_kib = int(pipe.read() or 0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RuntimeError("the background render failed")
    return peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--agencies", type=int, default=40)
    parser.add_argument("--database-url", default=None, help="an EMPTY scratch database")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="qms-bench-")
    url = args.database_url or f"sqlite:///{scratch.name}/bench.sqlite3"
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": scratch.name, "SERVER_NAME": None},
    )
    with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"]):
        db.create_all()
        if db.session.scalar(db.select(db.func.count(City.id))):
            sys.exit("The database is not empty: give an empty scratch database.")
        city, reviewer = build_dataset(args.agencies)
        header = (
            "report",
            "pages",
            "app s",
            "floor s",
            "overhead",
            "CPU",
            "frozen s",
            "own",
            "data s",
            "peak MB",
        )
        print("\n{:<24}{:>6}{:>9}{:>9}{:>10}{:>7}{:>10}{:>6}{:>8}{:>9}".format(*header))
        for key, params in CASES:
            result = measure(key, params, city, reviewer, args.runs)
            overhead = result["app"] / result["floor"] - 1
            cpu_overhead = result["app_cpu"] / result["floor_cpu"] - 1
            own = result["app"] / result["frozen"] - 1
            print(
                f"{key:<24}{result['pages']:>6.0f}{result['app']:>9.2f}{result['floor']:>9.2f}"
                f"{overhead:>10.0%}{cpu_overhead:>7.0%}{result['frozen']:>10.2f}{own:>6.0%}"
                f"{result['data_cpu']:>8.2f}{result['peak_mb']:>9.0f}",
                flush=True,
            )
        print(f"\nmedians of {args.runs} runs, {args.agencies} agencies; HTML saved in {OUT}")
    scratch.cleanup()


if __name__ == "__main__":
    main()
