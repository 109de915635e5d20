"""Which files of an uploaded evidence pack differ from the archived one: a changed ZIP does
not match (verification compares its SHA-256), and this names what was changed, added or
removed, against the archived pack's manifest. Only files the manifest lists are read, each at
most as far as its archived size (an uploaded ZIP is never unpacked beyond that)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from qms.reports import archive
from qms.reports.models import GeneratedReport
from qms.reports.packs.writer import CHUNK, MANIFEST_CSV, MANIFEST_JSON


@dataclass(frozen=True)
class Difference:
    file: str
    #: "changed", "missing" (in the archived pack, not in the upload) or "added"
    change: str


def _archived_entries(report: GeneratedReport) -> dict[str, tuple[str, int]]:
    """Every file of the archived pack with its SHA-256 and size: the manifest's lines and
    the two manifests themselves."""
    with archive.report_store().open(report.file_name) as stored, zipfile.ZipFile(stored) as pack:
        manifests = {name: pack.read(name) for name in (MANIFEST_CSV, MANIFEST_JSON)}
    listed = json.loads(manifests[MANIFEST_JSON])["files"]
    entries = {e["file"]: (e["sha256"], e["size"]) for e in listed if e["file"]}
    for name, data in manifests.items():
        entries[name] = (hashlib.sha256(data).hexdigest(), len(data))
    return entries


def _same(pack: zipfile.ZipFile, info: zipfile.ZipInfo, sha256: str, size: int) -> bool:
    if info.file_size != size:
        return False
    digest = hashlib.sha256()
    with pack.open(info) as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def differences(report: GeneratedReport, content: bytes) -> list[Difference] | None:
    """What differs between an uploaded ZIP and the archived pack; None when the upload is
    not a ZIP (or the archived pack cannot be read)."""
    if not report.is_pack or not zipfile.is_zipfile(io.BytesIO(content)):
        return None
    try:
        archived = _archived_entries(report)
        with zipfile.ZipFile(io.BytesIO(content)) as pack:
            uploaded = {i.filename: i for i in pack.infolist() if not i.is_dir()}
            found: list[Difference] = []
            for name, (sha256, size) in archived.items():
                info = uploaded.get(name)
                if info is None:
                    found.append(Difference(name, "missing"))
                elif not _same(pack, info, sha256, size):
                    found.append(Difference(name, "changed"))
            extra = set(uploaded) - set(archived)
            found += [Difference(name, "added") for name in sorted(extra)]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    return found
