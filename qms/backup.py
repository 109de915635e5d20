"""Backup and restore of an installation: one archive holding a consistent dump of the database
(PostgreSQL's own pg_dump, or SQLite's backup API), the evidence files and the report archive,
with a manifest of SHA-256 sums. A restore checks the whole archive against its manifest
before it touches anything, and refuses a damaged one.

The archive is a tar file:

    manifest.json              what follows, with the SHA-256 and size of every member
    database/qms.sqlite3       (SQLite)  or  database/qms.pgdump  (pg_dump custom format)
    uploads/<storage name>     every evidence file
    reports/<file>             every archived PDF report
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from qms.core.storage import FolderStore, file_store
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.files.models import StoredFile

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive cannot be made or used; the message says why."""


@dataclass(frozen=True)
class Member:
    name: str
    sha256: str
    size: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _database_url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_arguments(url) -> list[str]:
    arguments = ["--dbname", url.database]
    for option, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            arguments += [option, str(value)]
    return arguments


def _pg_environment(url) -> dict[str, str]:
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    return environment


def _dump_database(target: Path) -> str:
    """A consistent copy of the database in `target`; returns its member name."""
    url = _database_url()
    db.session.commit()
    if url.get_backend_name() == "sqlite":
        destination = target / "qms.sqlite3"
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(destination)
        try:
            source.backup(copy)  # a consistent snapshot even while the app writes
        finally:
            copy.close()
            source.close()
        return f"database/{destination.name}"
    destination = target / "qms.pgdump"
    subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--file",
            str(destination),
            *_pg_arguments(url),
        ],
        check=True,
        env=_pg_environment(url),
        capture_output=True,
    )
    return f"database/{destination.name}"


def _table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _folder(area: str) -> Path:
    """The folder of a file area (qms/core/storage.py); another kind of store is backed up
    with its own tools."""
    store = file_store(area)
    if not isinstance(store, FolderStore):
        raise BackupError(
            f"the {area} files are kept by {type(store).__name__}, not in a folder: back them "
            "up with that store's own tools"
        )
    store.root.mkdir(parents=True, exist_ok=True)
    return store.root


def _files_below(root: Path) -> Iterator[Path]:
    if root.exists():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def make_backup(archive: Path) -> dict[str, Any]:
    """Write the archive; returns its manifest."""
    reports = _folder("reports")
    uploads = _folder("evidence")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "database").mkdir()
        database = _dump_database(workdir / "database")
        sources: dict[str, Path] = {database: workdir / database}
        for path in _files_below(uploads):
            if reports not in path.parents:
                sources[f"uploads/{path.relative_to(uploads).as_posix()}"] = path
        for path in _files_below(reports):
            sources[f"reports/{path.relative_to(reports).as_posix()}"] = path
        members = [
            Member(name, _sha256(path), path.stat().st_size) for name, path in sources.items()
        ]
        manifest = {
            "format": FORMAT,
            "created_at": utcnow().isoformat() + "Z",
            "database": {"backend": _database_url().get_backend_name(), "member": database},
            "counts": _table_counts(),
            "members": [m.__dict__ for m in members],
        }
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "w:gz") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for member in members:
                tar.add(sources[member.name], arcname=member.name, recursive=False)
    return manifest


def _safe(name: str) -> bool:
    path = Path(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def verify(archive: Path) -> dict[str, Any]:
    """The manifest of a whole, undamaged archive; BackupError naming the first problem."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest_file = tar.extractfile(MANIFEST)
            if manifest_file is None:
                raise BackupError("the archive has no manifest")
            manifest = json.loads(manifest_file.read())
            if manifest.get("format") != FORMAT:
                raise BackupError(f"unknown archive format {manifest.get('format')!r}")
            expected = {m["name"]: m for m in manifest["members"]}
            seen: set[str] = set()
            for info in tar:
                if info.name == MANIFEST:
                    continue
                if info.name not in expected or not info.isfile() or not _safe(info.name):
                    raise BackupError(f"{info.name}: not in the manifest")
                handle = tar.extractfile(info)
                digest = hashlib.sha256()
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                wanted = expected[info.name]
                if digest.hexdigest() != wanted["sha256"] or info.size != wanted["size"]:
                    raise BackupError(f"{info.name}: its content differs from the manifest")
                seen.add(info.name)
            missing = sorted(set(expected) - seen)
            if missing:
                raise BackupError(f"{missing[0]}: listed in the manifest but missing")
            return manifest
    except (tarfile.TarError, OSError, EOFError, KeyError, ValueError) as error:
        raise BackupError(f"not a readable backup archive ({error})") from error


def _holds_data() -> bool:
    from qms.accounts.models import User

    try:
        return bool(db.session.scalar(select(func.count(User.id))))
    except Exception:  # no tables yet: an empty database
        db.session.rollback()
        return False


def restore(archive: Path, *, replace: bool = False) -> dict[str, Any]:
    """Restore the archive into the configured database and folders, after checking it
    whole. An installation that holds data is replaced only when asked (`replace`)."""
    manifest = verify(archive)
    url = _database_url()
    if manifest["database"]["backend"] != url.get_backend_name():
        raise BackupError(
            f"the archive holds a {manifest['database']['backend']} database; this installation "
            f"runs on {url.get_backend_name()}"
        )
    if _holds_data() and not replace:
        raise BackupError("this installation already holds data: restore with --replace")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        workdir = Path(tmp)
        tar.extractall(workdir, filter="data")
        db.session.remove()
        db.engine.dispose()
        _restore_database(workdir / manifest["database"]["member"], url)
        _restore_folder(workdir / "uploads", _folder("evidence"))
        _restore_folder(workdir / "reports", _folder("reports"))
    counts = _table_counts()
    differing = {t: (n, counts.get(t)) for t, n in manifest["counts"].items() if counts.get(t) != n}
    if differing:
        raise BackupError(f"restored tables differ from the backup: {differing}")
    return manifest


def _restore_database(dump: Path, url) -> None:
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(url.database)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", *_pg_arguments(url), str(dump)],
        check=True,
        env=_pg_environment(url),
        capture_output=True,
    )


def _restore_folder(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if source.exists():
        shutil.copytree(source, target, dirs_exist_ok=True)


@dataclass(frozen=True)
class FileProblem:
    file: StoredFile
    problem: str  # "missing" or "changed"


def check_files() -> list[FileProblem]:
    """Evidence files whose stored file is missing or whose content no longer has its hash."""
    problems = []
    for stored in db.session.scalars(select(StoredFile).order_by(StoredFile.id)):
        path = _folder("evidence") / stored.storage_name
        if not path.is_file():
            problems.append(FileProblem(stored, "missing"))
        elif _sha256(path) != stored.sha256:
            problems.append(FileProblem(stored, "changed"))
    return problems
