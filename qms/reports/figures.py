"""The compliance figures of an agency, a city and the country: computed once here for the PDF
reports and the home-page dashboards alike, so a number on a dashboard is the number in the
report. Each function returns plain data (see registry.Builder) in the current language.

The figures come from the features' own rules: the audit compliance figure (`audits.figures`:
the formula, counted in SQL, and the latest issued audit per clause), the finding grades
(`audits.grades`), the corrective-action and complaint figures (`capa.figures`, counted in SQL
with the same rules of the models), document control's counts and reviews due
(`documents.figures`) and the small-business funnel (`sme.figures`).
What is selected (one agency, one city, a period) is decided here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time
from typing import Any

from flask_babel import get_locale
from sqlalchemy import ColumnElement, case, extract, func, or_, select
from sqlalchemy.orm import lazyload

from qms.accounts.models import User
from qms.audits import figures as audit_figures
from qms.audits import grades
from qms.audits.figures import Tally
from qms.audits.models import AUDIT_KIND_LABELS, Finding
from qms.capa import figures as capa_dashboard
from qms.capa.models import GRADE_LABELS as NC_GRADE_LABELS
from qms.capa.models import STATUS_LABELS as NC_STATUS_LABELS
from qms.capa.models import Complaint, Nonconformity
from qms.capa.settings import setting as capa_setting
from qms.documents.figures import document_counts, documents_to_review
from qms.documents.models import DOCUMENT_STATUS_LABELS, DocumentStatus, ReviewState
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.sme import figures as sme_figures
from qms.sme.vocabulary import STAGE_LABELS, Stage
from qms.standards.models import Clause

Period = tuple[date | None, date | None]


def _in_period(day: date | None, period: Period) -> bool:
    start, end = period
    if day is None:
        return start is None and end is None
    return (start is None or day >= start) and (end is None or day <= end)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def as_percent(share: float | None) -> float | None:
    """A share (0..1) as a percentage with one decimal, as the charts print it."""
    return None if share is None else round(share * 100, 1)


def chapter_of(clause_number: str) -> str:
    """The main clause (4 … 10) a clause number belongs to."""
    return clause_number.split(".", 1)[0]


def _clause_titles(numbers: set[str]) -> dict[str, str]:
    english = str(get_locale() or "id") == "en"
    rows = db.session.execute(
        select(Clause.number, Clause.title_id, Clause.title_en, Clause.untitled).where(
            Clause.number.in_(numbers)
        )
    )
    titles = {}
    for number, title_id, title_en, untitled in rows:
        title = title_en if english and title_en else title_id
        # a sub-clause the standard leaves untitled: our label, in brackets (9.2.2 (…))
        titles[number] = f"({title})" if untitled else title
    return titles


def _clause_key(number: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in number.split("."))


# --- audits -------------------------------------------------------------------------------


def audit_day(audit: Any) -> date:
    """The day an audit counts for in a period: its last day on site, else its plan."""
    return audit.actual_end or audit.actual_start or audit.planned_end


def audits_of(
    agency_ids: list[int], period: Period, *, by_clause: bool = True
) -> dict[int, list[dict[str, Any]]]:
    """Each agency's issued audits (reported or closed) in the period, oldest first, with the
    compliance of each audit overall, per main clause and (`by_clause`) per clause."""
    if not agency_ids:
        return {}
    audits = [
        a for a in audit_figures.issued_audits(agency_ids) if _in_period(audit_day(a), period)
    ]
    ids = [a.id for a in audits]
    level = Clause.number if by_clause else _chapter_of_clause()
    by_audit = audit_figures.clause_tallies(ids, level)
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
        clauses = by_audit.get(a.id, {})
        chapters: dict[str, Tally] = {}
        for number, tally in clauses.items():
            chapter = chapter_of(number)
            chapters[chapter] = chapters.get(chapter, Tally()) + tally
        result[a.agency_id].append(
            {
                "id": a.id,
                "reference": a.reference,
                "kind": str(AUDIT_KIND_LABELS[a.kind]),
                "day": audit_day(a),
                "reported_at": a.reported_at,
                "tally": sum(chapters.values(), Tally()).as_dict(),
                "clauses": _assessed(clauses) if by_clause else {},
                "chapters": _assessed(chapters),
                "grades": dict(grade_counts[a.id]),
            }
        )
    return result


def _chapter_of_clause() -> ColumnElement[str]:
    """SQL: the main clause of `Clause.number`, as `chapter_of` gives it."""
    chapters = {chapter_of(n) for n in db.session.scalars(select(Clause.number).distinct())}
    return case(
        *(
            (or_(Clause.number == c, Clause.number.startswith(f"{c}.", autoescape=True)), c)
            for c in sorted(chapters)
        ),
        else_=Clause.number,
    )


def _assessed(tallies: dict[str, Tally]) -> dict[str, dict[str, Any]]:
    """The tallies of the clauses with an assessed row."""
    return {number: tally.as_dict() for number, tally in tallies.items()}


def latest_by_clause(audits: list[dict[str, Any]], level: str = "clauses") -> dict[str, dict]:
    """For each clause (or main clause), the figure from the latest issued audit that assessed
    it, as on the agency's compliance page (`audits.figures.latest_by_clause`)."""
    latest = audit_figures.latest_by_clause(
        audits, lambda a: a[level], lambda a: (a["reported_at"], a["id"])
    )
    return {
        number: {**tally, "audit": audit["reference"]} for number, (audit, tally) in latest.items()
    }


def _overall(tallies: list[dict[str, Any]]) -> dict[str, Any]:
    total = Tally(
        sum(t["conform"] for t in tallies),
        sum(t["observation"] for t in tallies),
        sum(t["nonconform"] for t in tallies),
    )
    return total.as_dict()


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


