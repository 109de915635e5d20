"""Benchmark of the pages and API lists at national scale (a measurement, not a test).

    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
        [--cities 20] [--agencies 40] [--small-cities 1] [--small-agencies 10]
        [--requests 10] [--clients 16] [--workers 2] [--reuse] [--only TEXT] [--path PATH]
        [--markdown]

Builds two datasets (bench/dataset.py) in PostgreSQL databases beside the one given
(`<name>_bench_large`: --cities × --agencies, by default 20 × 40 as BSN's national view sees
it; `<name>_bench_small`: 1 city × 10 agencies), each through the migrations; --reuse keeps a
dataset already built by an earlier run. For each dataset the app runs under gunicorn
(--workers sync workers, QMS_QUERY_STATS=1 so that each response tells its SQL statements and
their time) and every main page and API list in PAGES is requested, as each role that uses it:
--requests times one after another (p50, p95 at 1 client), then by --clients clients at once
(p95). Printed per page and role: p50 and p95 at 1 client and p95 at 16 on the large dataset,
its p50 on the small one and the ratio, the queries on both (they must be equal), the bytes,
and `app/SQL`, the page's time over its own SQL time; last, each gunicorn worker's resident
memory after the run."""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

from bench.dataset import PASSWORD, build_dataset, login_email  # noqa: E402
from qms import create_app  # noqa: E402
from qms.accounts.authentication import issue_token  # noqa: E402
from qms.accounts.models import User  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.organisations.models import City  # noqa: E402

#: who logs in: the BSN reviewer (every city), and the first city's administrator,
#: cooperative office officer and first agency's quality officer
ROLES = ("reviewer", "admin", "koperasi", "mutu")

