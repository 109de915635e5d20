"""The compliance figures of an agency, a city and the country: computed once here for the PDF
reports and the home-page dashboards alike, so a number on a dashboard is the number in the
report. Each function returns plain data (see registry.Builder) in the current language.

The figures come from the features' own rules: the audit compliance formula (`audits.services.
Tally`), the finding grades (`audits.grades`), the corrective-action and complaint figures of
the CAPA dashboard (`capa.dashboard.summarise`), the review state of a document
(`documents.services.review_state`) and the small-business funnel (`sme.dashboard.compute`).
What is selected (one agency, one city, a period) is decided here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time
from typing import Any

from flask_babel import get_locale
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from qms.accounts.models import User
from qms.audits import grades
from qms.audits.models import AUDIT_KIND_LABELS, Audit, ChecklistRow, Finding
from qms.audits.services import REPORTED_STATES, Tally
from qms.capa import dashboard as capa_dashboard
from qms.capa.models import GRADE_LABELS as NC_GRADE_LABELS
from qms.capa.models import STATUS_LABELS as NC_STATUS_LABELS
from qms.capa.models import Complaint, NcStatus, Nonconformity
from qms.documents.models import DOCUMENT_STATUS_LABELS, Document, DocumentStatus
from qms.documents.services import review_state
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.sme import dashboard as sme_dashboard
from qms.sme.models import STAGE_LABELS, Stage
from qms.standards.models import Clause

Period = tuple[date | None, date | None]


def _in_period(day: date | None, period: Period) -> bool:
    start, end = period
    if day is None:
        return start is None and end is None
    return (start is None or day >= start) and (end is None or day <= end)


def _tally_dict(tally: Tally) -> dict[str, Any]:
    return {
        "conform": tally.conform,
        "observation": tally.observation,
        "nonconform": tally.nonconform,
        "assessed": tally.assessed,
        "compliance": tally.compliance,
    }


def as_percent(share: float | None) -> float | None:
    """A share (0..1) as a percentage with one decimal, as the charts print it."""
    return None if share is None else round(share * 100, 1)


def chapter_of(clause_number: str) -> str:
    """The main clause (4 … 10) a clause number belongs to."""
    return clause_number.split(".", 1)[0]


def _clause_titles(numbers: set[str]) -> dict[str, str]:
    english = str(get_locale() or "id") == "en"
    rows = db.session.execute(
        select(Clause.number, Clause.title_id, Clause.title_en).where(Clause.number.in_(numbers))
    )
    return {
        number: (title_en if english and title_en else title_id)
        for number, title_id, title_en in rows
    }


def _clause_key(number: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in number.split("."))


def _plus(total: Tally, more: Tally, times: int = 1) -> Tally:
    """`total` with `times` × `more` added (a result's class comes from `Tally.add`)."""
    return Tally(
        total.conform + times * more.conform,
        total.observation + times * more.observation,
        total.nonconform + times * more.nonconform,
    )


# --- audits -------------------------------------------------------------------------------


def audit_day(audit: Any) -> date:
    """The day an audit counts for in a period: its last day on site, else its plan."""
    return audit.actual_end or audit.actual_start or audit.planned_end


def audits_of(agency_ids: list[int], period: Period) -> dict[int, list[dict[str, Any]]]:
    """Each agency's issued audits (reported or closed) in the period, oldest first, with the
    compliance of each audit overall, per clause and per main clause."""
    if not agency_ids:
        return {}
    audits = [
        a
        for a in db.session.execute(
            select(
                Audit.id,
                Audit.agency_id,
                Audit.reference,
                Audit.kind,
                Audit.actual_start,
                Audit.actual_end,
                Audit.planned_end,
                Audit.reported_at,
            ).where(
                Audit.agency_id.in_(agency_ids),
                Audit.status.in_(REPORTED_STATES),
                Audit.archived_at.is_(None),
            )
        )
        if _in_period(audit_day(a), period)
    ]
    #: conform, observation and nonconform counts per audit and clause
    by_audit: dict[int, dict[str, list[int]]] = defaultdict(dict)
    #: what each checklist result counts as, from the audits' own formula (`Tally.add`)
    classes: dict[Any, tuple[int, int, int]] = {}
    ids = [a.id for a in audits]
    for start in range(0, len(ids), 500):
        # counted in SQL: a city has tens of thousands of checklist rows
        rows = db.session.execute(
            select(ChecklistRow.audit_id, Clause.number, ChecklistRow.result, func.count())
            .join(Clause, Clause.id == ChecklistRow.clause_id)
            .where(ChecklistRow.audit_id.in_(ids[start : start + 500]))
            .group_by(ChecklistRow.audit_id, Clause.number, ChecklistRow.result)
        )
        for audit_id, number, result, count in rows:
            if result not in classes:
                unit = Tally().add(result)
                classes[result] = (unit.conform, unit.observation, unit.nonconform)
            c, o, n = classes[result]
            if c or o or n:
                counts = by_audit[audit_id].setdefault(number, [0, 0, 0])
                counts[0] += c * count
                counts[1] += o * count
                counts[2] += n * count
    grade_counts: dict[int, Counter] = defaultdict(Counter)
    for start in range(0, len(ids), 500):
        for audit_id, grade in db.session.execute(
            select(Finding.audit_id, Finding.grade).where(
                Finding.audit_id.in_(ids[start : start + 500]), Finding.archived_at.is_(None)
            )
        ):
            grade_counts[audit_id][grade] += 1

    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in sorted(audits, key=lambda a: (audit_day(a), a.id)):
        clauses = {number: Tally(*counts) for number, counts in by_audit.get(a.id, {}).items()}
        chapters: dict[str, Tally] = defaultdict(Tally)
        overall = Tally()
        for number, tally in clauses.items():
            chapters[chapter_of(number)] = _plus(chapters[chapter_of(number)], tally)
            overall = _plus(overall, tally)
        result[a.agency_id].append(
            {
                "id": a.id,
                "reference": a.reference,
                "kind": str(AUDIT_KIND_LABELS[a.kind]),
                "day": audit_day(a),
                "reported_at": a.reported_at,
                "tally": _tally_dict(overall),
                "clauses": {n: _tally_dict(t) for n, t in clauses.items() if t.assessed},
                "chapters": {c: _tally_dict(t) for c, t in chapters.items() if t.assessed},
                "grades": dict(grade_counts[a.id]),
            }
        )
    return result


def latest_by_clause(audits: list[dict[str, Any]], level: str = "clauses") -> dict[str, dict]:
    """For each clause (or main clause), the figure from the latest issued audit that assessed
    it, as on the agency's compliance page (`audits.services.compliance_by_clause`)."""
    latest: dict[str, dict] = {}
    ordered = sorted(audits, key=lambda a: (a["reported_at"] or datetime.min, a["id"]))
    for audit in reversed(ordered):
        for number, tally in audit[level].items():
            latest.setdefault(number, {**tally, "audit": audit["reference"]})
    return latest


def _overall(tallies: list[dict[str, Any]]) -> dict[str, Any]:
    total = Tally(
        sum(t["conform"] for t in tallies),
        sum(t["observation"] for t in tallies),
        sum(t["nonconform"] for t in tallies),
    )
    return _tally_dict(total)


def grade_rows(counts: Counter) -> list[dict[str, Any]]:
    """Findings per grade of the configured scale, in its order (grades no longer in the
    scale follow under their key)."""
    rows = [
        {"key": g.key, "label": g.label, "count": counts.get(g.key, 0)} for g in grades.grades()
    ]
    known = {g.key for g in grades.grades()}
    rows += [
        {"key": k, "label": k, "count": n} for k, n in sorted(counts.items()) if k not in known
    ]
    return rows


# --- corrective actions, complaints, documents -------------------------------------------------


def _period_bounds(period: Period) -> tuple[datetime | None, datetime | None]:
    start, end = period
    return (
        datetime.combine(start, time.min) if start else None,
        datetime.combine(end, time.max) if end else None,
    )


def nonconformities_of(agency_ids: list[int], period: Period) -> list[Nonconformity]:
    query = (
        select(Nonconformity)
        .where(Nonconformity.agency_id.in_(agency_ids), Nonconformity.archived_at.is_(None))
        .options(lazyload("*"))  # not the joined agency: a city has thousands
    )
    if period[0]:
        query = query.where(Nonconformity.raised_on >= period[0])
    if period[1]:
        query = query.where(Nonconformity.raised_on <= period[1])
    return list(db.session.scalars(query.order_by(Nonconformity.raised_on, Nonconformity.id)))


def complaints_of(agency_ids: list[int], period: Period) -> list[Complaint]:
    start, end = _period_bounds(period)
    query = select(Complaint).where(Complaint.agency_id.in_(agency_ids)).options(lazyload("*"))
    if start:
        query = query.where(Complaint.received_at >= start)
    if end:
        query = query.where(Complaint.received_at <= end)
    return list(db.session.scalars(query))


def capa_figures(ncs: list[Nonconformity], complaints: list[Complaint], today: date) -> dict:
    board = capa_dashboard.summarise(ncs, complaints, today)
    return {
        "total": len(ncs),
        "open": board.open_total,
        "closed": board.closed_count,
        "mean_days_to_close": board.mean_days_to_close,
        "overdue_count": len(board.overdue),
        "ageing": [{"label": label, "count": n} for label, n in board.ageing],
        "complaints": len(complaints),
        "complaints_by_channel": [
            {"label": label, "count": n} for label, n in board.complaints_by_channel
        ],
        "response_by_channel": [
            {"label": label, "answered": answered, "mean_days": mean, "in_time": in_time}
            for label, answered, mean, in_time in board.response_by_channel
        ],
        "response_buckets": [{"label": label, "count": n} for label, n in board.response_buckets],
        "unanswered": board.unanswered,
        "in_time": (
            sum(
                r[3] * n
                for r, (_l, n) in zip(
                    board.response_by_channel, board.complaints_by_channel, strict=True
                )
            )
            / len(complaints)
            if complaints
            else None
        ),
    }


def nc_rows(ncs: list[Nonconformity], today: date) -> list[dict[str, Any]]:
    return [
        {
            "number": nc.number,
            "raised_on": nc.raised_on,
            "due_date": nc.due_date,
            "grade": str(NC_GRADE_LABELS[nc.grade]),
            "status": str(NC_STATUS_LABELS[nc.status]),
            "clause": nc.clause,
            "statement": nc.statement,
            "age_days": (today - nc.raised_on).days,
            "open": nc.status != NcStatus.CLOSED,
            "overdue": nc.is_overdue(today),
            "overdue_days": (today - nc.due_date).days if nc.is_overdue(today) else 0,
        }
        for nc in ncs
    ]


def documents_of(agency_ids: list[int]) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.agency_id.in_(agency_ids), Document.archived_at.is_(None))
            .order_by(Document.agency_id, Document.doc_type, Document.seq)
        )
    )


