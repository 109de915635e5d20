"""The rules of internal audits: who sees and changes what, auditor independence, the audit
workflow, the checklist, graded findings with race-safe numbers, follow-up, the compliance
figure and the reminders. Services flush; the caller commits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm.attributes import flag_modified

from qms.accounts.models import User
from qms.audits import grades
from qms.audits.models import (
    AUDIT_KIND_PREFIXES,
    AUDIT_STATUS_LABELS,
    FINDING_RESULTS,
    ROW_RESULT_LABELS,
    AgendaItem,
    Audit,
    AuditKind,
    AuditProgramme,
    AuditStatus,
    AuditTeamMember,
    ChecklistRow,
    Finding,
    ProgrammeItem,
    RowResult,
)
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, ValidationFailed
from qms.core.models import check_version, stale_write_refused
from qms.core.numbering import draw_next
from qms.core.registry import Reminder
from qms.core.roles import Role
from qms.core.timeutil import today, utcnow
from qms.core.workflow import StateMachine, Transition
from qms.extensions import db
from qms.files import operations as files
from qms.files.models import StoredFile
from qms.files.policies import register_owner
from qms.organisations.models import Agency, Unit
from qms.standards import queries as standards
from qms.standards.models import Clause, Question, Standard

#: action for recording checklist answers and findings: the audit's team, while in progress
CONDUCT = "conduct"

REPORTED_STATES = (AuditStatus.REPORTED, AuditStatus.CLOSED)
PLANNER_ROLES = (Role.CITY_ADMIN, Role.INTERNAL_AUDITOR)
CITY_READER_ROLES = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER, Role.INTERNAL_AUDITOR)


# --- access -----------------------------------------------------------------------------------


def city_of(audit: Audit) -> int:
    agency = audit.agency or db.session.get(Agency, audit.agency_id)
    return agency.city_id


def is_team(user: User, audit: Audit) -> bool:
    return user.id == audit.lead_auditor_id or any(m.user_id == user.id for m in audit.members)


def is_lead(user: User, audit: Audit) -> bool:
    return audit.lead_auditor_id is not None and user.id == audit.lead_auditor_id


def plans_audits_in(user: User, city_id: int) -> bool:
    """City administrators and the city's internal auditors plan audits."""
    return access.is_city_admin(user, city_id) or city_id in user.city_ids(Role.INTERNAL_AUDITOR)


def _audit_visible(user: User) -> ColumnElement[bool]:
    """National readers see every audit; the city's admins, management viewers and internal
    auditors their city's; the team its own; the audited agency's quality officer only once
    the report is issued (before that the audit is the auditors' working file)."""
    if user.has_role(*access.NATIONAL_READERS):
        return true()
    conditions: list[ColumnElement[bool]] = []
    city_ids = user.city_ids(*CITY_READER_ROLES)
    if city_ids:
        conditions.append(
            Audit.agency_id.in_(select(Agency.id).where(Agency.city_id.in_(city_ids)))
        )
    agency_ids = user.agency_ids(Role.QUALITY_OFFICER)
    if agency_ids:
        conditions.append(and_(Audit.agency_id.in_(agency_ids), Audit.status.in_(REPORTED_STATES)))
    conditions.append(Audit.lead_auditor_id == user.id)
    conditions.append(
        Audit.id.in_(select(AuditTeamMember.audit_id).where(AuditTeamMember.user_id == user.id))
    )
    return access.any_of(conditions)


class AuditPolicy(access.Policy):
    def visible(self, user: User) -> ColumnElement[bool]:
        return _audit_visible(user)

    def allows(self, user: User, action: str, record: Audit) -> bool:
        city_id = city_of(record)
        if action == access.CREATE:
            return plans_audits_in(user, city_id) and independence_problem(user, record) is None
        if action == CONDUCT:
            return record.status == AuditStatus.IN_PROGRESS and is_team(user, record)
        if action == access.ARCHIVE:
            return record.status == AuditStatus.PLANNED and access.is_city_admin(user, city_id)
        if action == access.EDIT:
            # an issued report is a record: its plan, team, meetings and texts stay as issued
            if record.status in (AuditStatus.REPORTED, AuditStatus.CLOSED):
                return False
            if access.is_city_admin(user, city_id) or is_team(user, record):
                return True
            # while still a plan, any independent internal auditor of the city may shape it
            return (
                record.status == AuditStatus.PLANNED
                and plans_audits_in(user, city_id)
                and independence_problem(user, record) is None
            )
        return False


class AuditPartPolicy(access.Policy):
    """Team members, agenda rows, checklist rows and findings: seen with their audit."""

    def __init__(self, model: type) -> None:
        self.model = model

    def visible(self, user: User) -> ColumnElement[bool]:
        return self.model.audit_id.in_(select(Audit.id).where(_audit_visible(user)))

    def allows(self, user: User, action: str, record: Any) -> bool:
        audit = record.audit or db.session.get(Audit, record.audit_id)
        if isinstance(record, ChecklistRow | Finding) and action == access.EDIT:
            return access.can(user, CONDUCT, audit)
        return access.can(user, access.EDIT, audit)


