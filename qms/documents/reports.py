"""The document master list (daftar induk dokumen) of one agency, as on its page."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.timeutil import today
from qms.documents import queries as documents
from qms.reports.registry import Need, ReportRequest, ReportType, register_report_type


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
    return {"today": day, "documents": rows}


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
)


def register() -> None:
    """Offer the report in the portal (from init_app)."""
    register_report_type(MASTER_LIST)
