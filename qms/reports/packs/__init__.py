"""Evidence packs: one ZIP for an external auditor (a certification body, BSN) with the PDF
report(s) about an audit, a nonconformity, a management review or a whole agency and period,
every evidence file they refer to under readable names, and a manifest (manifest.csv and
manifest.json: file, record, SHA-256, size, uploaded by and when).

A pack is a report type whose archived file is a ZIP (`ReportType.produce`): it is requested,
queued, archived, listed, downloaded and verified as every report is (the portal, the record
pages' buttons, `POST /api/v1/reports`, `/verify` and `POST /api/v1/verify`, which accept the
ZIP or its manifest.json: the archive keeps the SHA-256 of both). Its data — what goes in,
with the files' recorded hashes — is built when it is asked for and hashed like a report's, so
asking again for an unchanged pack serves the archived ZIP; the ZIP is written by the worker
(qms/reports/jobs.py), streamed to a temporary file, never held in memory.

qms/reports knows no feature: a feature says what its records put in a pack. A record pack
is registered beside the record's report type::

    register_record_pack(AUDIT_REPORT, key="evidence-pack-audit", title=_l("Evidence pack of
        an audit"), description=..., order=...)
    add_pack_contents("evidence-pack-audit", "audits", audit_evidence)

A pack is personal (`ReportType.personal`): it holds what its asker may see, so it is reused
for, listed to and downloaded by only who asked for it; another user asking gets a pack of
their own (an internal auditor who may read an audit but not its nonconformities gets neither
their request forms nor their evidence).

`audit_evidence(req)` yields `PackFile`s (a StoredFile, the folders it goes in, the record it
belongs to) and `PackReport`s (another report to render into the pack), selecting what
`req.requested_by` may see; everything is checked again here (a file only when the user may
see its record, a report only when the user may have it). The pack of a whole agency and
period (AGENCY_PACK, here) holds the agency compliance report; features add their records of
the period to it with `add_pack_contents(AGENCY_PACK_KEY, ...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.extensions import db
from qms.files.models import StoredFile
from qms.files.policies import may_download
from qms.organisations.models import Agency
from qms.reports.registry import (
    Need,
    ReportRequest,
    ReportType,
    register_report_type,
    report_type,
)

AGENCY_PACK_KEY = "evidence-pack-agency"


@dataclass(frozen=True)
class PackFile:
    """An evidence file in a pack, in `folder` (readable names, made safe when written),
    belonging to `record` (as the manifest names it, e.g. "AUD-2026-003 · 8.5.1")."""

    folder: Sequence[str]
    file: StoredFile
    record: str


@dataclass(frozen=True)
class PackReport:
    """Another report rendered into the pack (through the archive: it is archived and
    verifiable on its own), in `folder`."""

    folder: Sequence[str]
    report_key: str
    record: Any = None
    agency: Agency | None = None
    period_start: date | None = None
    period_end: date | None = None


Contents = Iterable[PackFile | PackReport]
Contributor = Callable[[ReportRequest], Contents]

#: pack key -> {contributor name: contributor} (a name registered again replaces the former:
#: create_app runs many times in one process)
_contributors: dict[str, dict[str, Contributor]] = {}


def add_pack_contents(pack_key: str, name: str, contributor: Contributor) -> None:
    """Have `contributor(req)` add files and reports to every pack of this type."""
    _contributors.setdefault(pack_key, {})[name] = contributor


def files_of_owners(owners: Iterable[Any]) -> dict[tuple[str, int], list[StoredFile]]:
    """The current (not archived) files of many records, in one query per kind of record,
    by (owner_type, owner_id), each record's in the order they were uploaded."""
    by_type: dict[str, set[int]] = {}
    for owner in owners:
        by_type.setdefault(type(owner).__tablename__, set()).add(owner.id)
    found: dict[tuple[str, int], list[StoredFile]] = {}
    for owner_type, ids in by_type.items():
        rows = db.session.scalars(
            select(StoredFile)
            .where(
                StoredFile.owner_type == owner_type,
                StoredFile.owner_id.in_(sorted(ids)),
                StoredFile.archived_at.is_(None),
            )
            .order_by(StoredFile.uploaded_at, StoredFile.id)
        )
        for stored in rows:
            found.setdefault((owner_type, stored.owner_id), []).append(stored)
    return found


def report_request_of(req: ReportRequest, item: PackReport) -> tuple[ReportType, ReportRequest]:
    rtype = report_type(item.report_key)
    if rtype is None:
        raise LookupError(f"report type {item.report_key!r} is not registered")
    if rtype.record is not None:
        city, agency = rtype.record.owner(item.record)
    else:
        city, agency = req.city, item.agency
    return rtype, ReportRequest(
        city=city,
        agency=agency,
        period_start=item.period_start,
        period_end=item.period_end,
        locale=req.locale,
        record=item.record,
        requested_by=req.requested_by,
    )


