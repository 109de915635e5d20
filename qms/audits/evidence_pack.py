"""What audits put in evidence packs (qms/reports/packs): the audit report and the evidence
attached to its checklist rows, in a folder per clause (`AUD-2026-003/8.5.1 Pengendalian
produksi/foto-loket.jpg`); in an agency's pack, the same for each of its issued audits of the
period that the requesting user may see."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qms.audits import figures
from qms.audits.models import Audit, ChecklistRow
from qms.extensions import db
from qms.reports import packs
from qms.reports.registry import ReportRequest, ReportType

PACK_KEY = "evidence-pack-audit"


def row_files(audits: Iterable[Audit]) -> Iterator[packs.PackFile]:
    """The files attached to the audits' checklist rows, a folder per audit and clause."""
    audits = list(audits)
    rows = [row for audit in audits for row in audit.rows]
    files = packs.files_of_owners(rows)
    for audit in audits:
        for row in audit.rows:
            for stored in files.get((ChecklistRow.__tablename__, row.id), []):
                yield packs.PackFile(
                    folder=(audit.reference, row.clause.label),
                    file=stored,
                    record=f"{audit.reference} · {row.clause.number}",
                )


def audit_contents(req: ReportRequest) -> Iterator[packs.PackFile]:
    yield from row_files([req.record])


def agency_contents(req: ReportRequest) -> Iterator[packs.PackFile | packs.PackReport]:
    """The agency's issued audits of the period: each one's report and evidence."""
    assert req.agency is not None
    issued = figures.issued_audits(
        [req.agency.id], visible_to=req.requested_by, period=(req.period_start, req.period_end)
    )
    audits = list(
        db.session.scalars(
            select(Audit)
            .where(Audit.id.in_([a.id for a in issued]))
            .options(selectinload(Audit.rows))
            .order_by(Audit.reference)
        )
    )
    for audit in audits:
        yield packs.PackReport(folder=(audit.reference,), report_key="audit-report", record=audit)
    yield from row_files(audits)


def register(report: ReportType) -> None:
    packs.register_record_pack(report, key=PACK_KEY, order=200)
    packs.add_pack_contents(PACK_KEY, "audits", audit_contents)
    packs.add_pack_contents(packs.AGENCY_PACK_KEY, "audits", agency_contents)
