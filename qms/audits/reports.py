"""The audit report of one audit, with what ISO 19011 (6.5) lists and a signatures block; and
what audits add to the agency compliance report (compliance per clause, findings by grade) and
to the city summary (each agency's compliance, the ranking, the trend per year)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.audits import breaches, evidence_pack, figures, grades, queries
from qms.audits.models import Audit, AuditKind, AuditStatus, Finding, RowResult
from qms.extensions import db
from qms.organisations.models import City
from qms.reports import registry, sections
from qms.standards import queries as standards_queries
from qms.standards.models import Standard


def find(reference: str, city: City) -> Audit | None:
    return db.session.scalar(
        registry.in_city_agencies(Audit, city).where(Audit.reference == reference.upper())
    )


def build(req: registry.ReportRequest) -> dict[str, Any]:
    audit: Audit = req.record
    tally = figures.tally(audit.rows)
    done = figures.completion(audit.rows)
    by_result: dict[str, list[dict[str, str]]] = {}
    for row in audit.rows:
        if row.result in (RowResult.GOOD_PRACTICE, RowResult.NOT_AUDITED, RowResult.NOT_APPLICABLE):
            by_result.setdefault(row.result.value, []).append(
                {"clause": row.clause.number, "text": row.notes or row.question_text}
            )
    units = [u.path for u in audit.agency.units if u.id in (audit.scope_unit_ids or [])]
    parts = queries.standard_parts(audit)
    programme = audit.programme_item.programme.title if audit.programme_item else ""
    return {
        "reference": audit.reference,
        "formula": figures.formula_text(),
        "draft": audit.status in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS),
        "status": str(AuditStatus.labels()[audit.status]),
        "kind": str(AuditKind.labels()[audit.kind]),
        "objectives": audit.objectives,
        "auditee": audit.agency.name,
        "auditee_address": audit.agency.address,
        "head": audit.agency.head_name,
        "units": units,
        "processes": audit.scope_processes,
        "clauses": [c.label for c in queries.clauses_in_scope(audit)],
        "integrated": audit.is_integrated,
        # one section per standard (an integrated audit has several): its clauses in scope,
        # its findings (each naming every clause it breaches) and its figures
        "standards": [_standard_part(part) for part in parts],
        "client": audit.agency.city.name,
        "programme": programme,
        "lead": audit.lead_auditor.name if audit.lead_auditor else None,
        "team": [u.name for u in audit.team],
        "representatives": audit.auditee_representatives,
        "opening": {"at": audit.opening_meeting_at, "attendance": audit.opening_attendance},
        "closing": {"at": audit.closing_meeting_at, "attendance": audit.closing_attendance},
        "start": audit.actual_start or audit.planned_start,
        "end": audit.actual_end or audit.planned_end,
        "agenda": [
            {
                "at": item.starts_at,
                "subject": item.subject,
                "auditor": item.auditor.name if item.auditor else "",
                "auditee": item.auditee,
            }
            for item in audit.agenda
        ],
        "standard": "; ".join(s.title for s in audit.standards),
        "criteria": audit.criteria,
        "findings": [_finding(f) for f in audit.active_findings],
        "good_practices": by_result.get(RowResult.GOOD_PRACTICE.value, []),
        "not_audited": by_result.get(RowResult.NOT_AUDITED.value, []),
        "not_applicable": sorted({r["clause"] for r in by_result.get("not_applicable", [])}),
        "conclusion": audit.conclusion,
        "degree": audit.degree_of_conformity,
        "tally": {
            "conform": tally.conform,
            "observation": tally.observation,
            "nonconform": tally.nonconform,
            "assessed": tally.assessed,
            "compliance": tally.compliance,
        },
        # how much of the checklist was answered: completion, apart from compliance
        "completion": {"answered": done.answered, "total": done.total},
        "disagreements": audit.disagreements,
        "areas_not_covered": audit.areas_not_covered,
        "reported_at": audit.reported_at,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "number": finding.number,
        "grade": grades.grade_label(finding.grade),
        "clause": finding.clause.number,
        "standard": finding.clause.standard.short_name,
        # every clause it breaches, with its standard ("SNI ISO 37001:2016 7.5.3")
        "clauses": [c.reference for c in finding.clauses],
        "requirement": finding.requirement,
        "statement": finding.statement,
        "evidence": finding.evidence,
        "due_date": finding.due_date if finding.follow_up_required else None,
    }


def _standard_part(part: queries.StandardPart) -> dict[str, Any]:
    tally, done = part.tally, part.completion
    return {
        "code": part.standard.code,
        "name": part.standard.short_name,
        "title": part.standard.title,
        "clauses": [c.label for c in part.clauses],
        "findings": [_finding(f) for f in part.findings],
        "tally": tally.as_dict(),
        "completion": {"answered": done.answered, "total": done.total},
    }


AUDIT_REPORT = registry.ReportType(
    key="audit-report",
    title=_l("Audit report"),
    template="audits/pdf/audit_report.html",
    build=build,
    record=registry.RecordKind(model=Audit, label=_l("Audit reference"), find=find),
    description=_l(
        "One audit as ISO 19011 asks: objectives, scope, team, dates, criteria, findings with "
        "evidence, conclusion and degree of conformity, with a signatures block."
    ),
    order=30,
)


# --- the agency compliance report and the city summary --------------------------------------


def _audits(
    req: registry.ReportRequest, agency_ids: list[int], standard: Standard | None = None
) -> dict[int, list[dict[str, Any]]]:
    period = (req.period_start, req.period_end)
    return figures.audits_of(
        agency_ids,
        period,
        visible_to=req.requested_by,
        standard_id=standard.id if standard is not None else None,
    )


def _report_standards(req: registry.ReportRequest) -> list[Standard | None]:
    """The standards the agency report has a part for: the quality standard always, then each
    other standard its issued audits of the period cover (SNI ISO 37001, alone or in an
    integrated audit). None: no standard is loaded, one part of everything."""
    assert req.agency is not None
    audits = figures.issued_audits(
        [req.agency.id],
        visible_to=req.requested_by,
        period=(req.period_start, req.period_end),
    )
    audited = set(breaches.standards_audited([a.id for a in audits]))
    quality = queries.default_standard()
    listed = [
        s
        for s in standards_queries.standards()
        if s.id in audited or (quality is not None and s.id == quality.id)
    ]
    return listed or [None]


def build_clauses(req: registry.ReportRequest) -> dict[str, Any]:
    """The agency's compliance per standard (a part for the quality standard, and one for each
    other standard it was audited against in the period): the issued audits, the compliance of
    the latest, per clause (the figure of the compliance page) and per main clause, across the
    audits. An integrated audit counts in each standard's part with that standard's rows. The
    part of the quality standard is also given at the top (the tiles and dashboards)."""
    assert req.agency is not None and req.requested_by is not None
    by_clause = figures.compliance_by_clause(
        req.agency, req.requested_by, (req.period_start, req.period_end)
    )
    parts = [_standard_figures(req, standard, by_clause) for standard in _report_standards(req)]
    return {
        # the formula in force is part of the data: a change of weights makes a new report
        "formula": figures.formula_text(),
        **parts[0],
        "parts": parts,
    }


def _standard_figures(
    req: registry.ReportRequest,
    standard: Standard | None,
    by_clause: list[figures.ClauseCompliance],
) -> dict[str, Any]:
    """One standard's part of the agency report (its latest audit per clause is the latest
    audit of that standard, never one of another)."""
    assert req.agency is not None
    audits = _audits(req, [req.agency.id], standard).get(req.agency.id, [])
    if standard is not None:
        by_clause = [f for f in by_clause if f.clause.standard_id == standard.id]
    latest_chapters = figures.latest_chapters(audits)
    chapters = sorted(latest_chapters, key=figures.clause_key)
    titles = figures.clause_titles(set(chapters), standard.id if standard is not None else None)
    latest_audit = audits[-1] if audits else None
    return {
        "standard": standard.short_name if standard is not None else "",
        "standard_code": standard.code if standard is not None else "",
        "audits": audits,
        "latest_audit": latest_audit["reference"] if latest_audit else None,
        "compliance": latest_audit["tally"]["compliance"] if latest_audit else None,
        "overall": figures.overall([a["tally"] for a in audits]),
        "clauses": [
            {
                "number": f.clause.number,
                "title": f.clause.shown_title,
                **f.tally.as_dict(),
                "audit": f.audit.reference,
            }
            for f in by_clause
        ],
        "chapters": [
            {
                "number": c,
                "title": titles.get(c, ""),
                "latest": figures.as_percent(latest_chapters[c]["compliance"]),
            }
            for c in chapters
        ],
        "heat": [
            [figures.as_percent(a["chapters"].get(c, {}).get("compliance")) for a in audits]
            for c in chapters
        ],
    }


def build_findings(req: registry.ReportRequest) -> dict[str, Any]:
    """The findings of the agency's issued audits of the period, by grade."""
    assert req.agency is not None
    counts: Counter = Counter()
    for audit in _audits(req, [req.agency.id]).get(req.agency.id, []):
        counts.update(audit["grades"])
    return {"rows": figures.grade_rows(counts), "total": sum(counts.values())}


