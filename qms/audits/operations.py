"""Changing programmes and audits: create, update and archive them, the audit's team and its
plan. Each operation checks the actor's permission and its own rules and flushes; the caller
commits. (The audit's steps are in workflow.py, its checklist and findings in checklist.py.)"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.audits.eligibility import team_problem
from qms.audits.models import (
    AgendaItem,
    Audit,
    AuditKind,
    AuditProgramme,
    AuditStandard,
    AuditStatus,
    AuditTeamMember,
    ProgrammeItem,
    ProgrammeItemStandard,
)
from qms.audits.numbering import new_reference
from qms.audits.policies import city_of, independence_problem
from qms.audits.queries import default_standard, planning_cities
from qms.core import access, archiving
from qms.core.errors import DomainError, PermissionDenied, ValidationFailed
from qms.core.forms import REQUIRED
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit
from qms.standards import queries
from qms.standards.models import Standard


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


def check_clause_numbers(
    standards: Standard | Sequence[Standard] | None, numbers: list[str], field: str
) -> list[str]:
    """Clean clause numbers; each must exist in the standard, or, for an integrated audit,
    in at least one of its standards (a number names that clause in each standard that has
    it: "7.5" is 7.5 of SNI ISO 9001 and 7.5 of SNI ISO 37001)."""
    cleaned = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    listed = [standards] if isinstance(standards, Standard) else list(standards or [])
    if not listed:
        return cleaned
    known = {c.number for standard in listed for c in queries.current_clauses(standard)}
    unknown = [n for n in cleaned if n not in known]
    if unknown and len(listed) > 1:
        raise DomainError(
            _l(
                "Clause(s) in none of the standards chosen (%(codes)s): %(numbers)s.",
                codes=", ".join(s.code for s in listed),
                numbers=", ".join(unknown),
            ),
            field=field,
        )
    if unknown:
        raise DomainError(
            _l(
                "Unknown clause(s) of %(code)s: %(numbers)s.",
                code=listed[0].code,
                numbers=", ".join(unknown),
            ),
            field=field,
        )
    return cleaned


def chosen_standards(
    primary: Standard | None, other_ids: Sequence[Any] | None, field: str
) -> list[Standard]:
    """The standards of an audit or a programme item: the primary one first, then the others
    chosen (several: an integrated audit); an unknown one is refused naming `field`."""
    if primary is None:
        raise DomainError(_l("No standard is loaded yet: run “flask qms load-checklists”."))
    chosen = [primary]
    for standard_id in other_ids or []:
        standard = db.session.get(Standard, int(standard_id)) if standard_id else None
        if standard is None:
            raise DomainError(_l("Unknown standard."), field=field)
        if standard not in chosen:
            chosen.append(standard)
    return chosen


def _links(model: type, standards: list[Standard]) -> list[Any]:
    return [
        model(standard_id=s.id, standard=s, position=position)
        for position, s in enumerate(standards)
    ]


# --- programmes ---------------------------------------------------------------------------


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


def programme_city(actor: User, city_id: Any) -> City:
    """The city a new programme is for: the one named (a city the user plans audits in), or,
    when none is named, the only city the user plans audits in. Anything else is refused (422)
    naming `city_id`: a programme never lands in a city by default."""
    if city_id in (None, ""):
        cities = planning_cities(actor)
        if len(cities) != 1:
            raise ValidationFailed({"city_id": [str(REQUIRED)]})
        return cities[0]
    return access.owner_for_create(actor, AuditProgramme, City, city_id, "city_id")


def create_programme(actor: User, city_id: Any, values: dict[str, Any]) -> AuditProgramme:
    city = programme_city(actor, city_id)
    programme = AuditProgramme(
        city_id=city.id,
        year=values["year"],
        title=values["title"].strip(),
        objectives=values.get("objectives") or "",
    )
    access.authorize(actor, access.CREATE, programme)
    _check_year_free(city.id, programme.year)
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
        if any(item.live_audits for item in programme.items if item.archived_at is None):
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


def _agency_in_city(actor: User, agency_id: Any, city_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id) if agency_id else None
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
    if item.agency_id not in (None, agency_id) and item.live_audits:
        raise DomainError(
            _l("The agency is fixed once an audit was planned for this item."), field="agency_id"
        )
    standard = (
        db.session.get(Standard, values["standard_id"])
        if values.get("standard_id")
        else item.standard or default_standard()
    )
    others = values.get("other_standard_ids")
    chosen = chosen_standards(
        standard, item.other_standard_ids if others is None else others, "other_standard_ids"
    )
    planned = item.standards or ([default_standard()] if item.id else [])
    if item.live_audits and [s.id for s in chosen] != [s.id for s in planned if s]:
        raise DomainError(
            _l("The standard is fixed once an audit was planned for this item."),
            field="standard_id",
        )
    item.agency_id = agency_id
    item.kind = AuditKind(values["kind"])
    item.planned_month = month
    item.clause_numbers = check_clause_numbers(
        chosen, values.get("clause_numbers") or [], "clause_numbers"
    )
    if [s.id for s in chosen] != [link.standard_id for link in item.standard_links]:
        item.standard_links = _links(ProgrammeItemStandard, chosen)
    item.standard_id = chosen[0].id
    item.standard = chosen[0]
    item.reason = values.get("reason") or ""
    db.session.add(item)
    db.session.flush()
    db.session.expire(programme, ["items"])
    return item


# --- audits -------------------------------------------------------------------------------

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


def _apply_audit_values(audit: Audit, values: dict[str, Any]) -> None:
    """Set the values given, then refuse them with every problem found at once."""
    refusals = Refusals()
    for name in AUDIT_TEXT_FIELDS:
        if name in values:
            setattr(audit, name, values[name] or "")
    for name in AUDIT_DATE_FIELDS:
        if name in values:
            setattr(audit, name, values[name])
    with refusals.check():
        if "scope_clauses" in values:
            clauses = check_clause_numbers(
                audit.standards, values["scope_clauses"], "scope_clauses"
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
    refusals.raise_any()


def check_team_candidate(candidate: User, audit: Audit, field: str) -> None:
    """The one check used wherever an audit's team changes (lead auditor, members): an
    internal auditor of the audit's city who is independent of the audited agency and units,
    and whom the registered team rules let lead (`lead_auditor_id`) or join."""
    if city_of(audit) not in candidate.city_ids(Role.INTERNAL_AUDITOR):
        raise DomainError(
            _l("%(name)s is not an internal auditor of this city.", name=candidate.name),
            field=field,
        )
    problem = independence_problem(candidate, audit) or team_problem(
        candidate, audit.planned_start or today(), lead=field == "lead_auditor_id"
    )
    if problem:
        raise DomainError(problem, field=field)


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


def _programme_item(actor: User, item_id: Any) -> ProgrammeItem | None:
    if not item_id:
        return None
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or not access.can(actor, access.VIEW, item):
        raise DomainError(_l("Unknown programme item."), field="programme_item_id")
    return item


def create_audit(actor: User, values: dict[str, Any]) -> Audit:
    """Plan an audit, from a programme item (its agency, kind and clauses unless given) or on
    its own, of an agency the user may plan audits of (else a 422 naming `agency_id`)."""
    item = _programme_item(actor, values.get("programme_item_id"))
    agency_id = values.get("agency_id") or (item.agency_id if item else None)
    agency = access.owner_for_create(actor, Audit, Agency, agency_id, "agency_id")
    if item is not None and item.agency_id != agency.id:
        raise DomainError(_l("The programme item is for another agency."), field="agency_id")
    if values.get("standard_id"):
        standard = db.session.get(Standard, values["standard_id"])
        others = values.get("other_standard_ids") or []
    elif item is not None and item.standards:
        # planned from an item: its standards, unless others are named
        standard = item.standards[0]
        others = values.get("other_standard_ids") or [s.id for s in item.standards[1:]]
    else:
        standard = default_standard()
        others = values.get("other_standard_ids") or []
    standards = chosen_standards(standard, others, "other_standard_ids")
    kind = AuditKind(values.get("kind") or (item.kind if item else AuditKind.INTERNAL))
    audit = Audit(
        agency_id=agency.id,
        agency=agency,
        standard_id=standards[0].id,
        standard=standards[0],
        standard_links=_links(AuditStandard, standards),
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
    _apply_audit_values(audit, values)
    audit.reference = new_reference(kind, audit.planned_start.year, agency)
    db.session.add(audit)
    db.session.flush()
    return audit


def update_audit(actor: User, audit: Audit, values: dict[str, Any]) -> Audit:
    """Change the plan, the meetings or the report texts (not the status: see workflow.py)."""
    access.authorize(actor, access.EDIT, audit)
    _apply_audit_values(audit, values)
    db.session.flush()
    return audit


def archive_audit(actor: User, audit: Audit) -> None:
    """Cancel a planned audit: it is archived, never deleted."""
    access.authorize(actor, access.ARCHIVE, audit)
    archiving.mark_archived(actor, audit)
    db.session.flush()


# --- the team and the audit plan ----------------------------------------------------------


def add_member(actor: User, audit: Audit, user_id: int) -> AuditTeamMember:
    access.authorize(actor, access.EDIT, audit)
    candidate = db.session.get(User, user_id) if user_id else None
    if candidate is None:
        raise DomainError(_l("Unknown auditor."), field="user_id")
    if candidate.id in audit.team_ids:
        raise DomainError(_l("This auditor is already on the team."), field="user_id")
    check_team_candidate(candidate, audit, "user_id")
    member = AuditTeamMember(user_id=candidate.id, user=candidate)
    audit.members.append(member)
    db.session.flush()
    return member


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


def remove_from_plan(actor: User, part: AuditTeamMember | AgendaItem) -> None:
    """Takes an auditor off the team or a row out of the audit plan (the removal is recorded)."""
    access.authorize(actor, access.EDIT, part.audit)
    parts = part.audit.members if isinstance(part, AuditTeamMember) else part.audit.agenda
    parts.remove(part)
    db.session.flush()
