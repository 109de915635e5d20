"""What corrective actions contribute to the management review and to certification
readiness (registered from capa's init_app into qms.core; the review never imports capa):

- the input "nonconformities and corrective actions" (9.3.2 c): raised in the review's year,
  open, of which major, overdue at the cut-off, closed in the year;
- the input "complaints and response times" (9.3.2 c: customer feedback): received in the
  year, answered, answered within COMPLAINT_RESPONSE_DAYS, unanswered, the mean days to answer,
  and the complaints per month (the trend);
- the outlet "raise a nonconformity" for an action of a review (source "management review",
  the review named as its source reference);
- readiness: nonconformity records as evidence of 10.2 (retain), and the condition "no major
  nonconformity open"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, extract, func, select

from qms.capa.models import Complaint, NcGrade, NcSource, Nonconformity
from qms.capa.rules import raise_for_rule
from qms.capa.settings import setting
from qms.core import access, readiness, review_inputs
from qms.core.errors import PermissionDenied
from qms.core.timeutil import today as local_today
from qms.extensions import db

NC_LABELS = {
    "raised": _l("Raised in the review period"),
    "open": _l("Open at the cut-off"),
    "open_major": _l("Of which major"),
    "overdue": _l("Overdue at the cut-off"),
    "closed": _l("Closed in the review period"),
}
COMPLAINT_LABELS = {
    "received": _l("Complaints received in the review period"),
    "answered": _l("Answered"),
    "answered_in_time": _l("Answered within the time limit"),
    "unanswered": _l("Not answered"),
    "mean_response_days": _l("Mean days to answer"),
}


def _until(day: date) -> datetime:
    """The first moment after a day (timestamps before it fall on or before the day)."""
    return datetime.combine(day + timedelta(days=1), time.min)


def _ncs(agency: Any, cut_off: date) -> Select:
    return select(func.count(Nonconformity.id)).where(
        Nonconformity.agency_id == agency.id,
        Nonconformity.archived_at.is_(None),
        Nonconformity.raised_on <= cut_off,
    )


def nonconformities_input(agency: Any, cut_off: date) -> dict[str, Any]:
    first, last = review_inputs.review_period(cut_off)
    count = db.session.scalar
    counts = {
        "raised": count(_ncs(agency, cut_off).where(Nonconformity.raised_on >= first)),
        "open": count(_ncs(agency, cut_off).where(Nonconformity.is_open)),
        "open_major": count(
            _ncs(agency, cut_off).where(Nonconformity.is_open, Nonconformity.grade == NcGrade.MAJOR)
        ),
        "overdue": count(_ncs(agency, cut_off).where(Nonconformity.is_overdue(cut_off))),
        "closed": count(
            _ncs(agency, cut_off).where(
                Nonconformity.closed_at >= datetime.combine(first, time.min),
                Nonconformity.closed_at < _until(last),
            )
        ),
    }
    rows = db.session.execute(
        select(Nonconformity.number, Nonconformity.grade, Nonconformity.statement)
        .where(
            Nonconformity.agency_id == agency.id,
            Nonconformity.archived_at.is_(None),
            Nonconformity.raised_on <= cut_off,
            Nonconformity.is_open,
        )
        .order_by(Nonconformity.raised_on, Nonconformity.id)
        .limit(20)
    )
    return {
        "counts": counts,
        "rows": [
            {"text": f"{number} ({grade.value}): {statement[:160]}"}
            for number, grade, statement in rows
        ],
    }


def complaints_input(agency: Any, cut_off: date) -> dict[str, Any]:
    first, last = review_inputs.review_period(cut_off)
    received = select(Complaint).where(
        Complaint.agency_id == agency.id,
        Complaint.received_at >= datetime.combine(first, time.min),
        Complaint.received_at < _until(last),
    )
    days = Complaint.response_days()
    total, answered, in_time, mean = db.session.execute(
        received.with_only_columns(
            func.count(Complaint.id),
            func.count(days),
            func.count(Complaint.id).filter(
                Complaint.answered_within(setting("COMPLAINT_RESPONSE_DAYS"))
            ),
            func.avg(days),
        )
    ).one()
    by_month = {
        f"{int(year):04d}-{int(month):02d}": n
        for year, month, n in db.session.execute(
            received.with_only_columns(
                extract("year", Complaint.received_at),
                extract("month", Complaint.received_at),
                func.count(Complaint.id),
            ).group_by(
                extract("year", Complaint.received_at), extract("month", Complaint.received_at)
            )
        )
    }
    return {
        "counts": {
            "received": total,
            "answered": answered,
            "answered_in_time": in_time,
            "unanswered": total - answered,
            "mean_response_days": round(float(mean), 1) if mean is not None else None,
        },
        "trend": [
            {"period": m, "value": by_month.get(m, 0)} for m in review_inputs.months_of(cut_off)
        ],
        "note": _(
            "Time limit: %(days)s days from receipt.", days=setting("COMPLAINT_RESPONSE_DAYS")
        ),
    }


# --- the outlet of a review's action --------------------------------------------------------

#: the outlet's key: a review action that raised a nonconformity keeps it with the id
OUTLET = "nonconformity"


def raise_from_review(
    actor: Any, agency: Any, action: Mapping[str, Any], target: int | None
) -> int:
    """A nonconformity of the agency for a decision of its management review (9.3.3)."""
    if not access.manages_agency(actor, agency):
        raise PermissionDenied(_("You may not raise a nonconformity in this agency."))
    nc, _raised = raise_for_rule(
        f"management-review-action:{action['action_id']}",
        agency=agency,
        source=NcSource.MANAGEMENT_REVIEW,
        clause="9.3.3",
        criterion=str(action["reference"]),
        statement=str(action["description"]),
        evidence=_("Decided by the management review “%(review)s”.", review=action["reference"]),
        today=local_today(),
        actor=actor,
        source_reference=str(action["reference"]),
    )
    return nc.id


def review_origin(nc: Nonconformity, viewer: Any) -> review_inputs.ActionOrigin | None:
    """The management review action that raised the nonconformity, if the viewer may see the
    review (the nonconformity's page links to it)."""
    return review_inputs.action_origin(OUTLET, nc.id, viewer)


# --- readiness ------------------------------------------------------------------------------


def nonconformity_records(agency_ids: Sequence[int], today: date) -> readiness.FoundEvidence:
    """The agency's register of nonconformities (10.2.2), when it holds any."""
    return readiness.counted_register(
        agency_ids,
        Nonconformity,
        ["10.2", "8.7"],
        _l("Register of nonconformities (%(n)s)"),
        "capa.register",
    )


def no_major_open(agency_ids: Sequence[int], today: date) -> dict[int, readiness.Outcome]:
    majors: dict[int, list[readiness.Evidence]] = {agency_id: [] for agency_id in agency_ids}
    for agency_id, nc_id, number in db.session.execute(
        select(Nonconformity.agency_id, Nonconformity.id, Nonconformity.number)
        .where(
            Nonconformity.agency_id.in_(agency_ids),
            Nonconformity.archived_at.is_(None),
            Nonconformity.is_open,
            Nonconformity.grade == NcGrade.MAJOR,
        )
        .order_by(Nonconformity.id)
    ):
        majors[agency_id].append(
            readiness.Evidence(number, readiness.address("capa.detail", nc_id=nc_id))
        )
    return {
        agency_id: (
            readiness.Outcome(
                False, _("%(n)s major nonconformity(ies) still open.", n=len(links)), links
            )
            if links
            else readiness.Outcome(True, _("No major nonconformity is open."))
        )
        for agency_id, links in majors.items()
    }


def register() -> None:
    review_inputs.add_input_provider(
        review_inputs.InputProvider(
            "c",
            "nonconformities",
            _l("Nonconformities and corrective actions"),
            nonconformities_input,
            NC_LABELS,
            order=40,
        )
    )
    review_inputs.add_input_provider(
        review_inputs.InputProvider(
            "c",
            "complaints",
            _l("Customer feedback: complaints and response times"),
            complaints_input,
            COMPLAINT_LABELS,
            order=10,
        )
    )
    review_inputs.add_action_outlet(
        review_inputs.ActionOutlet(
            OUTLET,
            _l("Raise a nonconformity"),
            raise_from_review,
            review_inputs.describing(
                Nonconformity,
                "capa.detail",
                "nc_id",
                lambda nc: nc.number,
                lambda nc: str(nc.status.label),
            ),
        )
    )
    readiness.add_evidence_source(
        readiness.EvidenceSource(
            "nonconformities",
            _l("Nonconformity records"),
            readiness.RETAIN,
            nonconformity_records,
            40,
        )
    )
    readiness.add_condition(
        readiness.Condition(
            "no-major-open", _l("No major nonconformity open"), no_major_open, order=40
        )
    )