def document_figures(documents: list[Document], today: date) -> dict[str, Any]:
    """Document control as of today: documents by status, reviews due soon and overdue."""
    statuses = Counter(d.status for d in documents)
    states = {d.id: review_state(d, today) for d in documents}

    def listed(state: str) -> list[dict[str, Any]]:
        return [
            {"code": d.code, "title": d.title, "next_review_on": d.next_review_on}
            for d in documents
            if states[d.id] == state
        ]

    return {
        "total": len(documents),
        "by_status": [
            {"label": str(DOCUMENT_STATUS_LABELS[s]), "count": statuses.get(s, 0)}
            for s in DocumentStatus
        ],
        "effective": statuses.get(DocumentStatus.EFFECTIVE, 0),
        "due": listed("due"),
        "overdue": listed("overdue"),
    }


# --- one agency ---------------------------------------------------------------------------


def agency_figures(agency: Agency, period: Period, today: date) -> dict[str, Any]:
    """Everything the agency compliance report and the agency's dashboard show."""
    audits = audits_of([agency.id], period).get(agency.id, [])
    latest = latest_by_clause(audits)
    numbers = set(latest) | {chapter_of(n) for n in latest}
    titles = _clause_titles(numbers)
    clause_rows = [
        {"number": n, "title": titles.get(n, ""), **latest[n]}
        for n in sorted(latest, key=_clause_key)
    ]
    latest_chapters = latest_by_clause(audits, "chapters")
    chapters = sorted(latest_chapters, key=_clause_key)
    findings: Counter = Counter()
    for audit in audits:
        findings.update(audit["grades"])
    ncs = nonconformities_of([agency.id], period)
    complaints = complaints_of([agency.id], period)
    latest_audit = audits[-1] if audits else None
    return {
        "today": today,
        "audits": [{k: v for k, v in a.items() if k not in ("clauses",)} for a in audits],
        "latest_audit": latest_audit["reference"] if latest_audit else None,
        "compliance": latest_audit["tally"]["compliance"] if latest_audit else None,
        "overall": _overall([a["tally"] for a in audits]),
        "clauses": clause_rows,
        "chapters": [
            {
                "number": c,
                "title": titles.get(c, ""),
                "latest": as_percent(latest_chapters[c]["compliance"]),
            }
            for c in chapters
        ],
        "heat": [
            [as_percent(a["chapters"].get(c, {}).get("compliance")) for a in audits]
            for c in chapters
        ],
        "findings": grade_rows(findings),
        "findings_total": sum(findings.values()),
        "capa": capa_figures(ncs, complaints, today),
        "ncs": nc_rows(ncs, today),
        "documents": document_figures(documents_of([agency.id]), today),
    }


