"""Writing an evidence pack: the reports rendered through the archive (each archived and
verifiable on its own), the evidence files copied from the file store, and the manifest, into
a ZIP streamed to a temporary file and then kept in the report store. Memory does not grow
with the pack: every file is copied in chunks, its SHA-256 computed as it is copied."""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import IO, Any

from flask_babel import force_locale
from flask_babel import gettext as _

from qms.core.exports import Column, csv_lines
from qms.core.storage import write_stream
from qms.core.timeutil import to_local
from qms.extensions import db
from qms.files.models import StoredFile
from qms.files.queries import evidence_store
from qms.organisations.models import Agency
from qms.reports import archive, engine
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.packs import PackReport, report_request_of
from qms.reports.packs.names import ZipNames, file_part, safe_part
from qms.reports.registry import Produced, ReportRequest, report_type

CHUNK = 1024 * 1024
#: how long a pack waits for a report another worker is rendering
WAIT_SECONDS = 600
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
COLUMNS = ("file", "kind", "record", "sha256", "size", "uploaded_by", "uploaded_at", "note")


@dataclass
class Entry:
    """One line of the manifest."""

    file: str
    kind: str  # "report" or "evidence"
    record: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: str
    note: str = ""


def _copy(source: IO[bytes], pack: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    """Copy a file into the ZIP in chunks; its SHA-256 and size as written."""
    digest = hashlib.sha256()
    size = 0
    with pack.open(info, "w", force_zip64=True) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return digest.hexdigest(), size


def _info(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=to_local(when).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _stamp(moment: datetime | None) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else ""


def _archived_report(report: GeneratedReport, item: dict[str, Any]) -> GeneratedReport:
    """A report of the pack through the archive: served when unchanged, rendered here
    otherwise (the pack's job already runs in the worker)."""
    user = report.requested_by
    pack_request = ReportRequest(city=report.city, locale=report.locale, requested_by=user)
    rtype, sub = report_request_of(pack_request, _pack_report(item))
    submission = archive.request_report(user, rtype, sub)
    if submission.needs_render:
        archive.render(submission.report, submission.data or {})
    waited = 0.0
    found = submission.report
    while not found.is_finished and waited < WAIT_SECONDS:  # being rendered by another job
        time.sleep(2)
        waited += 2
        db.session.refresh(found)
    if found.status is not ReportStatus.DONE:
        raise RuntimeError(f"the report {found.ident} of the pack could not be made")
    return found


def _pack_report(item: dict[str, Any]) -> PackReport:
    rtype = report_type(item["report"])
    record = None
    if rtype is not None and rtype.record is not None and item.get("record_id"):
        record = db.session.get(rtype.record.model, item["record_id"])
    agency = db.session.get(Agency, item["agency_id"]) if item.get("agency_id") else None
    return PackReport(
        folder=item["folder"],
        report_key=item["report"],
        record=record,
        agency=agency,
        period_start=_day(item.get("period_start")),
        period_end=_day(item.get("period_end")),
    )


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _reports(
    report: GeneratedReport, data: dict[str, Any], pack: zipfile.ZipFile, names: ZipNames
) -> Iterable[Entry]:
    for item in data.get("reports", []):
        made = _archived_report(report, item)
        name = names.add(item["folder"], safe_part(archive.download_name(made), "report.pdf"))
        with archive.report_store().open(made.file_name) as source:
            sha256, size = _copy(source, pack, _info(name, made.created_at))
        yield Entry(
            file=name,
            kind="report",
            record=made.ident or "",
            sha256=sha256,
            size=size,
            uploaded_by=made.requested_by.name,
            uploaded_at=_stamp(made.created_at),
            note=_("Verify at %(url)s", url=archive.verify_url(made)),
        )


def _files(
    report: GeneratedReport, data: dict[str, Any], pack: zipfile.ZipFile, names: ZipNames
) -> Iterable[Entry]:
    store = evidence_store()
    for item in data.get("files", []):
        stored = db.session.get(StoredFile, item["id"])
        name = names.add(item["folder"], file_part(item["name"], item.get("extension", "")))
        uploaded_at = item["uploaded_at"]
        if isinstance(uploaded_at, str):
            uploaded_at = datetime.fromisoformat(uploaded_at)
        entry = Entry(
            file=name,
            kind="evidence",
            record=item["record"],
            sha256="",
            size=0,
            uploaded_by=item["uploaded_by"],
            uploaded_at=_stamp(uploaded_at),
        )
        if stored is None or not store.exists(stored.storage_name):
            entry.file = ""
            entry.note = _(
                "“%(name)s” is recorded but missing from the file store: not in the pack.",
                name=item["name"],
            )
            yield entry
            continue
        with store.open(stored.storage_name) as source:
            entry.sha256, entry.size = _copy(source, pack, _info(name, uploaded_at))
        if entry.sha256 != stored.sha256:
            entry.note = _(
                "Differs from the SHA-256 recorded at upload (%(sha)s).", sha=stored.sha256
            )
        yield entry


def manifest_csv(entries: list[Entry]) -> bytes:
    columns = [Column(name, lambda entry, name=name: getattr(entry, name)) for name in COLUMNS]
    return "".join(csv_lines(columns, entries)).encode("utf-8")


def manifest_json(report: GeneratedReport, entries: list[Entry], csv_sha256: str) -> bytes:
    document = {
        "pack": report.ident,
        "title": engine.report_title_of(report),
        "city": report.city.name,
        "agency": report.agency.name if report.agency else None,
        "period_start": report.period_start.isoformat() if report.period_start else None,
        "period_end": report.period_end.isoformat() if report.period_end else None,
        "generated_by": report.requested_by.name,
        "generated_at": _stamp(report.created_at),
        "verify_url": archive.verify_url(report),
        "manifest_csv_sha256": csv_sha256,
        "files": [asdict(entry) for entry in entries],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def produce(report: GeneratedReport, data: dict[str, Any]) -> Produced:
    """Write the pack's ZIP and keep it in the report store (the archive's `produce` hook)."""
    with force_locale(report.locale), tempfile.TemporaryFile(suffix=".zip") as temporary:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as pack:
            names = ZipNames()
            names.add((), MANIFEST_CSV)
            names.add((), MANIFEST_JSON)
            entries = [*_reports(report, data, pack, names), *_files(report, data, pack, names)]
            table = manifest_csv(entries)
            pack.writestr(_info(MANIFEST_CSV, report.created_at), table)
            document = manifest_json(report, entries, hashlib.sha256(table).hexdigest())
            pack.writestr(_info(MANIFEST_JSON, report.created_at), document)
        temporary.seek(0)
        digest = hashlib.sha256()
        while chunk := temporary.read(CHUNK):
            digest.update(chunk)
        size = temporary.tell()
        temporary.seek(0)
        write_stream(archive.report_store(), report.file_name, temporary)
    return Produced(
        sha256=digest.hexdigest(),
        size=size,
        manifest_sha256=hashlib.sha256(document).hexdigest(),
    )
