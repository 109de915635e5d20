"""The read side of internal audits: lists, a programme's lines, what forms offer, the clauses
and questions in an audit's scope, and the home and agency panels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import joinedload, selectinload

from qms.accounts.models import User
from qms.accounts.queries import auditors_of_city
from qms.audits import figures
from qms.audits.eligibility import split_offers
from qms.audits.models import Audit, AuditProgramme, AuditStatus, ChecklistRow, ProgrammeItem
from qms.audits.policies import independence_problem, is_team, plans_audits_in
from qms.core import access
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit
from qms.standards import queries
from qms.standards.models import Clause, Question, Standard

#: roles whose home shows every open audit they may see (a city's overview), not only their own
OVERVIEW_ROLES = (Role.SYSTEM_ADMIN, Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER)
#: how many audits the home panel lists, and how many latest reports the agency panel
HOME_PANEL_AUDITS = 10
AGENCY_PANEL_REPORTS = 3


def visible_audits(
    actor: User, *, status: AuditStatus | str | None = None, agency_id: int | None = None
) -> Select[tuple[Audit]]:
    query = access.scoped(Audit, actor).order_by(Audit.planned_start.desc(), Audit.id.desc())
    if status:
        query = query.where(Audit.status == AuditStatus(status))
    if agency_id:
        query = query.where(Audit.agency_id == agency_id)
    return query


def audit_list(
    actor: User, *, status: AuditStatus | str | None = None, agency_id: int | None = None
) -> Select[tuple[Audit]]:
    """The audit list (page and API): the visible audits with what a row of the list shows
    loaded with them (the agency; the standard and team the API gives)."""
    return visible_audits(actor, status=status, agency_id=agency_id).options(
        joinedload(Audit.agency),
        joinedload(Audit.standard),
        joinedload(Audit.lead_auditor),
        selectinload(Audit.members),
        selectinload(Audit.standard_links),
    )


def visible_programmes(actor: User) -> Select[tuple[AuditProgramme]]:
    """Archived programmes stay listed (marked): they are the records of past years."""
    return access.scoped(AuditProgramme, actor, include_archived=True).order_by(
        AuditProgramme.year.desc(), AuditProgramme.id.desc()
    )


@dataclass(frozen=True)
class ProgrammeLine:
    item: ProgrammeItem
    audits: list[Audit]

    @property
    def done(self) -> bool:
        return any(a.report_issued for a in self.audits)


def programme_lines(programme: AuditProgramme) -> list[ProgrammeLine]:
    """Planned against done: each live item with its live audits."""
    live = [item for item in programme.items if item.archived_at is None]
    return [ProgrammeLine(item, item.live_audits) for item in live]


# --- what forms offer ---------------------------------------------------------------------


def _by_name(records: list[Any]) -> list[Any]:
    return sorted(records, key=lambda r: (r.name, r.id))


def planning_cities(actor: User) -> list[City]:
    """The cities the user may make an audit programme for."""
    return access.where_may_create(actor, AuditProgramme, City)


def planning_agencies(actor: User) -> list[Agency]:
    """The agencies the user may plan an audit of (never their own)."""
    return access.where_may_create(actor, Audit, Agency)


def programme_agencies(actor: User, programme: AuditProgramme) -> list[Agency]:
    """The agencies of the programme's city the user sees: what a programme item may name."""
    return _by_name(
        db.session.scalars(
            access.scoped(Agency, actor).where(Agency.city_id == programme.city_id)
        ).all()
    )


def units_of(actor: User, agencies: list[Agency]) -> list[Unit]:
    """The units of these agencies the user sees: what an audit's scope may name."""
    return list(
        db.session.scalars(
            access.scoped(Unit, actor)
            .where(Unit.agency_id.in_([a.id for a in agencies]))
            .order_by(Unit.agency_id, Unit.name)
        )
    )


def auditors_of(city_ids: set[int]) -> list[User]:
    """The internal auditors of these cities: who may lead an audit or join its team."""
    return [user for city_id in sorted(city_ids) for user in auditors_of_city(city_id)]


def team_offers(
    audit: Audit | None, candidates: list[User], *, lead: bool
) -> tuple[list[User], list[tuple[User, str]]]:
    """Whom a team form offers (to lead, or to join), and whom not with the reason: not
    independent of the audited agency, or not qualified by the registered team rules."""
    on = audit.planned_start if audit is not None and audit.planned_start else today()
    offered, refused = split_offers(candidates, on, lead=lead)
    if audit is None:
        return offered, refused
    independent = []
    for candidate in offered:
        problem = independence_problem(candidate, audit)
        if problem:
            refused.append((candidate, problem))
        else:
            independent.append(candidate)
    return independent, refused