# --- one city -----------------------------------------------------------------------------


def city_figures(city: City, viewer: User, period: Period, today: date) -> dict[str, Any]:
    """Everything the city compliance summary and the city dashboards show: each agency with
    its figures, ranked by the compliance of its latest issued audit in the period."""
    agencies = list(
        db.session.scalars(
            select(Agency)
            .where(Agency.city_id == city.id, Agency.archived_at.is_(None))
            .order_by(Agency.name, Agency.id)
        )
    )
    ids = [a.id for a in agencies]
    audits = audits_of(ids, period)
    ncs = nonconformities_of(ids, period)
    complaints = complaints_of(ids, period)
    documents = documents_of(ids)
    ncs_by_agency: dict[int, list[Nonconformity]] = defaultdict(list)
    for nc in ncs:
        ncs_by_agency[nc.agency_id].append(nc)
    complaints_by_agency: dict[int, list[Complaint]] = defaultdict(list)
    for complaint in complaints:
        complaints_by_agency[complaint.agency_id].append(complaint)
    documents_by_agency: dict[int, list[Document]] = defaultdict(list)
    for document in documents:
        documents_by_agency[document.agency_id].append(document)

    all_chapters: set[str] = set()
    rows = []
    for agency in agencies:
        own = audits.get(agency.id, [])
        chapters = latest_by_clause(own, "chapters")
        all_chapters.update(chapters)
        grade_counts: Counter = Counter()
        for audit in own:
            grade_counts.update(audit["grades"])
        capa = capa_figures(ncs_by_agency[agency.id], complaints_by_agency[agency.id], today)
        docs = document_figures(documents_by_agency[agency.id], today)
        rows.append(
            {
                "id": agency.id,
                "code": agency.code,
                "name": agency.name,
                "audits": len(own),
                "latest_audit": own[-1]["reference"] if own else None,
                "compliance": own[-1]["tally"]["compliance"] if own else None,
                "chapters": {c: as_percent(t["compliance"]) for c, t in chapters.items()},
                "findings": dict(grade_counts),
                "nonconform": sum(
                    grade_counts.get(g.key, 0) for g in grades.grades() if g.is_nonconformity
                ),
                "open_ncs": capa["open"],
                "overdue_ncs": capa["overdue_count"],
                "documents": docs["total"],
                "reviews_overdue": len(docs["overdue"]),
                "complaints": capa["complaints"],
                "complaints_in_time": capa["in_time"],
            }
        )
    rows.sort(key=lambda r: (r["compliance"] is None, -(r["compliance"] or 0), r["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["compliance"] is not None else None
    chapters = sorted(all_chapters, key=_clause_key)
    titles = _clause_titles(set(chapters))

    years: dict[int, list[dict]] = defaultdict(list)
    for own in audits.values():
        for audit in own:
            years[audit["day"].year].append(audit)
    nc_years = Counter(nc.raised_on.year for nc in ncs)
    trend = [
        {
            "year": year,
            "audits": len(years.get(year, [])),
            "compliance": _overall([a["tally"] for a in years.get(year, [])])["compliance"],
            "findings": sum(sum(a["grades"].values()) for a in years.get(year, [])),
            "ncs": nc_years.get(year, 0),
        }
        for year in sorted(set(years) | set(nc_years))
    ]
    sme = sme_dashboard.compute(viewer, today, city_id=city.id)
    funnel = [{"label": str(STAGE_LABELS[s]), "count": n} for s, n in sme.funnel]
    audited = [r for r in rows if r["compliance"] is not None]
    capa = capa_figures(ncs, complaints, today)
    return {
        "today": today,
        "agencies": rows,
        "chapters": [{"number": c, "title": titles.get(c, "")} for c in chapters],
        "trend": trend,
        "funnel": funnel,
        "totals": {
            "agencies": len(rows),
            "audited": len(audited),
            "audits": sum(r["audits"] for r in rows),
            "compliance": (
                sum(r["compliance"] for r in audited) / len(audited) if audited else None
            ),
            "findings": sum(sum(r["findings"].values()) for r in rows),
            "open_ncs": capa["open"],
            "overdue_ncs": capa["overdue_count"],
            "reviews_overdue": sum(r["reviews_overdue"] for r in rows),
            "complaints": capa["complaints"],
            "complaints_in_time": capa["in_time"],
            "pathways": sum(n for _s, n in sme.funnel),
            "certified": sum(
                n
                for s, n in sme.funnel
                if s in (Stage.CERTIFIED, Stage.SURVEILLANCE, Stage.RENEWAL)
            ),
        },
    }


def national_figures(cities: list[City], viewer: User, today: date) -> list[dict[str, Any]]:
    """Each city's totals (as on its city summary), for the BSN overview."""
    return [
        {
            "id": city.id,
            "name": city.name,
            **city_figures(city, viewer, (None, None), today)["totals"],
        }
        for city in cities
    ]
