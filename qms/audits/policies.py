"""Who may see and change audit programmes, audits and their parts, and auditor independence.
Registered by init_app (`register`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, select, true

from qms.accounts.models import User
from qms.audits.models import (
    AgendaItem,
    Audit,
    AuditProgramme,
    AuditStatus,
    AuditTeamMember,
    ChecklistRow,
    Finding,
    ProgrammeItem,
)
from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.files import policies
from qms.organisations.models import Agency, City, Unit

#: record checklist answers and findings: the audit's team, while the audit is in progress
CONDUCT = "conduct"
#: write the checklist itself (add, copy or generate rows): the team, until the report is issued
PREPARE = "prepare"

CITY_READER_ROLES = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER, Role.INTERNAL_AUDITOR)
#: the roles whose home agency and unit an auditor may not audit
HOME_ROLES = (Role.INTERNAL_AUDITOR, Role.QUALITY_OFFICER)


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


def independence_problem(user: User, audit: Audit) -> str | None:
    """Why `user` may not audit `audit`, or None. ISO 19011 (independence) and ISO 9001 9.2.2
    (objectivity and impartiality): an auditor does not audit their own agency or unit. The
    home agency and unit are those of the user's internal-auditor roles; a quality officer of
    the audited agency is not independent of it either."""
    agency = audit.agency or db.session.get(Agency, audit.agency_id)
    for assignment in user.assignments(*HOME_ROLES):
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
        conditions.append(and_(Audit.agency_id.in_(agency_ids), Audit.report_issued))
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
        if action == PREPARE:
            # a city administrator plans the audit but is not its team
            return is_team(user, record) and self.allows(user, access.EDIT, record)
        if action == access.ARCHIVE:
            return record.status == AuditStatus.PLANNED and access.is_city_admin(user, city_id)
        if action == access.EDIT:
            # an issued report is a record: its plan, team, meetings and texts stay as issued
            if record.report_issued:
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

    def may_create_in(self, user: User, owner: Agency) -> bool:
        """The agencies of the cities the user plans audits in, but not their own agency."""
        home = {a.agency_id for a in user.assignments(*HOME_ROLES)}
        return plans_audits_in(user, owner.city_id) and owner.id not in home


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

    def may_create_in(self, user: User, owner: City) -> bool:
        return plans_audits_in(user, owner.id)


class ProgrammeItemPolicy(access.Policy):
    def visible(self, user: User) -> ColumnElement[bool]:
        return ProgrammeItem.programme_id.in_(
            select(AuditProgramme.id).where(ProgrammePolicy().visible(user))
        )

    def allows(self, user: User, action: str, record: ProgrammeItem) -> bool:
        programme = record.programme or db.session.get(AuditProgramme, record.programme_id)
        return record.archived_at is None and access.can(user, access.EDIT, programme)


def register() -> None:
    access.register_policy(Audit, AuditPolicy())
    for model in (AuditTeamMember, AgendaItem, ChecklistRow, Finding):
        access.register_policy(model, AuditPartPolicy(model))
    access.register_policy(AuditProgramme, ProgrammePolicy())
    access.register_policy(ProgrammeItem, ProgrammeItemPolicy())
    policies.register_owner(ChecklistRow)
