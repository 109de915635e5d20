"""The corrective action request form (Permintaan Tindakan Koreksi, PTK) of one
nonconformity; and what corrective actions and complaints add to the agency compliance report
and to the city summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from qms.accounts.models import User
from qms.capa import evidence_pack, figures
from qms.capa.interface import request_form_blocks
from qms.capa.models import Nonconformity
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations.models import City
from qms.reports import registry, sections
from qms.standards.models import Clause, Standard


def find(number: str, city: City) -> Nonconformity | None:
    return db.session.scalar(
        registry.in_city_agencies(Nonconformity, city)
        .where(Nonconformity.number == number.upper())
        .order_by(Nonconformity.id.desc())
        .limit(1)
    )


def _clause_title(number: str, standard_code: str) -> str:
    """The title of the clause a nonconformity names, of its own standard, in the report's
    language ("" if none)."""
    if not number:
        return ""
    query = select(Clause).where(Clause.number == number, Clause.retired_at.is_(None))
    if standard_code:
        query = query.join(Standard, Standard.id == Clause.standard_id).where(
            Standard.code == standard_code
        )
    clause = db.session.scalar(query.order_by(Clause.id).limit(1))
    return clause.shown_title if clause is not None else ""


def _heading(nc: Nonconformity) -> dict[str, Any]:
    """What names a nonconformity wherever a report shows one."""
    return {
        "number": nc.number,
        "raised_on": nc.raised_on,
        "due_date": nc.due_date,
        "grade": str(nc.grade.label),
        "status": str(nc.status.label),
        "statement": nc.statement,
    }


def build(req: registry.ReportRequest) -> dict[str, Any]:
    nc: Nonconformity = req.record
    return {
        **_heading(nc),
        "clause_title": _clause_title(nc.clause, nc.clause_standard),
        "clauses": nc.clause_references,
        "agency": nc.agency.name,
        "unit": nc.unit.path if nc.unit else "",
        "source": str(nc.source.label),
        "source_reference": nc.source_reference,
        "process": nc.process,
        "clause": nc.clause,
        "criterion": nc.criterion,
        "requirement": nc.requirement,
        "evidence": nc.evidence,
        "correction": nc.correction,
        "correction_on": nc.correction_on,
        "why_steps": list(nc.why_steps or []),
        "root_cause": nc.root_cause,
        "cause_category": str(nc.cause_category.label) if nc.cause_category else "",
        "occurs_elsewhere": nc.occurs_elsewhere,
        "elsewhere_note": nc.elsewhere_note,
        "actions": [
            {
                "kind": str(a.kind.label),
                "description": a.description,
                "owner": a.owner,
                "due_date": a.due_date,
                "done_at": a.done_at,
            }
            for a in nc.current_actions
        ],
        "checks": [
            {
                "on": c.verified_on,
                "by": c.verified_by.name,
                "result": str(c.result.label),
                "note": c.note,
            }
            for c in nc.checks
        ],
        "closed_at": nc.closed_at,
        "closed_by": nc.closed_by.name if nc.closed_by else "",
        "raised_by": nc.raised_by.name if nc.raised_by else "",
        "representative": nc.auditee_representative,
        # what other features add to the request (the risks its analysis updated)
        "blocks": request_form_blocks(nc),
    }


REQUEST_FORM = registry.ReportType(
    key="corrective-action-request",
    title=_l("Corrective action request"),
    template="capa/pdf/request_form.html",
    build=build,
    record=registry.RecordKind(model=Nonconformity, label=_l("Nonconformity number"), find=find),
    description=_l(
        "The request form (PTK) of one nonconformity: statement, evidence, correction, root "
        "cause, action plan and effectiveness check, with signatures."
    ),
    order=40,
    # 2: one form without cover and contents, under the city's letterhead
    version=2,
)


# --- the agency compliance report and the city summary --------------------------------------


def _period(req: registry.ReportRequest) -> figures.Period:
    return (req.period_start, req.period_end)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _nc_rows(req: registry.ReportRequest, day: date) -> list[dict[str, Any]]:
    assert req.agency is not None and req.requested_by is not None
    query = figures.nonconformities_in(req.requested_by, [req.agency.id], _period(req))
    listed = db.session.scalars(
        query.options(lazyload("*")).order_by(Nonconformity.raised_on, Nonconformity.id)
    )
    return [
        {
            **_heading(nc),
            "clause": nc.clause_label,
            "age_days": (day - nc.raised_on).days,
            "open": nc.is_open,
            "overdue": nc.is_overdue(day),
            "overdue_days": (day - nc.due_date).days if nc.is_overdue(day) else 0,
        }
        for nc in listed
    ]


def build_actions(req: registry.ReportRequest) -> dict[str, Any]:
    """The agency's nonconformities of the period: counts, ageing, time to close, the list."""
    assert req.agency is not None and req.requested_by is not None
    day = today()
    board = figures.summarise(req.requested_by, [req.agency.id], _period(req), day)
    rows = _nc_rows(req, day)
    return {
        "total": len(rows),
        "open": board.open_total,
        "closed": board.closed_count,
        "mean_days_to_close": board.mean_days_to_close,
        "overdue_count": board.overdue_count,
        "ageing": [{"label": label, "count": n} for label, n in board.ageing],
        "ncs": rows,
    }