def build_city(req: registry.ReportRequest) -> dict[str, Any]:
    """Per agency of the city: its issued audits of the period, the compliance of the latest
    (the ranking), per main clause, and its findings; per year: audits, the compliance of all
    rows assessed, findings. Of the quality standard (the ranking is about the quality
    system; an integrated audit counts with its quality-standard rows)."""
    ids = sections.city_agency_ids(req)
    audits = _audits(req, ids, queries.default_standard())
    agencies: dict[int, dict[str, Any]] = {}
    all_chapters: set[str] = set()
    for agency_id in ids:
        own = audits.get(agency_id, [])
        chapters = figures.latest_chapters(own)
        all_chapters.update(chapters)
        grade_counts: Counter = Counter()
        for audit in own:
            grade_counts.update(audit["grades"])
        agencies[agency_id] = {
            "audits": len(own),
            "latest_audit": own[-1]["reference"] if own else None,
            "compliance": own[-1]["tally"]["compliance"] if own else None,
            "chapters": {c: figures.as_percent(t["compliance"]) for c, t in chapters.items()},
            "findings": sum(grade_counts.values()),
            "nonconform": figures.nonconform_findings(grade_counts),
        }
    by_year: dict[int, list[dict]] = defaultdict(list)
    for own in audits.values():
        for audit in own:
            by_year[audit["day"].year].append(audit)
    chapters = sorted(all_chapters, key=figures.clause_key)
    quality = queries.default_standard()
    titles = figures.clause_titles(set(chapters), quality.id if quality is not None else None)
    shares = [a["compliance"] for a in agencies.values()]
    return {
        "agencies": agencies,
        "years": {
            year: {
                "audits": len(listed),
                "compliance": figures.overall([a["tally"] for a in listed])["compliance"],
                "findings": sum(sum(a["grades"].values()) for a in listed),
            }
            for year, listed in by_year.items()
        },
        "chapters": [{"number": c, "title": titles.get(c, "")} for c in chapters],
        "audited": sum(share is not None for share in shares),
        "compliance": _mean(shares),
        "audits": sum(a["audits"] for a in agencies.values()),
        "findings": sum(a["findings"] for a in agencies.values()),
    }


