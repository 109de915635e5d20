"""What management reviews put in evidence packs (qms/reports/packs): a held review's minutes;
in an agency's pack, the minutes of its reviews held in the period that the requesting user
may see. A review carries no files of its own: the evidence of the nonconformities it opened is
in their own packs."""

from __future__ import annotations

from collections.abc import Iterator

from qms.core import access
from qms.extensions import db
from qms.reports.packs import AGENCY_PACK_KEY, PackReport, add_pack_contents, register_record_pack
from qms.reports.registry import ReportRequest, ReportType
from qms.review.models import HELD, ManagementReview

PACK_KEY = "evidence-pack-management-review"


def agency_contents(req: ReportRequest) -> Iterator[PackReport]:
    assert req.agency is not None
    query = access.scoped(ManagementReview, req.requested_by).where(
        ManagementReview.agency_id == req.agency.id,
        ManagementReview.status.in_(HELD),
        ManagementReview.archived_at.is_(None),
    )
    if req.period_start:
        query = query.where(ManagementReview.held_on >= req.period_start)
    if req.period_end:
        query = query.where(ManagementReview.held_on <= req.period_end)
    for review in db.session.scalars(query.order_by(ManagementReview.held_on)):
        yield PackReport(
            folder=(f"{review.held_on.isoformat()} {review.title}",),
            report_key="management-review-minutes",
            record=review,
        )


def register(report: ReportType) -> None:
    register_record_pack(report, key=PACK_KEY, order=202)
    add_pack_contents(AGENCY_PACK_KEY, "review", agency_contents)