def _nc_selection(agency_ids: list[int], period: Period) -> list[ColumnElement[bool]]:
    """The agencies' nonconformities raised in the period (archived ones count nowhere)."""
    conditions = [Nonconformity.agency_id.in_(agency_ids), Nonconformity.archived_at.is_(None)]
    if period[0]:
        conditions.append(Nonconformity.raised_on >= period[0])
    if period[1]:
        conditions.append(Nonconformity.raised_on <= period[1])
    return conditions


def _complaint_selection(agency_ids: list[int], period: Period) -> list[ColumnElement[bool]]:
    """The agencies' complaints received in the period."""
    start, end = _period_bounds(period)
    conditions = [Complaint.agency_id.in_(agency_ids)]
    if start:
        conditions.append(Complaint.received_at >= start)
    if end:
        conditions.append(Complaint.received_at <= end)
    return conditions


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group meet the condition."""
    return func.sum(case((condition, 1), else_=0))


def nonconformities_of(agency_ids: list[int], period: Period) -> list[Nonconformity]:
    query = (
        select(Nonconformity)
        .where(*_nc_selection(agency_ids, period))
        .options(lazyload("*"))  # not the joined agency
    )
    return list(db.session.scalars(query.order_by(Nonconformity.raised_on, Nonconformity.id)))


def complaints_of(agency_ids: list[int], period: Period) -> list[Complaint]:
    query = select(Complaint).where(*_complaint_selection(agency_ids, period))
    return list(db.session.scalars(query.options(lazyload("*"))))


def capa_counts(agency_ids: list[int], period: Period, today: date) -> dict[int, dict[str, int]]:
    """Per agency, the counts of `capa_figures` that a city summary needs, counted in SQL with
    the models' own rules (a city has thousands of nonconformities and complaints): open and
    overdue nonconformities, complaints, complaints answered in time."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"open": 0, "overdue": 0, "complaints": 0, "in_time": 0}
    )
    for agency_id, open_count, overdue in db.session.execute(
        select(
            Nonconformity.agency_id,
            _count_if(Nonconformity.is_open),
            _count_if(Nonconformity.is_overdue(today)),
        )
        .where(*_nc_selection(agency_ids, period))
        .group_by(Nonconformity.agency_id)
    ):
        counts[agency_id].update(open=open_count, overdue=overdue)
    limit = capa_setting("COMPLAINT_RESPONSE_DAYS")
    for agency_id, total, in_time in db.session.execute(
        select(Complaint.agency_id, func.count(), _count_if(Complaint.answered_within(limit)))
        .where(*_complaint_selection(agency_ids, period))
        .group_by(Complaint.agency_id)
    ):
        counts[agency_id].update(complaints=total, in_time=in_time)
    return counts


def ncs_per_year(agency_ids: list[int], period: Period) -> dict[int, int]:
    """How many nonconformities the agencies raised in each year of the period."""
    year = extract("year", Nonconformity.raised_on)
    return {
        int(y): n
        for y, n in db.session.execute(
            select(year, func.count()).where(*_nc_selection(agency_ids, period)).group_by(year)
        )
    }


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
            "open": nc.is_open,
            "overdue": nc.is_overdue(today),
            "overdue_days": (today - nc.due_date).days if nc.is_overdue(today) else 0,
        }
        for nc in ncs
    ]


def document_figures(agency_id: int, today: date) -> dict[str, Any]:
    """Document control as of today: documents by status, reviews due soon and overdue (the
    documents feature's figures, as its agency panel counts them)."""
    counts = document_counts([agency_id], today)[agency_id]
    to_review = documents_to_review([agency_id], today)

    def listed(state: ReviewState) -> list[dict[str, Any]]:
        return [
            {"code": d.code, "title": d.title, "next_review_on": d.next_review_on}
            for d in to_review[state]
        ]

    return {
        "total": counts.total,
        "by_status": [
            {"label": str(DOCUMENT_STATUS_LABELS[s]), "count": counts.by_status[s]}
            for s in DocumentStatus
        ],
        "effective": counts.by_status[DocumentStatus.EFFECTIVE],
        "due": listed(ReviewState.DUE),
        "overdue": listed(ReviewState.OVERDUE),
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
        "documents": document_figures(agency.id, today),
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
    audits = audits_of(ids, period, by_clause=False)
    capa = capa_counts(ids, period, today)
    documents = document_counts(ids, today)

    all_chapters: set[str] = set()
    rows = []
    for agency in agencies:
        own = audits.get(agency.id, [])
        chapters = latest_by_clause(own, "chapters")
        all_chapters.update(chapters)
        grade_counts: Counter = Counter()
        for audit in own:
            grade_counts.update(audit["grades"])
        own_capa = capa[agency.id]
        own_documents = documents[agency.id]
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
                "open_ncs": own_capa["open"],
                "overdue_ncs": own_capa["overdue"],
                "documents": own_documents.total,
                "reviews_overdue": own_documents.overdue,
                "complaints": own_capa["complaints"],
                "complaints_in_time": _share(own_capa["in_time"], own_capa["complaints"]),
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
    nc_years = ncs_per_year(ids, period)
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
    sme = sme_figures.compute(viewer, today, city_id=city.id)
    funnel = [{"label": str(STAGE_LABELS[s]), "count": n} for s, n in sme.funnel]
    audited = [r for r in rows if r["compliance"] is not None]
    complaints = sum(c["complaints"] for c in capa.values())
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
            "open_ncs": sum(c["open"] for c in capa.values()),
            "overdue_ncs": sum(c["overdue"] for c in capa.values()),
            "reviews_overdue": sum(r["reviews_overdue"] for r in rows),
            "complaints": complaints,
            "complaints_in_time": _share(sum(c["in_time"] for c in capa.values()), complaints),
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
