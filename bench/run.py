"""Benchmark of the PDF reports (a measurement, not a test).

    .venv/bin/python bench/run.py [--runs 5] [--agencies 40] [--database-url URL]

Builds a city-sized dataset in a scratch database (a temporary SQLite file unless
--database-url names an EMPTY database), then, for every report case below, prints the medians
over --runs of:
  - app:   seconds for the whole in-process pipeline (queries, data, templating and charts,
           WeasyPrint), and the number of pages;
  - floor: seconds for WeasyPrint alone on the same HTML (saved to bench/out/<report>.html);
  - overhead: app / floor - 1, the app's own share on top of WeasyPrint;
and the peak memory (max RSS) of one background render, run as the RQ worker runs it: in a
forked child process (rq's work horse) through qms.reports.jobs.render_job.

Each feature adds its data to the dataset by appending a generator to GENERATORS (a function
(city, rng) -> None that creates its records for the city) and its reports to CASES.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qms import create_app  # noqa: E402
from qms.accounts.models import Role, RoleAssignment, User  # noqa: E402
from qms.core.timeutil import utcnow  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.organisations.models import Agency, AgencyKind, City, CityKind, Unit, UnitKind  # noqa: E402
from qms.reports import engine, jobs, services  # noqa: E402
from qms.reports.fetcher import SafeURLFetcher, static_url  # noqa: E402
from qms.reports.models import GeneratedReport  # noqa: E402

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


#: (name, generator(city, rng, agencies)): features append theirs (audits, CAPA, businesses...)
GENERATORS: list[tuple[str, Callable[[City, random.Random, int], None]]] = [
    ("foundation", foundation),
]

#: (report key, parameters for services.build_request apart from the city)
CASES: list[tuple[str, dict]] = [
    ("city-directory", {}),
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
    rtype, req = services.build_request(reviewer, key, city_id=city.id, **params)
    # a transient archive entry: the pipeline below stores nothing
    meta = GeneratedReport(
        ident="QMS-BENCH-000000-XXXXXX", requested_by=reviewer, created_at=utcnow()
    )
    app_times, floor_times, pages = [], [], []
    html = ""
    for _ in range(runs):
        started = time.perf_counter()
        data = services.build_data(rtype, req)
        html = engine.render_html(
            rtype, req, data, report=meta, verify_url="https://qms.example/verify/x"
        )
        pdf = engine.render_pdf(html)
        app_times.append(time.perf_counter() - started)
        pages.append(pdf.pages)
    OUT.mkdir(parents=True, exist_ok=True)
    saved = OUT / f"{key}.html"
    saved.write_text(html, encoding="utf-8")
    import weasyprint

    for _ in range(runs):
        started = time.perf_counter()
        weasyprint.HTML(
            string=saved.read_text(encoding="utf-8"),
            base_url=static_url(""),
            url_fetcher=SafeURLFetcher(ROOT / "static"),
        ).write_pdf()
        floor_times.append(time.perf_counter() - started)
    return {
        "app": statistics.median(app_times),
        "floor": statistics.median(floor_times),
        "pages": statistics.median(pages),
        "peak_mb": background_peak_mb(rtype, req, reviewer),
    }


def background_peak_mb(rtype, req, reviewer: User) -> float:
    """Render once as the RQ work horse does (a forked child running jobs.render_job) and
    return the child's peak resident memory."""
    submission = services.request_report(reviewer, rtype, req)
    db.session.commit()
    if not submission.needs_render:
        raise RuntimeError("the archive already holds this report: use an empty database")
    db.engine.dispose()  # the child opens its own connections
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            jobs.render_job(submission.report.id, submission.data or {})
        except BaseException:
            status = 1
        os._exit(status)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RuntimeError("the background render failed")
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


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
        header = ("report", "pages", "app s", "floor s", "overhead", "peak MB")
        print("\n{:<22}{:>6}{:>9}{:>9}{:>10}{:>9}".format(*header))
        for key, params in CASES:
            result = measure(key, params, city, reviewer, args.runs)
            overhead = result["app"] / result["floor"] - 1
            print(
                f"{key:<22}{result['pages']:>6.0f}{result['app']:>9.2f}{result['floor']:>9.2f}"
                f"{overhead:>10.0%}{result['peak_mb']:>9.0f}",
                flush=True,
            )
        print(f"\nmedians of {args.runs} runs, {args.agencies} agencies; HTML saved in {OUT}")
    scratch.cleanup()


if __name__ == "__main__":
    main()
