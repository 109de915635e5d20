"""Backup and restore: `flask qms backup` then `flask qms restore` into a fresh database and
folder gives the same record counts, the same file hashes and a /verify that still matches
every archived PDF; a damaged archive is refused before anything is touched; `check-files`
names missing evidence, and its download is a clear 410."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qms import create_app
from qms.extensions import db
from qms.files.models import StoredFile
from qms.files.queries import evidence_store
from qms.reports import archive as report_archive
from qms.reports.models import GeneratedReport
from tests.factories import AgencyFactory, CityFactory
from tests.factories_reports import GeneratedReportFactory
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)


def _counts() -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def installation(runner, app):
    """The demo data, an evidence file and two archived reports."""
    for command in ("load-checklists", "seed-demo"):
        assert runner.invoke(args=["qms", command]).exit_code == 0
    city = CityFactory()
    GeneratedReportFactory(city=city)
    GeneratedReportFactory(city=city, agency=AgencyFactory(city=city))
    db.session.commit()
    return app


def _restored_app(test_settings, database_url, tmp_path):
    return create_app(
        "testing",
        {
            **test_settings,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(tmp_path / "restored-uploads"),
        },
    )


def test_backup_then_restore_into_a_fresh_installation_gives_the_same_data(
    installation,
    runner,
    test_settings,
    tmp_path,
    empty_database_url,  # noqa: F811
):
    assert db.session.scalar(select(func.count(StoredFile.id))) > 0, "the demo holds evidence"
    archive = tmp_path / "qms-backup.tar.gz"
    made = runner.invoke(args=["qms", "backup", str(archive)])
    assert made.exit_code == 0, made.output
    counts = _counts()
    uploads = _hashes(Path(installation.config["UPLOAD_DIR"]))
    reports = [
        (r.ident, report_archive.read_pdf(r)) for r in db.session.scalars(select(GeneratedReport))
    ]
    assert reports

    restored = _restored_app(test_settings, empty_database_url, tmp_path)
    # the command runs in the app whose context is current: the restored one's
    with restored.app_context():
        done = restored.test_cli_runner().invoke(args=["qms", "restore", str(archive)])
        assert done.exit_code == 0, done.output
        assert _counts() == counts
        assert _hashes(Path(restored.config["UPLOAD_DIR"])) == uploads
        client = restored.test_client()
        for ident, pdf in reports:
            page = client.post(
                "/verify/",
                data={"ident": ident, "file": (io.BytesIO(pdf), "report.pdf")},
                content_type="multipart/form-data",
            )
            assert page.status_code == 200
            assert "sama persis dengan laporan di arsip" in page.get_data(as_text=True)
        again = restored.test_cli_runner().invoke(args=["qms", "restore", str(archive)])
        assert again.exit_code != 0 and "--replace" in again.output
        db.session.remove()
        db.engine.dispose()


def test_a_damaged_archive_is_refused_before_anything_is_touched(
    installation,
    runner,
    test_settings,
    tmp_path,
    empty_database_url,  # noqa: F811
):
    archive = tmp_path / "qms-backup.tar.gz"
    assert runner.invoke(args=["qms", "backup", str(archive)]).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source:
            content = source.extractfile(member).read() if member.isfile() else b""
            if member.name.startswith("uploads/"):
                content = content[:-1] + bytes([content[-1] ^ 1])  # one bit flipped
            target.addfile(member, io.BytesIO(content))
    restored = _restored_app(test_settings, empty_database_url, tmp_path)
    with restored.app_context():
        runner = restored.test_cli_runner()
        refused = runner.invoke(args=["qms", "restore", str(damaged)])
        assert refused.exit_code != 0
        assert "differs from the manifest" in refused.output
        assert not (tmp_path / "restored-uploads").exists() or not any(
            (tmp_path / "restored-uploads").iterdir()
        )
        assert db.inspect(db.engine).get_table_names() == []  # nothing restored
        not_an_archive = tmp_path / "note.txt"
        not_an_archive.write_text("hello")
        assert runner.invoke(args=["qms", "restore", str(not_an_archive)]).exit_code
        db.engine.dispose()


def test_missing_evidence_is_listed_and_its_download_is_a_clear_410(
    installation, runner, client, auth
):
    stored = db.session.scalar(select(StoredFile).order_by(StoredFile.id))
    evidence_store().discard(stored.storage_name)
    checked = runner.invoke(args=["qms", "check-files"])
    assert checked.exit_code == 1
    assert f"missing: file {stored.id}" in checked.output
    auth.login("admin.kupang@demo.qms.id", "Demo-Kupang-2026")
    response = client.get(f"/files/{stored.id}")
    assert response.status_code == 410
    assert stored.original_name in response.get_data(as_text=True)
