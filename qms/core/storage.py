"""Where files live: the evidence uploads and the report archive are kept behind one small
interface, so that several app servers and workers can share them. The default keeps each area
in a local folder (UPLOAD_DIR, and REPORTS_DIR or UPLOAD_DIR/reports); FILE_STORE names another
class ("package.module:Class") with the same methods and a `from_config(config, area)`
constructor — a shared store (an NFS mount needs nothing more than a folder; an object store
such as S3 or MinIO needs writes that are whole or absent, reads by name, and its own backup)."""

from __future__ import annotations

import importlib
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from flask import current_app

#: the areas the app keeps files in, and the folder setting of each
AREAS = ("evidence", "reports")


class FileStore(Protocol):
    def write(self, name: str, data: bytes) -> None:
        """Keep `data` under `name`, whole or not at all (readers never see half a file)."""

    def read(self, name: str) -> bytes: ...

    def open(self, name: str) -> IO[bytes]:
        """The file to stream (a download)."""

    def exists(self, name: str) -> bool: ...

    def discard(self, name: str) -> None:
        """Forget a file just written whose record was not stored (records' files are never
        deleted otherwise)."""

    def names(self) -> Iterator[str]:
        """Every file kept, by name (backups and the file check)."""


class FolderStore:
    """An area as a local folder (or a shared mount)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_config(cls, config: Mapping[str, Any], area: str) -> FolderStore:
        uploads = Path(config["UPLOAD_DIR"])
        if area == "evidence":
            return cls(uploads)
        return cls(Path(config["REPORTS_DIR"] or uploads / "reports"))

    def _path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a stored file's name: {name!r}")
        return self.root / name

    def write(self, name: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        target = self._path(name)
        partial = self.root / f".{name}.{secrets.token_hex(4)}.part"
        partial.write_bytes(data)
        os.replace(partial, target)

    def write_from(self, name: str, stream: IO[bytes]) -> None:
        """`write` of a file read in chunks (an evidence pack): memory does not grow with it."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self._path(name)
        partial = self.root / f".{name}.{secrets.token_hex(4)}.part"
        with partial.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        os.replace(partial, target)

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def open(self, name: str) -> IO[bytes]:
        return self._path(name).open("rb")

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def discard(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        if self.root.is_dir():
            yield from sorted(
                p.name for p in self.root.iterdir() if p.is_file() and not p.name.startswith(".")
            )


def write_stream(store: FileStore, name: str, stream: IO[bytes]) -> None:
    """Keep a large file read from `stream`: in chunks where the store can (`write_from`, as
    the folder store does), else whole (a store without it, such as the tests' memory store)."""
    write_from = getattr(store, "write_from", None)
    if write_from is not None:
        write_from(name, stream)
    else:
        store.write(name, stream.read())


def file_store(area: str) -> FileStore:
    """The configured store of an area ("evidence" or "reports")."""
    if area not in AREAS:
        raise LookupError(f"no file area {area!r}")
    module, _sep, name = current_app.config["FILE_STORE"].partition(":")
    store_class = getattr(importlib.import_module(module), name)
    return store_class.from_config(current_app.config, area)
