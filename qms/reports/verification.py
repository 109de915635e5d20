"""Public verification: a report by its identifier, and whether an uploaded PDF is identical
to the archived original."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core.errors import DomainError
from qms.extensions import db
from qms.reports.models import GeneratedReport, ReportStatus


def normalise_ident(text: str) -> str:
    return (text or "").strip().upper()


@dataclass(frozen=True)
class Verification:
    report: GeneratedReport | None
    #: None when no file was given; otherwise whether it is byte-identical to the archived PDF
    matches: bool | None


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
            select(GeneratedReport).where(
                GeneratedReport.pdf_sha256 == digest, GeneratedReport.status == ReportStatus.DONE
            )
        )
        return Verification(report, report is not None)
    return Verification(report, report is not None and report.pdf_sha256 == digest)