class ProgrammePolicy(access.Policy):
    """The city's planners (city admins, internal auditors) change a programme until it is
    archived; an archived programme is kept for reading. The agencies' quality officers read
    their city's programme too: it tells them when their agency is to be audited."""

    def visible(self, user: User) -> ColumnElement[bool]:
        return access.city_visibility(
            user,
            AuditProgramme.city_id,
            city_roles=(*CITY_READER_ROLES, Role.QUALITY_OFFICER),
        )

    def allows(self, user: User, action: str, record: AuditProgramme) -> bool:
        return record.archived_at is None and plans_audits_in(user, record.city_id)


class ProgrammeItemPolicy(access.Policy):
    def visible(self, user: User) -> ColumnElement[bool]:
        return ProgrammeItem.programme_id.in_(
            select(AuditProgramme.id).where(ProgrammePolicy().visible(user))
        )

    def allows(self, user: User, action: str, record: ProgrammeItem) -> bool:
        programme = record.programme or db.session.get(AuditProgramme, record.programme_id)
        return record.archived_at is None and access.can(user, access.EDIT, programme)


access.register_policy(Audit, AuditPolicy())
for _model in (AuditTeamMember, AgendaItem, ChecklistRow, Finding):
    access.register_policy(_model, AuditPartPolicy(_model))
access.register_policy(AuditProgramme, ProgrammePolicy())
access.register_policy(ProgrammeItem, ProgrammeItemPolicy())
register_owner(ChecklistRow)


# --- auditor independence ---------------------------------------------------------------------


def independence_problem(user: User, audit: Audit) -> str | None:
    """Why `user` may not audit `audit`, or None. ISO 19011 (independence) and ISO 9001 9.2.2
    (objectivity and impartiality): an auditor does not audit their own agency or unit. The
    home agency and unit are those of the user's internal-auditor roles; a quality officer of
    the audited agency is not independent of it either."""
    agency = audit.agency or db.session.get(Agency, audit.agency_id)
    for assignment in user.assignments(Role.INTERNAL_AUDITOR, Role.QUALITY_OFFICER):
        if assignment.unit_id is not None and assignment.unit_id in (audit.scope_unit_ids or []):
            unit = db.session.get(Unit, assignment.unit_id)
            return _(
                "%(name)s may not audit %(unit)s: it is their own unit, and auditors do not "
                "audit their own work (ISO 19011 independence, ISO 9001 9.2.2).",
                name=user.name,
                unit=unit.name,
            )
        if assignment.agency_id == audit.agency_id:
            return _(
                "%(name)s may not audit %(agency)s: it is their home agency, and auditors do "
                "not audit their own work (ISO 19011 independence, ISO 9001 9.2.2). Choose an "
                "auditor from another agency.",
                name=user.name,
                agency=agency.name,
            )
    return None


def check_team_candidate(candidate: User, audit: Audit, field: str) -> None:
    """The one check used wherever an audit's team changes (lead auditor, members, and again
    when the report is issued): an internal auditor of the audit's city who is independent of
    the audited agency and units."""
    if city_of(audit) not in candidate.city_ids(Role.INTERNAL_AUDITOR):
        raise DomainError(
            _l("%(name)s is not an internal auditor of this city.", name=candidate.name),
            field=field,
        )
    problem = independence_problem(candidate, audit)
    if problem:
        raise DomainError(problem, field=field)


# --- programme --------------------------------------------------------------------------------


def _check_year_free(city_id: int, year: int, programme_id: int | None = None) -> None:
    """One programme per city and year; an archived one keeps its year (it is a record)."""
    clash = db.session.scalar(
        select(AuditProgramme).where(
            AuditProgramme.city_id == city_id,
            AuditProgramme.year == year,
            AuditProgramme.id != (programme_id or 0),
        )
    )
    if clash is None:
        return
    if clash.archived_at is not None:
        # plain gettext: the title is user data, never part of a (safe) lazy string
        raise DomainError(
            _("This city's archived programme “%(title)s” is for that year.", title=clash.title),
            field="year",
        )
    raise DomainError(_l("This city already has a programme for that year."), field="year")


def create_programme(actor: User, city_id: int, values: dict[str, Any]) -> AuditProgramme:
    programme = AuditProgramme(
        city_id=city_id,
        year=values["year"],
        title=values["title"].strip(),
        objectives=values.get("objectives") or "",
    )
    access.authorize(actor, access.CREATE, programme)
    _check_year_free(city_id, programme.year)
    db.session.add(programme)
    db.session.flush()
    return programme


def update_programme(
    actor: User, programme: AuditProgramme, values: dict[str, Any]
) -> AuditProgramme:
    """Change a programme's year, title or objectives. The year is fixed once an audit was
    planned from it: its items' months are months of that year."""
    access.authorize(actor, access.EDIT, programme)
    year = values.get("year", programme.year)
    if year != programme.year:
        if any(line.audits for line in programme_lines(programme)):
            raise DomainError(
                _l("The year is fixed once an audit of the programme is planned."),
                field="year",
            )
        _check_year_free(programme.city_id, year, programme.id)
        programme.year = year
    if "title" in values:
        programme.title = (values["title"] or "").strip()
    if "objectives" in values:
        programme.objectives = values["objectives"] or ""
    db.session.flush()
    return programme


