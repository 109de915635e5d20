"""Public verification: a report by its identifier, and whether an uploaded PDF is identical
to the archived original; for an evidence pack, whether an uploaded ZIP, or its manifest.json,
is identical to the archived one (the archive keeps the SHA-256 of both)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from qms.core.errors import DomainError
from qms.extensions import db
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.packs.checking import Difference, differences


def normalise_ident(text: str) -> str:
    return (text or "").strip().upper()


@dataclass(frozen=True)
class Verification:
    report: GeneratedReport | None
    #: None when no file was given; otherwise whether it is byte-identical to the archived PDF
    #: (or to an evidence pack's ZIP or manifest.json)
    matches: bool | None
    #: what the file was found identical to: "file" (the PDF or the ZIP) or "manifest"
    part: str | None = None
    #: for a ZIP that does not match an evidence pack: the files changed, missing or added
    differences: tuple[Difference, ...] = ()


def find_archived(ident: str) -> GeneratedReport | None:
    """A finished report by its identifier (public: only what the verify page shows)."""
    ident = normalise_ident(ident)
    if not ident:
        return None
    return db.session.scalar(
        select(GeneratedReport).where(
            GeneratedReport.ident == ident, GeneratedReport.status == ReportStatus.DONE
        )
    )


def verify_upload(ident: str, stream: IO[bytes] | None) -> Verification:
    """Compare an uploaded PDF with the archive: against the named report, or, without an
    identifier, against every archived report by its SHA-256."""
    report = find_archived(ident) if ident else None
    if stream is None:
        return Verification(report, None)
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise DomainError(
            _l("The file is larger than %(mb)s MB.", mb=current_app.config["MAX_UPLOAD_MB"]),
            field="file",
        )
    digest = hashlib.sha256(content).hexdigest()
    if report is None and not ident:
        report = db.session.scalar(
            select(GeneratedReport)
            .where(
                or_(
                    GeneratedReport.pdf_sha256 == digest,
                    GeneratedReport.manifest_sha256 == digest,
                ),
                GeneratedReport.status == ReportStatus.DONE,
            )
            .order_by(GeneratedReport.id)
            .limit(1)
        )
    part = _part(report, digest)
    changes: tuple[Difference, ...] = ()
    if report is not None and part is None and report.is_pack:
        changes = tuple(differences(report, content) or ())
    return Verification(report, part is not None, part, changes)


def _part(report: GeneratedReport | None, digest: str) -> str | None:
    if report is None:
        return None
    if report.pdf_sha256 == digest:
        return "file"
    if report.manifest_sha256 is not None and report.manifest_sha256 == digest:
        return "manifest"
    return None