def report_entry(item: PackReport) -> dict[str, Any]:
    return {
        "folder": [str(p) for p in item.folder],
        "report": item.report_key,
        "record_id": item.record.id if item.record is not None else None,
        "agency_id": item.agency.id if item.agency is not None else None,
        "period_start": item.period_start,
        "period_end": item.period_end,
    }


def file_entry(item: PackFile) -> dict[str, Any]:
    stored = item.file
    uploader = db.session.get(User, stored.uploaded_by_id) if stored.uploaded_by_id else None
    return {
        "folder": [str(p) for p in item.folder],
        "id": stored.id,
        "name": stored.original_name,
        "extension": stored.extension,
        "record": item.record,
        "sha256": stored.sha256,
        "size": stored.size,
        "uploaded_by": uploader.name if uploader else "",
        "uploaded_at": stored.uploaded_at,
    }


def build_pack(pack_key: str, first: Callable[[ReportRequest], Contents]) -> Callable:
    """The builder of a pack type: its own report(s) (`first`), then what every feature
    contributes, each item kept only when the requesting user may have it."""

    def build(req: ReportRequest) -> dict[str, Any]:
        user = req.requested_by
        reports: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        seen_files: set[int] = set()
        seen_reports: set[str] = set()
        sources = [first, *_contributors.get(pack_key, {}).values()]
        for source in sources:
            for item in source(req):
                if isinstance(item, PackReport):
                    rtype, sub = report_request_of(req, item)
                    entry = report_entry(item)
                    key = repr((entry["report"], sub.params()))
                    if key not in seen_reports and rtype.may(user, sub):
                        seen_reports.add(key)
                        reports.append(entry)
                elif item.file.id not in seen_files and may_download(user, item.file):
                    seen_files.add(item.file.id)
                    files.append(file_entry(item))
        return {"pack": pack_key, "reports": reports, "files": files}

    return build


def record_folder(record: Any) -> str:
    """The top folder of a record's pack: its reference (an audit's, a nonconformity's
    number) or label."""
    return str(getattr(record, "record_label", "") or record.id)


def register_record_pack(base: ReportType, *, key: str, order: int = 200) -> ReportType:
    """A pack about one record: the record's report (`base`) and what the features add, named
    after the report ("Evidence pack: Audit report"). Who may have it is who may view the
    record, as for the report."""

    def first(req: ReportRequest) -> Contents:
        yield PackReport(
            folder=(record_folder(req.record),), report_key=base.key, record=req.record
        )

    pack = _pack_type(
        key,
        _l("Evidence pack: %(report)s", report=base.title),
        first,
        _l(
            "One ZIP for an external auditor: this report, every evidence file it refers to "
            "under readable names, and a manifest (CSV and JSON) with each file's SHA-256, size, "
            "who uploaded it and when."
        ),
        order,
        record=base.record,
        period=Need.NONE,
    )
    register_report_type(pack)
    return pack


def _agency_first(req: ReportRequest) -> Contents:
    assert req.agency is not None
    yield PackReport(
        folder=(),
        report_key="agency-compliance",
        agency=req.agency,
        period_start=req.period_start,
        period_end=req.period_end,
    )


def agency_pack() -> ReportType:
    return _pack_type(
        AGENCY_PACK_KEY,
        _l("Evidence pack of an agency and period"),
        _agency_first,
        _l(
            "One ZIP for an external auditor: the agency compliance report of the period, the "
            "reports of its audits, nonconformities and management reviews of the period, "
            "every evidence file they refer to, and a manifest with each file's SHA-256."
        ),
        210,
        agency=Need.REQUIRED,
        period=Need.REQUIRED,
    )


def _pack_type(
    key: str,
    title: Any,
    first: Callable[[ReportRequest], Contents],
    description: Any,
    order: int,
    **needs: Any,
) -> ReportType:
    """The report type of an evidence pack that starts with `first` (its report) and holds
    what the features add: a ZIP the writer makes, whose content is what the asker may see
    (so reused for, listed to and downloaded by only who asked). `needs`: its parameters
    (`agency`, `period`, `record`), as for any report type."""
    from qms.reports.packs.writer import produce

    return ReportType(
        key=key,
        title=title,
        template="",
        build=build_pack(key, first),
        description=description,
        order=order,
        produce=produce,
        file_type="zip",
        personal=True,
        **needs,
    )


def register() -> None:
    register_report_type(agency_pack())
