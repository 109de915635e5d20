"""The minutes PDF of a management review, "Notulen Rapat Tinjauan Manajemen": a report about
one record (the review), registered in the reports' registry from the review's init_app. It
prints what the review froze — the input pack as prepared — with the discussion, the decisions
and actions, and the attendance list with signature lines; archived and verifiable like every
report."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import City
from qms.reports.registry import (
    RecordKind,
    ReportRequest,
    ReportType,
    in_city_agencies,
    register_report_type,
)
from qms.reports.sections import city_agencies, city_section, register_report_section
from qms.review import evidence_pack, pack
from qms.review.models import HELD, ManagementReview, OutputKind
from qms.review.queries import late_by_of, latest_held_of, link_of
from qms.review.readiness import readiness_of


def find(reference: str, city: City) -> ManagementReview | None:
    """A review by its number (the id the page shows) or its exact title, in the city."""
    query = in_city_agencies(ManagementReview, city).where(ManagementReview.status.in_(HELD))
    reference = reference.strip()
    if reference.isdigit():
        query = query.where(ManagementReview.id == int(reference))
    else:
        query = query.where(ManagementReview.title == reference)
    return db.session.scalar(query.order_by(ManagementReview.id.desc()).limit(1))


def build(req: ReportRequest) -> dict[str, Any]:
    review: ManagementReview = req.record
    items = pack.read(review.pack)
    return {
        "title": review.title,
        "agency": review.agency.name,
        "agency_code": review.agency.code,
        "city": review.agency.city.name,
        "planned_on": review.planned_on,
        "held_on": review.held_on,
        "cut_off": review.cut_off,
        "chair": review.chair,
        "chair_position": review.chair_position,
        "venue": review.venue,
        "agenda": review.agenda,
        "summary": review.summary,
        "status": review.status.value,
        "pack_hash": review.pack_hash,
        "items": [
            {
                "letter": item.letter,
                "title": item.title,
                "entries": [
                    {
                        "key": e.key,
                        "title": e.title,
                        "figures": [[f.label, f.value] for f in e.figures],
                        "rows": e.rows,
                        "trend": e.trend,
                        "note": e.note,
                        "discussion": review.discussion_of(e.key),
                    }
                    for e in item.entries
                ],
            }
            for item in items
        ],
        "actions": [
            {
                "kind": str(OutputKind(a.kind).label),
                "description": a.description,
                "owner": a.owner,
                "due_on": a.due_on,
                "done_on": a.done_on,
                "result": a.result,
                "link": link.label if (link := link_of(a, req.requested_by)) else "",
            }
            for a in review.actions
        ],
        "attendees": [{"name": a.name, "position": a.position} for a in review.attendees],
    }


MINUTES = ReportType(
    key="management-review-minutes",
    title=_l("Minutes of the management review"),
    template="review/pdf/minutes.html",
    build=build,
    record=RecordKind(
        model=ManagementReview, label=_l("Management review number or title"), find=find
    ),
    description=_l(
        "Notulen Rapat Tinjauan Manajemen: the input pack as frozen, the discussion, decisions "
        "and actions, and the attendance list with signature lines."
    ),
    order=45,
)


def register() -> None:
    register_report_type(MINUTES)
    register_report_section(city_section("review", "readiness", 90, build_city_readiness))
    evidence_pack.register(MINUTES)  # its evidence pack


def _year_ends(req: ReportRequest, today: date) -> list[date]:
    """The days the city's progress is read on: the end of each year of the report's period
    (at most the last five; the current year ends today)."""
    last = min(req.period_end or today, today)
    first_year = max((req.period_start or date(last.year - 2, 1, 1)).year, last.year - 4)
    return [min(date(year, 12, 31), last) for year in range(first_year, last.year + 1)]


def build_city_readiness(req: ReportRequest) -> dict[str, Any]:
    """Per agency of the city: ready for a certification audit or not, with the reasons of the
    conditions that fail (the same answer as the agency's page and its API), and its latest
    management review, flagged when held late; per year: how many agencies were ready at its
    end. Counted for all the agencies at once: the queries do not grow with them."""
    today = local_today()
    agencies = city_agencies(req)
    verdicts = readiness_of(agencies, today)
    latest = latest_held_of([a.id for a in agencies])
    late = late_by_of(list(latest.values()))
    own = {}
    for agency in agencies:
        review = latest.get(agency.id)
        own[agency.id] = {
            "ready": verdicts[agency.id]["ready"],
            "reasons": verdicts[agency.id]["reasons"],
            "last_review": review.held_on if review else None,
            # a review held more than the interval after the previous one is flagged
            "late_by_months": late[review.id] if review else None,
        }
    years = {
        day.year: {
            "ready": sum(
                1
                for verdict in (verdicts if day == today else readiness_of(agencies, day)).values()
                if verdict["ready"]
            )
        }
        for day in _year_ends(req, today)
    }
    return {
        "agencies": own,
        "years": years,
        "ready": sum(1 for a in own.values() if a["ready"]),
    }
