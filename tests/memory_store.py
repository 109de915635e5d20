"""A file store held in memory (qms/core/storage.py's interface, as an object store would
offer it), for tests: FILE_STORE = "tests.memory_store:MemoryStore"."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import IO, Any


class MemoryStore:
    """A store that is not a folder; its areas live for the test process."""

    areas: dict[str, dict[str, bytes]] = {}

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    @classmethod
    def from_config(cls, config: Mapping[str, Any], area: str) -> MemoryStore:
        return cls(cls.areas.setdefault(area, {}))

    def write(self, name: str, data: bytes) -> None:
        self.files[name] = data

    def read(self, name: str) -> bytes:
        return self.files[name]

    def open(self, name: str) -> IO[bytes]:
        return io.BytesIO(self.files[name])

    def exists(self, name: str) -> bool:
        return name in self.files

    def discard(self, name: str) -> None:
        self.files.pop(name, None)

    def names(self) -> Iterator[str]:
        yield from sorted(self.files)