def default_standard() -> Standard | None:
    """The standard audits use unless told otherwise: the quality standard (SNI ISO 9001)."""
    return queries.quality_standard()


def previous_audits(actor: User, audit: Audit) -> list[Audit]:
    """Earlier audits of the same agency whose checklist the user may copy."""
    return list(
        db.session.scalars(
            access.scoped(Audit, actor)
            .where(Audit.agency_id == audit.agency_id, Audit.id != audit.id)
            .order_by(Audit.planned_start.desc())
        )
    )


# --- the scope ----------------------------------------------------------------------------


def clauses_in_scope(audit: Audit) -> list[Clause]:
    """The current clauses of the audit's standards covered by the scope (a number covers its
    sub-clauses, in each standard that has it), standard by standard, the primary first."""
    numbers = audit.scope_clauses or []
    return [
        c
        for standard in audit.standards
        for c in queries.current_clauses(standard)
        if any(c.number == n or c.number.startswith(n + ".") for n in numbers)
    ]


def common_clause(number: str) -> str:
    """The clause under which an integrated checklist groups a clause of either standard: its
    first two levels ("7.5" of "7.5.3.1"), which the standards share (Annex SL)."""
    return ".".join(number.split(".")[:2])


def scope_questions(audit: Audit) -> list[Question]:
    """The questions of the clauses in scope: in the standard's order, or, for an integrated
    audit, by common clause (7.5 of both standards together), each standard's in its order."""
    clauses = {c.id: c for c in clauses_in_scope(audit)}
    found = queries.current_questions(list(clauses))
    if not audit.is_integrated:
        return sorted(found, key=lambda q: (clauses[q.clause_id].position, q.position))
    rank = {s.id: index for index, s in enumerate(audit.standards)}

    def order(question: Question) -> tuple:
        clause = clauses[question.clause_id]
        key = figures.clause_key(common_clause(clause.number))
        return (key, rank[clause.standard_id], clause.position, question.position)

    return sorted(found, key=order)


@dataclass(frozen=True)
class StandardPart:
    """One standard's part of an audit (an integrated audit has one per standard): its
    clauses in scope, its checklist rows, the findings raised on them (a finding stands under
    the standard of its row's clause and names every clause it breaches) and their figures."""

    standard: Standard
    clauses: list[Clause]
    rows: list[ChecklistRow]
    findings: list[Any]
    #: every finding of the audit: those of the other standard may breach this one's clauses
    all_findings: list[Any]

    @property
    def tally(self) -> figures.Tally:
        """The rows' figure, with the further clauses of this standard that findings breach
        (a finding on SNI ISO 9001 7.5.3 that also breaches SNI ISO 37001 7.5.3)."""
        return figures.tally(self.rows) + figures.breaches_of(self.all_findings, self.standard.id)

    @property
    def completion(self) -> figures.Completion:
        return figures.completion(self.rows)


def standard_parts(audit: Audit) -> list[StandardPart]:
    """The audit standard by standard, the primary first (the report's sections)."""
    in_scope = clauses_in_scope(audit)
    return [
        StandardPart(
            standard,
            [c for c in in_scope if c.standard_id == standard.id],
            [r for r in audit.rows if r.clause.standard_id == standard.id],
            [f for f in audit.active_findings if f.clause.standard_id == standard.id],
            audit.active_findings,
        )
        for standard in audit.standards
    ]


def audit_clauses(audit: Audit) -> list[Clause]:
    """Every clause of the audit's standards (where the auditor's own question may go)."""
    return [c for standard in audit.standards for c in standard.clauses if c.retired_at is None]


def also_clauses(audit: Audit) -> Any:
    """For a row of an integrated audit, the clauses of the other standards under the same
    common clause (what its finding may also breach: 37001 7.5.3 beside 9001 7.5.3); none for
    an audit of one standard. A function of the row, for the checklist page."""
    if not audit.is_integrated:
        return lambda _row: []
    by_group: dict[str, list[Clause]] = {}
    for clause in audit_clauses(audit):
        by_group.setdefault(common_clause(clause.number), []).append(clause)

    def of(row: ChecklistRow) -> list[Clause]:
        group = by_group.get(common_clause(row.clause.number), [])
        return [c for c in group if c.standard_id != row.clause.standard_id]

    return of