def build_complaints(req: registry.ReportRequest) -> dict[str, Any]:
    """The agency's complaints of the period by channel, with the time taken to answer."""
    assert req.agency is not None and req.requested_by is not None
    board = figures.summarise(req.requested_by, [req.agency.id], _period(req), today())
    total = sum(n for _label, n in board.complaints_by_channel)
    return {
        "complaints": total,
        "complaints_by_channel": [
            {"label": label, "count": n} for label, n in board.complaints_by_channel
        ],
        "response_by_channel": [
            {"label": label, "answered": answered, "mean_days": mean, "in_time": in_time}
            for label, answered, mean, in_time in board.response_by_channel
        ],
        "response_buckets": [{"label": label, "count": n} for label, n in board.response_buckets],
        "unanswered": board.unanswered,
        "in_time": _share(
            sum(
                r[3] * n
                for r, (_l, n) in zip(
                    board.response_by_channel, board.complaints_by_channel, strict=True
                )
            ),
            total,
        ),
    }


def _city_counts(req: registry.ReportRequest) -> tuple[list[int], dict[int, dict[str, int]]]:
    assert req.requested_by is not None
    ids = sections.city_agency_ids(req)
    return ids, figures.counts_per_agency(req.requested_by, ids, _period(req), today())


def build_city_actions(req: registry.ReportRequest) -> dict[str, Any]:
    """Per agency of the city: open and overdue nonconformities; per year: those raised."""
    ids, counts = _city_counts(req)
    assert req.requested_by is not None
    return {
        "agencies": {
            i: {"open_ncs": counts[i]["open"], "overdue_ncs": counts[i]["overdue"]} for i in ids
        },
        "years": {
            year: {"ncs": n}
            for year, n in figures.raised_per_year(req.requested_by, ids, _period(req)).items()
        },
        "open_ncs": sum(counts[i]["open"] for i in ids),
        "overdue_ncs": sum(counts[i]["overdue"] for i in ids),
    }


def build_national_actions(user: User, agencies: dict[int, list[int]]) -> dict[int, dict[str, Any]]:
    """Per city: open and overdue nonconformities, as `build_city_actions` counts them, for all
    the cities at once."""
    every = [i for ids in agencies.values() for i in ids]
    counts = figures.counts_per_agency(user, every, (None, None), today())
    return sections.per_city(
        agencies,
        counts,
        lambda listed: {
            "open_ncs": sum(c["open"] for c in listed),
            "overdue_ncs": sum(c["overdue"] for c in listed),
        },
    )


def build_city_complaints(req: registry.ReportRequest) -> dict[str, Any]:
    """Per agency of the city: complaints and the share answered in time."""
    ids, counts = _city_counts(req)
    complaints = sum(counts[i]["complaints"] for i in ids)
    return {
        "agencies": {
            i: {
                "complaints": counts[i]["complaints"],
                "in_time": _share(counts[i]["in_time"], counts[i]["complaints"]),
            }
            for i in ids
        },
        "complaints": complaints,
        "in_time": _share(sum(counts[i]["in_time"] for i in ids), complaints),
    }


SECTIONS = (
    sections.agency_section("capa", "actions", _l("Corrective actions"), 30, build_actions),
    sections.agency_section(
        "capa", "complaints", _l("Complaints and response times"), 50, build_complaints
    ),
    sections.city_section(
        "capa", "actions", 30, build_city_actions, national=build_national_actions
    ),
    sections.city_section("capa", "complaints", 50, build_city_complaints),
)


def register() -> None:
    """Offer the report in the portal, and the sections in the agency and city reports (from
    init_app)."""
    registry.register_report_type(REQUEST_FORM)
    sections.register_report_section(*SECTIONS)
    evidence_pack.register(REQUEST_FORM)  # its evidence pack
