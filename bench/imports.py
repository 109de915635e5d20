"""Memory of spreadsheets out and in (a measurement, not a test).

    .venv/bin/python bench/imports.py [--rows 50000] [--database-url URL]

In a scratch database (a temporary SQLite file unless --database-url names an EMPTY database)
an agency gets --rows documents; then, each in a forked child process so that each has a peak
of its own, and at a tenth of the rows and at the full count:
  - export: the master list as an Excel workbook, as the export route writes it
    (qms.core.exports.export_response over the streamed master-list query), 1 agency;
  - preview: that workbook uploaded into an empty agency and every row checked with the
    proposed mapping (qms.imports.operations.upload + set_mapping: the report step, all rows
    read from the stored file, looked up in batches; nothing imported).
It prints, per step, the seconds, the workbook's size, the child's resident memory when the
step starts and its peak (ru_maxrss), and the peak of the Python heap (tracemalloc) over the
step when --tracemalloc is given (slower)."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_login import login_user  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from qms import create_app  # noqa: E402
from qms.accounts.models import RoleAssignment, User  # noqa: E402
from qms.core.exports import export_response  # noqa: E402
from qms.core.pagination import streamed  # noqa: E402
from qms.core.roles import Role  # noqa: E402
from qms.core.timeutil import utcnow  # noqa: E402
from qms.documents.models import Document, DocumentType  # noqa: E402
from qms.documents.queries import MASTER_LIST_COLUMNS, MasterListFilter, master_list_query  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.imports import operations  # noqa: E402
from qms.imports.registry import importer_for  # noqa: E402
from qms.organisations.models import Agency, AgencyKind, City, CityKind  # noqa: E402

TYPES = list(DocumentType)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def in_child(work: Callable[[], str], trace: bool) -> dict:
    """Run `work` in a forked child; its seconds, start and peak RSS, Python heap peak."""
    db.engine.dispose()  # the child opens its own connections
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        start_rss = _rss_mb()
        if trace:
            tracemalloc.start()
        began = time.perf_counter()
        note = work()
        seconds = time.perf_counter() - began
        heap = tracemalloc.get_traced_memory()[1] / 1_048_576 if trace else 0.0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        os.write(write_end, f"{seconds} {start_rss} {peak} {heap} {note}".encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        fields = pipe.read().split(" ", 4)
    _, status = os.waitpid(pid, 0)
    if status != 0 or len(fields) < 5:
        raise RuntimeError("the measured step failed")
    seconds, start, peak, heap = (float(f) for f in fields[:4])
    return {"seconds": seconds, "start": start, "peak": peak, "heap": heap, "note": fields[4]}


def seed(city: City, agency: Agency, rows: int) -> None:
    now = utcnow()
    batch = []
    for n in range(1, rows + 1):
        doc_type = TYPES[n % len(TYPES)]
        batch.append(
            {
                "agency_id": agency.id,
                "doc_type": doc_type,
                "seq": n,
                "code": f"DOK-{agency.code}-{n:05d}",
                "title": f"Prosedur pelayanan nomor {n} untuk pemohon di loket terpadu",
                "review_period_months": 12,
                "retention_years": 5,
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(Document), batch)
            batch = []
    if batch:
        db.session.execute(insert(Document), batch)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default=None, help="an EMPTY scratch database")
    parser.add_argument("--tracemalloc", action="store_true", help="also the Python heap's peak")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="qms-bench-")
    url = args.database_url or f"sqlite:///{scratch.name}/bench.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": scratch.name})
    workbook = Path(scratch.name) / "master-list.xlsx"
    print(f"\n{'step':<9}{'rows':>8}{'seconds':>9}{'file MB':>9}{'start MB':>10}{'peak MB':>9}"
          f"{'heap MB':>9}  note")  # fmt: skip
    with app.app_context(), app.test_request_context():
        db.create_all()
        city = City(code="BENCH", name="Kota Bench", kind=CityKind.KOTA, province="NTT")
        db.session.add(city)
        db.session.flush()
        admin = User(email="admin@bench.test", name="Admin", password_hash="x", locale="id")
        db.session.add(admin)
        db.session.flush()
        db.session.add(RoleAssignment(user=admin, role=Role.CITY_ADMIN, city_id=city.id))
        for size in sorted({max(1, args.rows // 10), args.rows}):
            source = Agency(
                city=city, code=f"SRC{size}", name=f"Sumber {size}", kind=AgencyKind.DINAS
            )
            target = Agency(
                city=city, code=f"DST{size}", name=f"Tujuan {size}", kind=AgencyKind.DINAS
            )
            db.session.add_all([source, target])
            db.session.commit()
            seed(city, source, size)
            login_user(db.session.get(User, admin.id))

            def export(source_id: int = source.id) -> str:
                user = db.session.get(User, admin.id)
                query = master_list_query(user, MasterListFilter(agency_id=source_id))
                response = export_response("xlsx", "daftar", MASTER_LIST_COLUMNS, streamed(query))
                workbook.write_bytes(response.get_data())
                return f"{workbook.stat().st_size / 1_048_576:.1f}"

            def preview(target_id: int = target.id) -> str:
                user = db.session.get(User, admin.id)
                importer = importer_for("documents")
                batch = operations.upload(
                    user, importer, db.session.get(Agency, target_id), workbook.name,
                    workbook.read_bytes(),
                )  # fmt: skip
                report = operations.set_mapping(user, batch, dict(batch.mapping))
                db.session.commit()
                return f"{report['valid']} valid, {report['renumbered']} to renumber"

            for step, work in (("export", export), ("preview", preview)):
                result = in_child(work, args.tracemalloc)
                size_mb = workbook.stat().st_size / 1_048_576
                print(
                    f"{step:<9}{size:>8}{result['seconds']:>9.1f}{size_mb:>9.1f}"
                    f"{result['start']:>10.0f}{result['peak']:>9.0f}{result['heap']:>9.0f}"
                    f"  {result['note']}",
                    flush=True,
                )
    scratch.cleanup()


if __name__ == "__main__":
    main()