# --- panels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseGroup:
    """The rows of one common clause of an integrated checklist ("7.5 Informasi
    terdokumentasi"): the rows of every standard that has it, each labelled with its standard."""

    number: str
    title: str
    rows: list[ChecklistRow]


@dataclass(frozen=True)
class ChecklistSection:
    """The rows of one main clause (4 to 10), as the checklist page shows them: a heading to
    jump to, and how many of them are answered. An integrated audit's rows stand in groups by
    common clause (`grouped`); an audit of one standard has one group of all its rows."""

    number: str
    title: str
    groups: list[ClauseGroup]
    completion: figures.Completion
    grouped: bool = False

    @property
    def rows(self) -> list[ChecklistRow]:
        return [row for group in self.groups for row in group.rows]


def _clause_order(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (10**6, number)


def _titles(audit: Audit) -> dict[str, str]:
    """The titles of the audit's clauses by number, the primary standard's where both have
    the number (Annex SL: the same title)."""
    titles: dict[str, str] = {}
    for standard in audit.standards:
        for clause in standard.clauses:
            titles.setdefault(clause.number, clause.shown_title)
    return titles


def _groups(audit: Audit, rows: list[ChecklistRow], titles: dict[str, str]) -> list[ClauseGroup]:
    """The rows by common clause, in clause order, each group's rows by standard (the
    primary first), then in their standard's order."""
    rank = {s.id: index for index, s in enumerate(audit.standards)}
    by_group: dict[str, list[ChecklistRow]] = {}
    for row in rows:
        by_group.setdefault(common_clause(row.clause.number), []).append(row)
    return [
        ClauseGroup(
            number,
            titles.get(number, ""),
            sorted(
                listed,
                key=lambda r: (rank.get(r.clause.standard_id, 99), r.clause.position, r.position),
            ),
        )
        for number, listed in sorted(by_group.items(), key=lambda item: figures.clause_key(item[0]))
    ]


def checklist_sections(audit: Audit) -> list[ChecklistSection]:
    """The audit's rows by main clause, in the standard's order (an auditor's own question
    added later stands with its clause), each main clause with its title and completion; an
    integrated audit's rows grouped within by common clause (both standards' 7.5 together)."""
    titles = _titles(audit)
    integrated = audit.is_integrated
    by_clause: dict[str, list[ChecklistRow]] = {}
    for row in audit.rows:
        by_clause.setdefault(figures.main_clause(row.clause.number), []).append(row)
    return [
        ChecklistSection(
            number,
            titles.get(number, ""),
            _groups(audit, rows, titles) if integrated else [ClauseGroup(number, "", rows)],
            figures.completion(rows),
            integrated,
        )
        for number, rows in sorted(by_clause.items(), key=lambda item: _clause_order(item[0]))
    ]


def home_panel_visible(user: User) -> bool:
    return user.has_role(Role.INTERNAL_AUDITOR, Role.QUALITY_OFFICER, *OVERVIEW_ROLES)


def home_panel_context(user: User) -> dict[str, Any]:
    """The audits a user has work on: their team's open audits and their agency's reports; for
    the city's administrators and viewers, every open audit of the city."""
    audits = db.session.scalars(
        visible_audits(user).where(Audit.status != AuditStatus.CLOSED)
    ).all()
    if not user.has_role(*OVERVIEW_ROLES):
        audits = [
            a
            for a in audits
            if is_team(user, a) or a.agency_id in user.agency_ids(Role.QUALITY_OFFICER)
        ]
    return {"audits": audits[:HOME_PANEL_AUDITS]}


def agency_panel_visible(user: User, agency: Agency) -> bool:
    """Those who may see any of the agency's audits, and those who may plan one."""
    seen = visible_audits(user, agency_id=agency.id).limit(1)
    return plans_audits_in(user, agency.city_id) or (db.session.scalar(seen) is not None)


def agency_panel_context(user: User, agency: Agency) -> dict[str, Any]:
    audits = db.session.scalars(visible_audits(user, agency_id=agency.id)).all()
    return {
        "agency": agency,
        "upcoming": [a for a in audits if not a.report_issued],
        "reported": [a for a in audits if a.report_issued][:AGENCY_PANEL_REPORTS],
        "figures": figures.compliance_by_clause(agency, user),
    }