#: (path, roles that request it); API paths are called with the role's token
PAGES: list[tuple[str, tuple[str, ...]]] = [
    ("/", ROLES),
    ("/agencies", ("reviewer", "admin", "mutu")),
    ("/documents/", ("reviewer", "admin", "mutu")),
    ("/audits/", ("reviewer", "admin", "mutu")),
    ("/audits/compliance", ("reviewer", "admin")),
    ("/capa/", ("reviewer", "admin", "mutu")),
    ("/capa/complaints", ("reviewer", "admin", "mutu")),
    ("/capa/dashboard", ("reviewer", "admin", "mutu")),
    ("/planning/objectives", ("reviewer", "mutu")),
    ("/planning/risks", ("reviewer", "mutu")),
    ("/skm/", ("reviewer", "mutu")),
    ("/review/", ("reviewer", "mutu")),
    ("/support/instruments", ("reviewer", "mutu")),
    ("/sme/businesses", ("reviewer", "koperasi")),
    ("/sme/pathways", ("reviewer", "koperasi")),
    ("/sme/dashboard", ("reviewer", "koperasi")),
    ("/reports/", ("reviewer", "admin")),
    ("/users", ("admin",)),
    ("/api/v1/agencies", ("reviewer",)),
    ("/api/v1/documents", ("reviewer", "mutu")),
    ("/api/v1/audits", ("reviewer", "admin")),
    ("/api/v1/nonconformities", ("reviewer", "mutu")),
    ("/api/v1/complaints", ("reviewer", "mutu")),
    ("/api/v1/sme/businesses", ("reviewer", "koperasi")),
    ("/api/v1/sme/pathways", ("reviewer", "koperasi")),
]


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    queries: int = 0
    sql_ms: list[float] = field(default_factory=list)
    size: int = 0
    status: int = 0

    def p(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Client:
    """One logged-in user: a session cookie for the pages, a token for the API."""

    def __init__(self, base: str, email: str, token: str) -> None:
        self.base = base
        self.token = token
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.opener.open(f"{base}/login").read().decode()
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        body = urllib.parse.urlencode(
            {"email": email, "password": PASSWORD, "csrf_token": csrf.group(1) if csrf else ""}
        ).encode()
        landed = self.opener.open(f"{base}/login", data=body)
        if "/login" in landed.geturl():
            raise RuntimeError(f"{email} could not log in")

    def get(self, path: str, sample: Sample) -> None:
        request = urllib.request.Request(self.base + path)
        if path.startswith("/api/"):
            request.add_header("Authorization", f"Bearer {self.token}")
        started = time.perf_counter()
        try:
            response = self.opener.open(request)
        except urllib.error.HTTPError as refused:
            response = refused
        body = response.read()
        sample.seconds.append(time.perf_counter() - started)
        sample.status = response.status
        sample.size = len(body)
        sample.queries = int(response.headers.get("X-Query-Count") or 0)
        sample.sql_ms.append(float(response.headers.get("X-Query-Time") or 0))


def _database(base_url: str, suffix: str, reuse: bool) -> tuple[str, bool]:
    """The URL of the benchmark database beside the given one, and whether it must be built."""
    url = make_url(base_url)
    name = f"{url.database}_bench_{suffix}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if exists and not reuse:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if not exists or not reuse:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), not (exists and reuse)


def prepare(url: str, build: bool, cities: int, agencies: int, uploads: str) -> dict[str, str]:
    """Migrate the database (a reused one to the migrations of this checkout), fill it unless
    reused, and give each role an API token."""
    app = create_app(
        "development",
        {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": uploads, "SERVER_NAME": None},
    )
    with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"]):
        upgrade(directory=str(ROOT / "migrations"))
        if build:
            started = time.perf_counter()
            build_dataset(agencies, cities)
            print(f"dataset {cities} × {agencies}: {time.perf_counter() - started:.0f} s")
        elif not db.session.scalar(select(func.count(City.id))):
            sys.exit(f"{url} holds no dataset: run without --reuse")
        # the state autovacuum keeps a database in use in: fresh planner statistics (after a
        # bulk load the planner still counts tables as nearly empty and joins 40 000
        # nonconformities to their agencies by a nested loop: 1.2 s instead of 3 ms) and the
        # visibility map that lets counts be read from an index alone
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        first = db.session.scalar(select(City).order_by(City.id))
        tokens = {}
        for role in ROLES:
            email = login_email(role) if role == "reviewer" else login_email(role, first)
            user = db.session.scalar(select(User).where(User.email == email))
            tokens[email] = issue_token(user, "bench")[1]
        db.session.commit()
        db.engine.dispose()
    return tokens


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(url: str, workers: int, uploads: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "QMS_SECRET_KEY": "bench-only-secret-key",
        "QMS_QUERY_STATS": "1",
        "QMS_UPLOAD_DIR": uploads,
        "QMS_LOGIN_ADDRESS_LIMIT": "1000 per minute",
        "QMS_ENV": "development",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "qms:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/login", timeout=5)
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def worker_rss_mb(server: subprocess.Popen) -> list[float]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kib = re.search(r"VmRSS:\s+(\d+)", status)
        sizes.append(int(kib.group(1)) / 1024 if kib else 0.0)
    return sizes


def crowded(client: Client, path: str, args: argparse.Namespace) -> Sample:
    """The page requested by --clients clients at once, each --requests / 2 times."""
    crowd = Sample()
    with ThreadPoolExecutor(args.clients) as pool:
        for _ in range(args.clients * max(1, args.requests // 2)):
            pool.submit(client.get, path, crowd)
    return crowd


def run_pages(
    base: str, tokens: dict[str, str], args: argparse.Namespace, concurrent: bool
) -> dict[tuple[str, str], tuple[Sample, Sample | None]]:
    clients = {
        role: Client(base, email, token)
        for role, (email, token) in zip(ROLES, tokens.items(), strict=True)
    }
    results = {}
    for path, roles in PAGES:
        if (args.only and args.only not in path) or (args.path and args.path != path):
            continue
        for role in roles:
            client = clients[role]
            client.get(path, Sample())  # warm up
            alone = Sample()
            for _ in range(args.requests):
                client.get(path, alone)
            crowd = crowded(client, path, args) if concurrent else None
            results[(path, role)] = (alone, crowd)
    return results


def measure(
    label: str, url: str, build: bool, cities: int, agencies: int, args, concurrent: bool
) -> tuple[dict, list[float]]:
    with tempfile.TemporaryDirectory(prefix="qms-bench-") as uploads:
        tokens = prepare(url, build, cities, agencies, uploads)
        server, base = serve(url, args.workers, uploads)
        try:
            print(f"measuring the {label} dataset ({cities} × {agencies})", flush=True)
            results = run_pages(base, tokens, args, concurrent)
            rss = worker_rss_mb(server)
        finally:
            server.terminate()
            server.wait()
    return results, rss


def report(large: dict, small: dict, rss: list[float], args) -> None:
    head = (
        "page",
        "role",
        "p50 ms",
        "p95 ms",
        f"p95@{args.clients}",
        "small p50",
        "ratio",
        "queries",
        "small q",
        "KB",
        "app/SQL",
        "status",
    )
    rows = []
    for key, (alone, crowd) in large.items():
        path, role = key
        small_alone = small[key][0] if key in small else None
        p50 = alone.p(0.5) * 1000
        sql = statistics.median(alone.sql_ms) or 0.001
        rows.append(
            (
                path,
                role,
                f"{p50:.0f}",
                f"{alone.p(0.95) * 1000:.0f}",
                f"{crowd.p(0.95) * 1000:.0f}" if crowd else "",
                f"{small_alone.p(0.5) * 1000:.0f}" if small_alone else "",
                f"{p50 / (small_alone.p(0.5) * 1000):.1f}" if small_alone else "",
                str(alone.queries),
                str(small_alone.queries) if small_alone else "",
                f"{alone.size / 1024:.0f}",
                f"{p50 / sql:.1f}",
                str(alone.status),
            )
        )
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            print("  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)))
    print(f"\ngunicorn workers' RSS after the run: {', '.join(f'{m:.0f} MB' for m in rss)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database URL")
    parser.add_argument("--cities", type=int, default=20)
    parser.add_argument("--agencies", type=int, default=40)
    parser.add_argument("--small-cities", type=int, default=1)
    parser.add_argument("--small-agencies", type=int, default=10)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep datasets already built")
    parser.add_argument("--only", default="", help="only the paths containing this text")
    parser.add_argument("--path", default="", help="only this path (e.g. / for the home pages)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()

    small_url, build_small = _database(args.database_url, "small", args.reuse)
    large_url, build_large = _database(args.database_url, "large", args.reuse)
    small, _rss = measure(
        "small", small_url, build_small, args.small_cities, args.small_agencies, args, False
    )
    large, rss = measure("large", large_url, build_large, args.cities, args.agencies, args, True)
    report(large, small, rss, args)


if __name__ == "__main__":
    main()