def archive_programme(actor: User, programme: AuditProgramme) -> None:
    """Archive (never delete) a programme: it stays readable with its items and audits, and
    no longer changes. Audits planned from it go on."""
    access.authorize(actor, access.ARCHIVE, programme)
    programme.archived_at = utcnow()
    programme.archived_by_id = actor.id
    db.session.flush()


def _check_clause_numbers(standard: Standard | None, numbers: list[str], field: str) -> list[str]:
    """Clean clause numbers; each must exist in the standard."""
    cleaned = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if standard is None:
        return cleaned
    known = {c.number for c in standards.current_clauses(standard)}
    unknown = [n for n in cleaned if n not in known]
    if unknown:
        raise DomainError(
            _l(
                "Unknown clause(s) of %(code)s: %(numbers)s.",
                code=standard.code,
                numbers=", ".join(unknown),
            ),
            field=field,
        )
    return cleaned


def default_standard() -> Standard | None:
    """The standard audits use unless told otherwise: the first loaded ISO 9001 one."""
    found = standards.standards()
    return next((s for s in found if "9001" in s.code), found[0] if found else None)


def _agency_in_city(actor: User, agency_id: int, city_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or agency.city_id != city_id or not access.can(actor, access.VIEW, agency):
        raise DomainError(_l("Choose an agency of this city."), field="agency_id")
    return agency


def save_programme_item(
    actor: User, programme: AuditProgramme, values: dict[str, Any], item: ProgrammeItem | None
) -> ProgrammeItem:
    """Add an item to the programme, or change one."""
    if item is None:
        # linked by id only: attaching it to programme.items before it is valid would
        # autoflush a half-made item
        item = ProgrammeItem(programme_id=programme.id)
        access.authorize(actor, access.CREATE, item)
    else:
        access.authorize(actor, access.EDIT, item)
    month = int(values["planned_month"])
    if not 1 <= month <= 12:
        raise DomainError(_l("The month must be between 1 and 12."), field="planned_month")
    agency_id = _agency_in_city(actor, values["agency_id"], programme.city_id).id
    if item.agency_id not in (None, agency_id) and any(a.archived_at is None for a in item.audits):
        raise DomainError(
            _l("The agency is fixed once an audit was planned for this item."), field="agency_id"
        )
    item.agency_id = agency_id
    item.kind = AuditKind(values["kind"])
    item.planned_month = month
    item.clause_numbers = _check_clause_numbers(
        default_standard(), values.get("clause_numbers") or [], "clause_numbers"
    )
    item.reason = values.get("reason") or ""
    db.session.add(item)
    db.session.flush()
    db.session.expire(programme, ["items"])
    return item


def archive_programme_item(actor: User, item: ProgrammeItem) -> None:
    access.authorize(actor, access.ARCHIVE, item)
    if any(a.archived_at is None for a in item.audits):
        raise DomainError(_l("An audit was already created for this item."))
    item.archived_at = utcnow()
    item.archived_by_id = actor.id
    db.session.flush()


@dataclass(frozen=True)
class ProgrammeLine:
    item: ProgrammeItem
    audits: list[Audit]

    @property
    def done(self) -> bool:
        return any(a.status in REPORTED_STATES for a in self.audits)


def programme_lines(programme: AuditProgramme) -> list[ProgrammeLine]:
    """Planned against done: each live item with its live audits."""
    return [
        ProgrammeLine(item, [a for a in item.audits if a.archived_at is None])
        for item in programme.items
        if item.archived_at is None
    ]


# --- audits -----------------------------------------------------------------------------------

AUDIT_TEXT_FIELDS = (
    "objectives",
    "scope_processes",
    "criteria",
    "auditee_representatives",
    "opening_attendance",
    "opening_notes",
    "closing_attendance",
    "closing_notes",
    "conclusion",
    "degree_of_conformity",
    "disagreements",
    "areas_not_covered",
)
AUDIT_DATE_FIELDS = (
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "opening_meeting_at",
    "closing_meeting_at",
)


def _new_reference(kind: AuditKind, year: int, agency: Agency) -> str:
    base = f"{AUDIT_KIND_PREFIXES[kind]}-{year}-{agency.code}"
    taken = set(db.session.scalars(select(Audit.reference).where(Audit.reference.like(f"{base}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


@dataclass
class Refusals:
    """The refusals of independent checks, collected so that a form shows them all at once
    (the clauses, the dates, the units and the lead auditor are checked each on its own)."""

    refused: list[DomainError] = field(default_factory=list)

    @contextmanager
    def check(self) -> Iterator[None]:
        """Run one check; a refusal is kept (a denied permission is not a field's error)."""
        try:
            yield
        except PermissionDenied:
            raise
        except DomainError as error:
            self.refused.append(error)

    def raise_any(self) -> None:
        """One refusal as it was raised (its own message and field), several as one
        ValidationFailed naming each field."""
        if len(self.refused) == 1:
            raise self.refused[0]
        if self.refused:
            errors: dict[str, list[str]] = {}
            for error in self.refused:
                errors.setdefault(error.field or "", []).append(str(error.message))
            raise ValidationFailed(errors, " ".join(str(e.message) for e in self.refused))


def _apply_audit_values(audit: Audit, values: dict[str, Any], refusals: Refusals) -> None:
    for name in AUDIT_TEXT_FIELDS:
        if name in values:
            setattr(audit, name, values[name] or "")
    for name in AUDIT_DATE_FIELDS:
        if name in values:
            setattr(audit, name, values[name])
    with refusals.check():
        if "scope_clauses" in values:
            clauses = _check_clause_numbers(
                audit.standard or db.session.get(Standard, audit.standard_id),
                values["scope_clauses"],
                "scope_clauses",
            )
            if audit.status != AuditStatus.PLANNED and set(clauses) != set(audit.scope_clauses):
                raise DomainError(
                    _l(
                        "The scope is fixed once the audit has started; add checklist rows instead."
                    ),
                    field="scope_clauses",
                )
            audit.scope_clauses = clauses
        if not audit.scope_clauses:
            raise DomainError(_l("Choose at least one clause in scope."), field="scope_clauses")
    with refusals.check():
        if "scope_unit_ids" in values:
            unit_ids = [int(u) for u in values["scope_unit_ids"] or []]
            own = set(db.session.scalars(select(Unit.id).where(Unit.agency_id == audit.agency_id)))
            if not set(unit_ids) <= own:
                raise DomainError(
                    _l("The units in scope must belong to the audited agency."),
                    field="scope_unit_ids",
                )
            audit.scope_unit_ids = unit_ids
    with refusals.check():
        if audit.planned_end < audit.planned_start:
            raise DomainError(_l("The audit cannot end before it starts."), field="planned_end")
    with refusals.check():
        if audit.actual_start and audit.actual_end and audit.actual_end < audit.actual_start:
            raise DomainError(_l("The audit cannot end before it starts."), field="actual_end")
    if "lead_auditor_id" in values:
        # last: the independence check looks at the units in scope just set
        with refusals.check():
            _set_lead(audit, values["lead_auditor_id"])


def _set_lead(audit: Audit, lead_id: int | None) -> None:
    if lead_id == audit.lead_auditor_id:
        return
    if lead_id:
        lead = db.session.get(User, lead_id)
        if lead is None:
            raise DomainError(_l("Unknown auditor."), field="lead_auditor_id")
        check_team_candidate(lead, audit, "lead_auditor_id")
        for member in [m for m in audit.members if m.user_id == lead_id]:
            audit.members.remove(member)
    audit.lead_auditor_id = lead_id or None
    audit.lead_auditor = db.session.get(User, lead_id) if lead_id else None


def create_audit(actor: User, values: dict[str, Any]) -> Audit:
    """Plan an audit, from a programme item or on its own."""
    item = None
    if values.get("programme_item_id"):
        item = db.session.get(ProgrammeItem, values["programme_item_id"])
        if item is None or not access.can(actor, access.VIEW, item):
            raise DomainError(_l("Unknown programme item."), field="programme_item_id")
    agency = db.session.get(Agency, values.get("agency_id") or (item.agency_id if item else 0))
    if agency is None or not access.can(actor, access.VIEW, agency):
        raise DomainError(_l("Choose an agency."), field="agency_id")
    if item is not None and item.agency_id != agency.id:
        raise DomainError(_l("The programme item is for another agency."), field="agency_id")
    standard = (
        db.session.get(Standard, values["standard_id"])
        if values.get("standard_id")
        else default_standard()
    )
    if standard is None:
        raise DomainError(_l("No standard is loaded yet: run “flask qms load-checklists”."))
    kind = AuditKind(values.get("kind") or (item.kind if item else AuditKind.INTERNAL))
    audit = Audit(
        agency_id=agency.id,
        agency=agency,
        standard_id=standard.id,
        standard=standard,
        programme_item_id=item.id if item else None,
        kind=kind,
        status=AuditStatus.PLANNED,
        planned_start=values["planned_start"],
        planned_end=values.get("planned_end") or values["planned_start"],
        scope_clauses=[],
        scope_unit_ids=[],
    )
    access.authorize(actor, access.CREATE, audit)
    values = {**values, "planned_end": audit.planned_end}
    if item is not None and not values.get("scope_clauses"):
        values["scope_clauses"] = item.clause_numbers
    refusals = Refusals()
    _apply_audit_values(audit, values, refusals)
    refusals.raise_any()
    audit.reference = _new_reference(kind, audit.planned_start.year, agency)
    db.session.add(audit)
    db.session.flush()
    return audit


def update_audit(actor: User, audit: Audit, values: dict[str, Any]) -> Audit:
    """Change the plan, the meetings or the report texts (not the status: see `transition`)."""
    access.authorize(actor, access.EDIT, audit)
    refusals = Refusals()
    _apply_audit_values(audit, values, refusals)
    refusals.raise_any()
    db.session.flush()
    return audit


def archive_audit(actor: User, audit: Audit) -> None:
    """Cancel a planned audit: it is archived, never deleted."""
    access.authorize(actor, access.ARCHIVE, audit)
    audit.archived_at = utcnow()
    audit.archived_by_id = actor.id
    db.session.flush()


def add_member(actor: User, audit: Audit, user_id: int) -> AuditTeamMember:
    access.authorize(actor, access.EDIT, audit)
    candidate = db.session.get(User, user_id)
    if candidate is None:
        raise DomainError(_l("Unknown auditor."), field="user_id")
    if candidate.id in audit.team_ids:
        raise DomainError(_l("This auditor is already on the team."), field="user_id")
    check_team_candidate(candidate, audit, "user_id")
    member = AuditTeamMember(user_id=candidate.id, user=candidate)
    audit.members.append(member)
    db.session.flush()
    return member


def remove_member(actor: User, member: AuditTeamMember) -> None:
    access.authorize(actor, access.EDIT, member.audit)
    member.audit.members.remove(member)
    db.session.flush()


def add_agenda_item(actor: User, audit: Audit, values: dict[str, Any]) -> AgendaItem:
    access.authorize(actor, access.EDIT, audit)
    refusals = Refusals()
    with refusals.check():
        if values.get("ends_at") and values["ends_at"] < values["starts_at"]:
            raise DomainError(_l("The agenda row cannot end before it starts."), field="ends_at")
    auditor_id = values.get("auditor_id") or None
    with refusals.check():
        if auditor_id and auditor_id not in audit.team_ids:
            raise DomainError(_l("Choose an auditor of the team."), field="auditor_id")
    refusals.raise_any()
    item = AgendaItem(
        starts_at=values["starts_at"],
        ends_at=values.get("ends_at"),
        subject=values["subject"].strip(),
        auditor_id=auditor_id,
        auditee=values.get("auditee") or "",
    )
    audit.agenda.append(item)
    db.session.flush()
    return item


def remove_agenda_item(actor: User, item: AgendaItem) -> None:
    access.authorize(actor, access.EDIT, item.audit)
    item.audit.agenda.remove(item)
    db.session.flush()


# --- workflow ---------------------------------------------------------------------------------


def _team_or_city_admin(user: User, audit: Audit) -> bool:
    return is_team(user, audit) or access.is_city_admin(user, city_of(audit))


def _lead_or_city_admin(user: User, audit: Audit) -> bool:
    return is_lead(user, audit) or access.is_city_admin(user, city_of(audit))


AUDIT_WORKFLOW = StateMachine(
    "status",
    [
        Transition(
            "start",
            frozenset({AuditStatus.PLANNED}),
            AuditStatus.IN_PROGRESS,
            _l("Start the audit"),
            _team_or_city_admin,
        ),
        Transition(
            "report",
            frozenset({AuditStatus.IN_PROGRESS}),
            AuditStatus.REPORTED,
            _l("Issue the report"),
            _lead_or_city_admin,
        ),
        Transition(
            "close",
            frozenset({AuditStatus.REPORTED}),
            AuditStatus.CLOSED,
            _l("Close the audit"),
            _lead_or_city_admin,
        ),
    ],
    AUDIT_STATUS_LABELS,
)


class UnansweredRows(DomainError):
    """Reporting with unanswered rows needs the user's confirmation first."""

    status_code = 409

    def __init__(self, count: int) -> None:
        super().__init__(
            _l(
                "%(count)s checklist row(s) have no answer. Confirm to record them as "
                "“not audited” and issue the report.",
                count=count,
            ),
            field="confirm_unanswered",
        )
        self.count = count


def unanswered_rows(audit: Audit) -> list[ChecklistRow]:
    return [r for r in audit.rows if r.result is None]


def transition(
    actor: User, audit: Audit, name: str, *, confirm_unanswered: bool = False
) -> Transition:
    """Move the audit along planned → in progress → reported → closed, with each step's rule.

    Issuing the report fixes the findings (the checklist and findings are written only while
    the audit is in progress), so that is when their follow-up starts: the due dates are set
    and the report listeners (the corrective actions) are told, in the same transaction."""
    AUDIT_WORKFLOW.check(audit, name, actor)
    if name == "start":
        if not audit.rows:
            generate_checklist(audit)
        audit.actual_start = audit.actual_start or today()
    elif name == "report":
        _check_reportable(audit, confirm_unanswered)
        for row in unanswered_rows(audit):
            row.result = RowResult.NOT_AUDITED
            row.answered_by_id = actor.id
            row.answered_at = utcnow()
            row.changed_by_id = actor.id
        audit.actual_end = audit.actual_end or today()
        audit.reported_at = utcnow()
        # the follow-up clock starts when the auditee receives the report
        for finding in audit.active_findings:
            found = grades.grade(finding.grade)
            if finding.due_date is None and found and found.deadline_days:
                finding.due_date = today() + timedelta(days=found.deadline_days)
    elif name == "close":
        lacking = findings_lacking_follow_up(audit)
        if lacking:
            raise DomainError(
                _l(
                    "The audit can be closed only when the corrective action plan of every "
                    "nonconformity is accepted. Still open: %(numbers)s.",
                    numbers=", ".join(f.number for f in lacking),
                )
            )
        audit.closed_at = utcnow()
    done = AUDIT_WORKFLOW.apply(audit, name, actor, AuditStatus)
    if name == "report":
        for listener in report_listeners:
            listener(actor, audit)
    return done


def _check_reportable(audit: Audit, confirm_unanswered: bool) -> None:
    if audit.lead_auditor is None:
        raise DomainError(
            _l("The audit needs a lead auditor before its report is issued."),
            field="lead_auditor_id",
        )
    for auditor in audit.team:
        # roles can change between planning and reporting: check the team once more
        problem = independence_problem(auditor, audit)
        if problem:
            raise DomainError(problem)
    unanswered = unanswered_rows(audit)
    if unanswered and not confirm_unanswered:
        raise UnansweredRows(len(unanswered))


# --- follow-up: the extension points for corrective actions ---------------------------------
# The corrective-action feature (qms.capa) builds on the audits; the audits never import it.
# It plugs in here from its init_app: a report listener raises a nonconformity for each finding
# that needs follow-up, and a follow-up checker keeps the audit open until their plans are
# accepted.

#: (actor, audit) -> None, called once the audit's report is issued, in the same transaction
ReportListener = Callable[[User, Audit], None]
report_listeners: list[ReportListener] = []

#: (audit, findings needing follow-up) -> those of them still lacking an accepted corrective
#: action plan
FollowUpChecker = Callable[[Audit, list[Finding]], Iterable[Finding]]
follow_up_checkers: list[FollowUpChecker] = []


def register_report_listener(listener: ReportListener) -> None:
    if listener not in report_listeners:
        report_listeners.append(listener)


def register_follow_up_checker(checker: FollowUpChecker) -> None:
    """Let a later feature decide when a finding is followed up.

    An audit closes only when every finding whose grade requires follow-up (the
    nonconformities: `Finding.follow_up_required`) is followed up. Each checker gets the audit
    and its findings needing follow-up and returns those still lacking an accepted corrective
    action plan; a finding any checker returns keeps the audit open. With no checker registered
    nothing can accept a follow-up, so an audit with such findings stays open.
    """
    if checker not in follow_up_checkers:
        follow_up_checkers.append(checker)


def findings_needing_follow_up(audit: Audit) -> list[Finding]:
    return [f for f in audit.active_findings if f.follow_up_required]


def findings_lacking_follow_up(audit: Audit) -> list[Finding]:
    needing = findings_needing_follow_up(audit)
    if not follow_up_checkers:
        return needing
    lacking = {f.id for checker in follow_up_checkers for f in checker(audit, needing)}
    return [f for f in needing if f.id in lacking]


# --- checklist --------------------------------------------------------------------------------


def clauses_in_scope(audit: Audit) -> list[Clause]:
    """The standard's current clauses covered by the scope (a number covers its sub-clauses)."""
    numbers = audit.scope_clauses or []
    return [
        c
        for c in standards.current_clauses(audit.standard)
        if any(c.number == n or c.number.startswith(n + ".") for n in numbers)
    ]


def scope_questions(audit: Audit) -> list[Question]:
    clauses = clauses_in_scope(audit)
    position = {c.id: c.position for c in clauses}
    found = standards.current_questions([c.id for c in clauses])
    return sorted(found, key=lambda q: (position[q.clause_id], q.position))


def _next_position(audit: Audit) -> int:
    return max((r.position for r in audit.rows), default=0) + 1


def generate_checklist(audit: Audit) -> int:
    """Add a row for each of the standard's questions in scope not yet on the checklist."""
    present = {r.question_id for r in audit.rows if r.question_id}
    added = 0
    position = _next_position(audit)
    for question in scope_questions(audit):
        if question.id in present:
            continue
        audit.rows.append(
            ChecklistRow(clause_id=question.clause_id, question_id=question.id, position=position)
        )
        position += 1
        added += 1
    db.session.flush()
    return added


CHECKLIST_OPEN = (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS)


def may_prepare_checklist(user: User, audit: Audit) -> bool:
    """Only the audit's team writes its checklist (adds, copies or generates rows), and only
    until the report is issued; a city administrator plans the audit but is not its team."""
    return (
        audit.status in CHECKLIST_OPEN
        and is_team(user, audit)
        and access.can(user, access.EDIT, audit)
    )


def _check_preparable(actor: User, audit: Audit) -> None:
    access.authorize(actor, access.EDIT, audit)
    if audit.status not in CHECKLIST_OPEN:
        raise DomainError(_l("The checklist is fixed once the report is issued."))
    if not may_prepare_checklist(actor, audit):
        raise PermissionDenied(_l("Only the audit's team writes its checklist."))


def add_standard_questions(actor: User, audit: Audit) -> int:
    _check_preparable(actor, audit)
    return generate_checklist(audit)


def add_row(actor: User, audit: Audit, clause_id: int, text: str) -> ChecklistRow:
    """The auditor's own question, under one of the standard's clauses."""
    _check_preparable(actor, audit)
    clause = db.session.get(Clause, clause_id)
    if clause is None or clause.standard_id != audit.standard_id:
        raise DomainError(_l("Choose a clause of the audit's standard."), field="clause_id")
    if not text.strip():
        raise DomainError(_l("Write the question."), field="text")
    row = ChecklistRow(clause_id=clause.id, text=text.strip(), position=_next_position(audit))
    audit.rows.append(row)
    db.session.flush()
    return row


def previous_audits(actor: User, audit: Audit) -> list[Audit]:
    """Earlier audits of the same agency whose checklist the user may copy."""
    return list(
        db.session.scalars(
            access.scoped(Audit, actor)
            .where(Audit.agency_id == audit.agency_id, Audit.id != audit.id)
            .order_by(Audit.planned_start.desc())
        )
    )


def copy_checklist(actor: User, audit: Audit, source: Audit) -> int:
    """Copy the questions (not the answers) of an earlier audit of the same agency; questions
    already on the checklist are skipped."""
    _check_preparable(actor, audit)
    if source.agency_id != audit.agency_id or source.id == audit.id:
        raise DomainError(_l("Copy from an earlier audit of the same agency."), field="source_id")
    access.authorize(actor, access.VIEW, source)
    present = {(r.clause_id, r.question_id, r.text) for r in audit.rows}
    position = _next_position(audit)
    added = 0
    for row in source.rows:
        key = (row.clause_id, row.question_id, row.text)
        if key in present:
            continue
        audit.rows.append(
            ChecklistRow(
                clause_id=row.clause_id,
                question_id=row.question_id,
                text=row.text,
                position=position,
            )
        )
        present.add(key)
        position += 1
        added += 1
    db.session.flush()
    return added


def _next_finding_seq(audit: Audit) -> int:
    """Draw the audit's next finding number (the unique (audit_id, seq) constraint is the last
    guard)."""
    seq = draw_next(Audit, "last_finding_seq", Audit.id == audit.id)
    assert seq is not None  # the audit's own row
    return seq


def _default_requirement(row: ChecklistRow) -> str:
    # stored once, in the language of the report (Indonesian), whoever is logged in
    return f"{row.audit.standard.code} {row.clause.number} {row.clause.title_id}"


def stale_row_message(row: ChecklistRow) -> str:
    """Why a save based on an older read of the row is refused, with what the row holds now
    (the user's own input stays in their form, nothing of it was written)."""
    changed_by = db.session.get(User, row.changed_by_id) if row.changed_by_id else None
    who = changed_by.name if changed_by else _("another auditor")
    current = ROW_RESULT_LABELS[row.result] if row.result else _("Not answered yet")
    if row.finding:
        current = f"{current}, {row.finding.number}: {row.finding.statement}"
    if row.notes:
        current = f"{current}. {_('Notes')}: {row.notes}"
    # plain gettext: the names and notes are user data, never part of a (safe) lazy string
    return _(
        "This row was changed by %(name)s meanwhile, so your answer was not saved. Its "
        "current answer: %(current)s. Reload the row to see it, then record yours again if it "
        "still applies.",
        name=who,
        current=current,
    )


def record_row(
    actor: User, row: ChecklistRow, values: dict[str, Any], *, version: int | None = None
) -> ChecklistRow:
    """Save the auditor's answer to one row. A nonconform, observation or opportunity row is a
    finding: it needs a grade of that kind and a statement, and a nonconformity also needs its
    objective evidence. Changing the result away from a finding archives the finding.

    `version` is the row's version the auditor read: if another save came in between, the
    save is refused (StaleRecordError) and nothing changes."""
    access.authorize(actor, access.EDIT, row)
    check_version(row, version, stale_row_message(row))
    result = RowResult(values["result"]) if values.get("result") else None
    row.result = result
    row.notes = (values.get("notes") or "").strip()
    row.answered_by_id = actor.id if result else None
    row.answered_at = utcnow() if result else None
    row.changed_by_id = actor.id
    # every save moves the row's version, also one that changed only the finding or changed
    # nothing: whoever read the row before it must look again
    flag_modified(row, "changed_by_id")
    finding = row.finding
    if result in FINDING_RESULTS:
        _save_finding(row, finding, result, values)
    elif finding is not None:
        finding.archived_at = utcnow()
        finding.archived_by_id = actor.id
    # a save that committed between this request's read and its write (same version read)
    with stale_write_refused(
        _l("Someone saved this row at the same moment; reload it to see their answer.")
    ):
        db.session.flush()
    db.session.expire(row, ["finding"])
    return row


def _save_finding(
    row: ChecklistRow, finding: Finding | None, result: RowResult, values: dict[str, Any]
) -> Finding:
    choices = grades.grades_for(result)
    key = values.get("grade") or (choices[0].key if len(choices) == 1 else "")
    chosen = next((g for g in choices if g.key == key), None)
    if chosen is None:
        raise DomainError(
            _l("Choose the grade: %(grades)s.", grades=", ".join(g.label for g in choices)),
            field="grade",
        )
    evidence = (values.get("evidence") or "").strip()
    statement = (values.get("statement") or "").strip()
    if chosen.is_nonconformity and not evidence:
        raise DomainError(
            _l("A nonconformity needs its objective evidence: what was seen, read or heard."),
            field="evidence",
        )
    if not statement:
        raise DomainError(_l("Write the finding's statement."), field="statement")
    if finding is None:
        seq = _next_finding_seq(row.audit)
        finding = Finding(
            audit_id=row.audit_id,
            row_id=row.id,
            seq=seq,
            number=f"{row.audit.reference}-F{seq:02d}",
            clause_id=row.clause_id,
        )
        db.session.add(finding)
    finding.grade = chosen.key
    finding.follow_up_required = chosen.follow_up_required
    finding.requirement = (values.get("requirement") or "").strip() or (
        finding.requirement or _default_requirement(row)
    )
    finding.evidence = evidence
    finding.statement = statement
    return finding


def attach_evidence(
    actor: User, row: ChecklistRow, stream: IO[bytes], name: str, description: str = ""
) -> StoredFile:
    access.authorize(actor, access.EDIT, row)
    return files.store(stream, name, row, actor, description)


# --- reading ----------------------------------------------------------------------------------


def visible_audits(actor: User, *, status: str | None = None, agency_id: int | None = None):
    query = access.scoped(Audit, actor).order_by(Audit.planned_start.desc(), Audit.id.desc())
    if status:
        query = query.where(Audit.status == AuditStatus(status))
    if agency_id:
        query = query.where(Audit.agency_id == agency_id)
    return query


@dataclass(frozen=True)
class Tally:
    """Counts of checklist results and the compliance figure they give.

    compliance = (C + ½·O) / A, where
      C = rows answered conform, good practice or opportunity for improvement (a good practice
          and an OFI are conformities: an OFI suggests doing better, it breaches nothing),
      O = rows answered observation (a potential problem, counted half),
      N = rows answered nonconform,
      A = C + O + N, the assessed rows. Not applicable, not audited and unanswered rows are not
          assessed and count nowhere. With A = 0 there is no figure (None).
    """

    conform: int = 0
    observation: int = 0
    nonconform: int = 0

    @property
    def assessed(self) -> int:
        return self.conform + self.observation + self.nonconform

    @property
    def compliance(self) -> float | None:
        if not self.assessed:
            return None
        return (self.conform + 0.5 * self.observation) / self.assessed

    def add(self, result: RowResult | None) -> Tally:
        if result in (RowResult.CONFORM, RowResult.GOOD_PRACTICE, RowResult.OPPORTUNITY):
            return Tally(self.conform + 1, self.observation, self.nonconform)
        if result == RowResult.OBSERVATION:
            return Tally(self.conform, self.observation + 1, self.nonconform)
        if result == RowResult.NONCONFORM:
            return Tally(self.conform, self.observation, self.nonconform + 1)
        return self


def tally(rows: Iterable[ChecklistRow]) -> Tally:
    total = Tally()
    for row in rows:
        total = total.add(row.result)
    return total


@dataclass(frozen=True)
class ClauseCompliance:
    clause: Clause
    audit: Audit
    tally: Tally


def compliance_by_clause(agency: Agency, user: User) -> list[ClauseCompliance]:
    """For each clause, the compliance figure (see `Tally`) from the agency's latest reported or
    closed audit that assessed the clause and that the user may see, in the standard's clause
    order. Only issued reports count, so the figure never shows work in progress."""
    audits = db.session.scalars(
        access.scoped(Audit, user)
        .where(
            Audit.agency_id == agency.id,
            Audit.status.in_(REPORTED_STATES),
        )
        .order_by(Audit.reported_at.desc(), Audit.id.desc())
    )
    figures: dict[int, ClauseCompliance] = {}
    for audit in audits:
        by_clause: dict[int, list[ChecklistRow]] = {}
        for row in audit.rows:
            by_clause.setdefault(row.clause_id, []).append(row)
        for clause_id, rows in by_clause.items():
            counted = tally(rows)
            if clause_id not in figures and counted.assessed:
                figures[clause_id] = ClauseCompliance(rows[0].clause, audit, counted)
    return sorted(figures.values(), key=lambda f: (f.clause.standard_id, f.clause.position))


# --- reminders --------------------------------------------------------------------------------

REMINDER_DAYS = (14, 7)


def audit_reminders(day: date) -> Iterator[Reminder]:
    """Each team member hears 14 and 7 days before a planned audit starts."""
    for days in REMINDER_DAYS:
        audits = db.session.scalars(
            select(Audit).where(
                Audit.status == AuditStatus.PLANNED,
                Audit.archived_at.is_(None),
                Audit.planned_start == day + timedelta(days=days),
            )
        )
        for audit in audits:
            link = url_for("audits.detail", audit_id=audit.id, _external=True)
            for auditor in audit.team:
                if not auditor.active:
                    continue
                with force_locale(auditor.locale):
                    subject = _(
                        "Audit %(reference)s of %(agency)s starts in %(days)s days",
                        reference=audit.reference,
                        agency=audit.agency.name,
                        days=days,
                    )
                    body = _(
                        "The audit %(reference)s of %(agency)s starts on %(date)s. Please "
                        "review the audit plan and the checklist: %(link)s",
                        reference=audit.reference,
                        agency=audit.agency.name,
                        date=audit.planned_start.isoformat(),
                        link=link,
                    )
                yield Reminder(
                    to=auditor.email,
                    subject=subject,
                    body=body,
                    key=f"audit:{audit.id}:{auditor.id}:{audit.planned_start.isoformat()}:{days}d",
                )


def update_finding(
    actor: User, finding: Finding, values: dict[str, Any], *, version: int | None = None
) -> Finding:
    """Change a finding's grade or texts; its row's result follows the grade. `version` is
    that of the finding's checklist row, as read (see `record_row`)."""
    chosen = grades.grade(values.get("grade") or finding.grade)
    if chosen is None:
        raise DomainError(_l("Unknown grade."), field="grade")
    row = finding.row
    merged = {
        "result": chosen.result.value,
        "notes": row.notes,
        "grade": chosen.key,
        "requirement": values.get("requirement", finding.requirement),
        "evidence": values.get("evidence", finding.evidence),
        "statement": values.get("statement", finding.statement),
    }
    record_row(actor, row, merged, version=version)
    return finding


def planning_cities(actor: User) -> set[int]:
    if actor.has_role(Role.SYSTEM_ADMIN):
        return set(db.session.scalars(select(Agency.city_id).distinct()))
    return actor.city_ids(*PLANNER_ROLES)
