"""What corrective actions put in evidence packs (qms/reports/packs): a nonconformity's
request form (PTK) and the evidence attached to its actions, a folder per action
(`KTS-2026-DUKCAPIL-001/Korektif 1 - Laksanakan RTM/notulen-rtm.pdf`); in an audit's pack the
same for the nonconformities its findings raised, and in an agency's pack for those raised in
the period — each only as the requesting user may see it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy.orm import selectinload

from qms.audits.interface import Finding
from qms.capa import figures
from qms.capa.models import CorrectiveAction, Nonconformity
from qms.core import access
from qms.extensions import db
from qms.reports import packs
from qms.reports.registry import ReportRequest, ReportType

PACK_KEY = "evidence-pack-nonconformity"
AUDIT_PACK_KEY = "evidence-pack-audit"


def action_folder(position: int, action: CorrectiveAction) -> str:
    return f"{action.kind.label} {position} - {action.description[:50]}"


def action_files(
    ncs: Iterable[Nonconformity], above: Sequence[str] = ()
) -> Iterator[packs.PackFile]:
    """The files attached to the nonconformities' actions (every plan round's), a folder per
    nonconformity and action, below `above`."""
    ncs = list(ncs)
    files = packs.files_of_owners(action for nc in ncs for action in nc.actions)
    for nc in ncs:
        for position, action in enumerate(nc.actions, start=1):
            for stored in files.get((CorrectiveAction.__tablename__, action.id), []):
                yield packs.PackFile(
                    folder=(*above, nc.number, action_folder(position, action)),
                    file=stored,
                    record=f"{nc.number} · {action_folder(position, action)}",
                )


def _with_forms(ncs: list[Nonconformity], above: Sequence[str] = ()) -> Iterator:
    for nc in ncs:
        yield packs.PackReport(
            folder=(*above, nc.number), report_key="corrective-action-request", record=nc
        )
    yield from action_files(ncs, above)


def nonconformity_contents(req: ReportRequest) -> Iterator[packs.PackFile]:
    yield from action_files([req.record])


def audit_contents(req: ReportRequest) -> Iterator:
    """The nonconformities the audit's findings raised, that the user may see."""
    ncs = list(
        db.session.scalars(
            access.scoped(Nonconformity, req.requested_by)
            .join(Finding, Finding.id == Nonconformity.finding_id)
            .where(Finding.audit_id == req.record.id, Nonconformity.archived_at.is_(None))
            .options(selectinload(Nonconformity.actions))
            .order_by(Nonconformity.number, Nonconformity.id)
        )
    )
    yield from _with_forms(ncs, (req.record.reference,))


def agency_contents(req: ReportRequest) -> Iterator:
    """The agency's nonconformities raised in the period, that the user may see."""
    assert req.agency is not None and req.requested_by is not None
    query = figures.nonconformities_in(
        req.requested_by, [req.agency.id], (req.period_start, req.period_end)
    )
    ncs = list(
        db.session.scalars(
            query.where(Nonconformity.archived_at.is_(None))
            .options(selectinload(Nonconformity.actions))
            .order_by(Nonconformity.number, Nonconformity.id)
        )
    )
    yield from _with_forms(ncs)


def register(report: ReportType) -> None:
    packs.register_record_pack(report, key=PACK_KEY, order=201)
    packs.add_pack_contents(PACK_KEY, "capa", nonconformity_contents)
    packs.add_pack_contents(AUDIT_PACK_KEY, "capa", audit_contents)
    packs.add_pack_contents(packs.AGENCY_PACK_KEY, "capa", agency_contents)