def _mean(shares: list[float | None]) -> float | None:
    known = [share for share in shares if share is not None]
    return sum(known) / len(known) if known else None


def build_national(user: User, agencies: dict[int, list[int]]) -> dict[int, dict[str, Any]]:
    """Per city: the agencies audited and their mean compliance, as `build_city` counts them,
    for all the cities at once."""
    every = [i for ids in agencies.values() for i in ids]
    quality = queries.default_standard()
    latest = figures.latest_compliance(
        every,
        (None, None),
        visible_to=user,
        standard_id=quality.id if quality is not None else None,
    )
    return sections.per_city(
        agencies,
        latest,
        lambda shares: {
            "audited": sum(share is not None for share in shares),
            "compliance": _mean(shares),
        },
    )


SECTIONS = (
    sections.agency_section("audits", "clauses", _l("Compliance per clause"), 10, build_clauses),
    sections.agency_section("audits", "findings", _l("Findings by grade"), 20, build_findings),
    sections.city_section(
        "audits",
        "audits",
        10,
        build_city,
        ranks="compliance",
        national=build_national,
        chunk_title=_l("Compliance per main clause and agency"),
    ),
)


def register() -> None:
    """Offer the report in the portal, and the sections in the agency and city reports (from
    init_app)."""
    registry.register_report_type(AUDIT_REPORT)
    sections.register_report_section(*SECTIONS)
    evidence_pack.register(AUDIT_REPORT)  # its evidence pack
