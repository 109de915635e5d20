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
  - serial: app again with the parts of a long report rendered one after another in this
    process (REPORT_PROCESSES=1), and the speed-up, serial / app;
the peak memory (max RSS) of one background render, run as the RQ worker runs it: in a forked
child process (rq's work horse) through qms.reports.jobs.render_job; and "archive ms", the
median time of asking for the same report again once archived (the data unchanged: served
from the archive without building its data).

The dataset is bench/dataset.py's (one city); each feature adds its reports to CASES.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import current_app  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.dataset import build_dataset  # noqa: E402
from qms import create_app  # noqa: E402
from qms.accounts.models import User  # noqa: E402
from qms.core.timeutil import utcnow  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.organisations.models import Agency, City  # noqa: E402
from qms.reports import archive, engine, jobs, portal  # noqa: E402
from qms.reports.fetcher import SafeURLFetcher, static_url  # noqa: E402
from qms.reports.models import GeneratedReport  # noqa: E402

OUT = ROOT / "bench" / "out"


#: (report key, parameters for portal.build_request apart from the city); "first agency"
#: is replaced by the dataset's first agency
CASES: list[tuple[str, dict]] = [
    ("city-directory", {}),
    ("agency-compliance", {"agency_id": "first agency"}),
    ("city-compliance-summary", {}),
]


def measure(key: str, params: dict, city: City, reviewer: User, runs: int) -> dict:
    if params.get("agency_id") == "first agency":
        params = {**params, "agency_id": db.session.scalar(select(func.min(Agency.id)))}
    rtype, req = portal.build_request(reviewer, key, city_id=city.id, **params)
    # a transient archive entry: the pipeline below stores nothing
    meta = GeneratedReport(
        ident="QMS-BENCH-000000-XXXXXX", requested_by=reviewer, created_at=utcnow()
    )
    wall: dict[str, list[float]] = {"app": [], "floor": [], "frozen": [], "serial": []}
    cpu: dict[str, list[float]] = {"app": [], "floor": [], "frozen": [], "serial": []}
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

    def serial() -> None:
        # the same pipeline with the parts of a long report rendered one after another
        configured = current_app.config["REPORT_PROCESSES"]
        current_app.config["REPORT_PROCESSES"] = 1
        try:
            pipeline()
        finally:
            current_app.config["REPORT_PROCESSES"] = configured

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
        timed("serial", serial)
        timed("floor", floor)
        timed("frozen", frozen_floor)
    peak_mb = background_peak_mb(rtype, req, reviewer)
    return {
        "serial": statistics.median(wall["serial"]),
        "app": statistics.median(wall["app"]),
        "floor": statistics.median(wall["floor"]),
        "frozen": statistics.median(wall["frozen"]),
        "app_cpu": statistics.median(cpu["app"]),
        "floor_cpu": statistics.median(cpu["floor"]),
        "data_cpu": statistics.median(data_cpu),
        "pages": statistics.median(pages),
        "peak_mb": peak_mb,
        "archived_ms": archived_ms(rtype, req, reviewer, runs),
    }


def archived_ms(rtype, req, reviewer: User, runs: int) -> float:
    """Milliseconds to ask again for the report just archived (the data unchanged): recognised
    by its change mark and served from the archive without building its data."""
    times = []
    for _ in range(max(runs, 10)):
        started = time.perf_counter()
        submission = archive.request_report(reviewer, rtype, req)
        times.append((time.perf_counter() - started) * 1000)
        if submission.needs_render:
            raise RuntimeError("an unchanged report was not served from the archive")
    db.session.rollback()
    return statistics.median(times)


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
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="processes rendering a long report's parts at once (0: one per core)",
    )
    parser.add_argument("--only", default="", help="only the reports whose key holds this")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="qms-bench-")
    url = args.database_url or f"sqlite:///{scratch.name}/bench.sqlite3"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": scratch.name,
            "SERVER_NAME": None,
            "REPORT_PROCESSES": args.processes,
        },
    )
    with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"]):
        db.create_all()
        if db.session.scalar(db.select(db.func.count(City.id))):
            sys.exit("The database is not empty: give an empty scratch database.")
        (city,), reviewer = build_dataset(args.agencies)
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
            "serial s",
            "speed-up",
            "archive ms",
        )
        print(
            "\n{:<24}{:>6}{:>9}{:>9}{:>10}{:>7}{:>10}{:>6}{:>8}{:>9}{:>10}{:>10}{:>12}".format(
                *header
            )
        )
        for key, params in CASES:
            if args.only not in key:
                continue
            result = measure(key, params, city, reviewer, args.runs)
            overhead = result["app"] / result["floor"] - 1
            cpu_overhead = result["app_cpu"] / result["floor_cpu"] - 1
            own = result["app"] / result["frozen"] - 1
            print(
                f"{key:<24}{result['pages']:>6.0f}{result['app']:>9.2f}{result['floor']:>9.2f}"
                f"{overhead:>10.0%}{cpu_overhead:>7.0%}{result['frozen']:>10.2f}{own:>6.0%}"
                f"{result['data_cpu']:>8.2f}{result['peak_mb']:>9.0f}{result['serial']:>10.2f}"
                f"{result['serial'] / result['app']:>10.2f}{result['archived_ms']:>12.1f}",
                flush=True,
            )
        print(f"\nmedians of {args.runs} runs, {args.agencies} agencies; HTML saved in {OUT}")
    scratch.cleanup()


if __name__ == "__main__":
    main()
