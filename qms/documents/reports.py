"""The document master list (daftar induk dokumen) of one agency, as on its page; and what
document control adds to the agency compliance report and to the city summary."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.timeutil import today
from qms.documents import figures
from qms.documents import queries as documents
from qms.documents.models import DocumentStatus, ReviewState
from qms.reports.registry import Need, ReportRequest, ReportType, register_report_type
from qms.reports.sections import (
    agency_section,
    city_agency_ids,
    city_section,
    register_report_section,
)


def build(req: ReportRequest) -> dict[str, Any]:
    assert req.agency is not None and req.requested_by is not None
    day = today()
    listed = documents.master_list(
        req.requested_by, documents.MasterListFilter(agency_id=req.agency.id), day
    )
    rows = []
    for document in listed:
        current = document.current_revision
        rows.append(
            {
                "code": document.code,
                "title": document.title,
                "type": document.type_label,
                "revision": current.number if current else None,
                "effective_on": current.effective_on if current else None,
                "next_review_on": document.next_review_on,
                "status": document.status_label,
                "review": documents.review_state(document, day),
                "unit": document.owner_unit.path if document.owner_unit else "",
            }
        )
    # the approval block: the agency head approves the list its quality officer prepares
    return {"today": day, "documents": rows, "head": req.agency.head_name or ""}


MASTER_LIST = ReportType(
    key="document-master-list",
    title=_l("Document master list"),
    template="documents/pdf/master_list.html",
    build=build,
    agency=Need.REQUIRED,
    period=Need.NONE,
    description=_l(
        "Every controlled document of an agency with its code, revision, effective date, next "
        "review and status, as of today."
    ),
    order=50,
    # 2: one landscape form without cover, under the city's letterhead, with an approval block
    version=2,
)


# --- the agency compliance report and the city summary --------------------------------------


def build_documents(req: ReportRequest) -> dict[str, Any]:
    """Document control as of today, whatever the period: documents by status, reviews due
    soon and overdue (as the agency panel counts them)."""
    assert req.agency is not None and req.requested_by is not None
    day = today()
    ids = [req.agency.id]
    counts = figures.document_counts(ids, day, visible_to=req.requested_by)[req.agency.id]
    to_review = figures.documents_to_review(ids, day, visible_to=req.requested_by)

    def listed(state: ReviewState) -> list[dict[str, Any]]:
        return [
            {"code": d.code, "title": d.title, "next_review_on": d.next_review_on}
            for d in to_review[state]
        ]

    return {
        "total": counts.total,
        "by_status": [
            {"label": str(s.label), "count": counts.by_status[s]} for s in DocumentStatus
        ],
        "effective": counts.by_status[DocumentStatus.EFFECTIVE],
        "due": listed(ReviewState.DUE),
        "overdue": listed(ReviewState.OVERDUE),
    }


def build_city_documents(req: ReportRequest) -> dict[str, Any]:
    """Per agency of the city: its documents and the reviews overdue today."""
    assert req.requested_by is not None
    counts = figures.document_counts(city_agency_ids(req), today(), visible_to=req.requested_by)
    return {
        "agencies": {
            i: {"documents": c.total, "reviews_overdue": c.overdue} for i, c in counts.items()
        },
        "reviews_overdue": sum(c.overdue for c in counts.values()),
    }


SECTIONS = (
    agency_section("documents", "documents", _l("Document control"), 40, build_documents),
    city_section("documents", "documents", 40, build_city_documents),
)


def register() -> None:
    """Offer the report in the portal, and the sections in the agency and city reports (from
    init_app)."""
    register_report_type(MASTER_LIST)
    register_report_section(*SECTIONS)
