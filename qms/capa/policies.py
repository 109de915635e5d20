"""Who may see and change nonconformities, their actions and checks, complaints and complaint
imports; registered by `register()` from the feature's `init_app`."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select

from qms.accounts.models import User
from qms.audits.interface import AuditTeamMember, Finding
from qms.capa.models import (
    Complaint,
    ComplaintImport,
    CorrectiveAction,
    EffectivenessCheck,
    NcCounter,
    Nonconformity,
)
from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.organisations.policies import agency_visibility

#: accept or return a plan
REVIEW = "review"
#: verify the effectiveness and close
VERIFY = "verify"
#: correct the description of a nonconformity (see `operations.update_details`)
DESCRIBE = "describe"


def auditor_follows(user: User, nc: Nonconformity) -> bool:
    """An internal auditor of the city who raised the nonconformity or was assigned to it."""
    return nc.agency.city_id in user.city_ids(Role.INTERNAL_AUDITOR) and user.id in (
        nc.raised_by_id,
        nc.auditor_id,
    )


def _is_agency_officer(user: User, nc: Nonconformity) -> bool:
    return nc.agency_id in user.agency_ids(Role.QUALITY_OFFICER)


def _audits_in(user: User, city_id: int) -> bool:
    return city_id in user.city_ids(Role.INTERNAL_AUDITOR)


class NonconformityPolicy(access.Policy):
    def visible(self, user: User) -> ColumnElement[bool]:
        """The agency's officers and city readers see its register; an internal auditor sees
        what they raised, follow up, accepted or verified, and what came from a finding of an
        audit whose team they were on (the whole team stands behind the report)."""
        conditions = [agency_visibility(user, Nonconformity.agency_id)]
        if user.has_role(Role.INTERNAL_AUDITOR):
            verified = select(EffectivenessCheck.nonconformity_id).where(
                EffectivenessCheck.verified_by_id == user.id
            )
            on_team = (
                select(Finding.id)
                .join(AuditTeamMember, AuditTeamMember.audit_id == Finding.audit_id)
                .where(AuditTeamMember.user_id == user.id)
            )
            conditions.append(
                or_(
                    Nonconformity.raised_by_id == user.id,
                    Nonconformity.auditor_id == user.id,
                    Nonconformity.plan_accepted_by_id == user.id,
                    Nonconformity.id.in_(verified),
                    Nonconformity.finding_id.in_(on_team),
                )
            )
        return access.any_of(conditions)

    def may_create_in(self, user: User, owner: Agency) -> bool:
        """The agency's quality officers and city admin, and the city's internal auditors."""
        return access.manages_agency(user, owner) or _audits_in(user, owner.city_id)

    def allows(self, user: User, action: str, record: Nonconformity) -> bool:
        agency = record.agency or db.session.get(Agency, record.agency_id)
        if action == access.CREATE:
            return self.may_create_in(user, agency)
        if action == REVIEW:
            return auditor_follows(user, record) or _is_agency_officer(user, record)
        if action == VERIFY:
            return self.allows(user, REVIEW, record) or access.is_city_admin(user, agency.city_id)
        if action == DESCRIBE:
            # whoever raised it may still correct their own wording; archiving stays the agency's
            raised_it = record.raised_by_id == user.id and _audits_in(user, agency.city_id)
            return raised_it or access.manages_agency(user, agency)
        return access.manages_agency(user, agency)


def _visible_nonconformity_ids(user: User) -> Select:
    return select(Nonconformity.id).where(NonconformityPolicy().visible(user))


class ActionPolicy(access.Policy):
    def visible(self, user: User) -> ColumnElement[bool]:
        return CorrectiveAction.nonconformity_id.in_(_visible_nonconformity_ids(user))

    def allows(self, user: User, action: str, record: CorrectiveAction) -> bool:
        nc = record.nonconformity or db.session.get(Nonconformity, record.nonconformity_id)
        return access.can(user, access.EDIT, nc)


class CheckPolicy(access.Policy):
    """Effectiveness checks are written only by the verify transitions."""

    def visible(self, user: User) -> ColumnElement[bool]:
        return EffectivenessCheck.nonconformity_id.in_(_visible_nonconformity_ids(user))


def importable_agencies(user: User, city: City) -> set[int]:
    """The agencies of the city whose complaints the user may import: a city admin every one,
    a quality officer their own."""
    agencies = db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    return {a.id for a in agencies if access.manages_agency(user, a)}


class ComplaintPolicy(access.Policy):
    def visible(self, user: User) -> ColumnElement[bool]:
        return agency_visibility(user, Complaint.agency_id)

    def allows(self, user: User, action: str, record: Complaint) -> bool:
        agency = record.agency or db.session.get(Agency, record.agency_id)
        return access.manages_agency(user, agency)


class ImportPolicy(access.Policy):
    """An import is seen by its uploader and the city's readers; only the uploader, who saw
    the report, confirms it."""

    def visible(self, user: User) -> ColumnElement[bool]:
        return access.any_of(
            [
                ComplaintImport.uploaded_by_id == user.id,
                access.city_visibility(
                    user,
                    ComplaintImport.city_id,
                    city_roles=(Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER),
                ),
            ]
        )

    def may_create_in(self, user: User, owner: City) -> bool:
        return bool(importable_agencies(user, owner))

    def allows(self, user: User, action: str, record: ComplaintImport) -> bool:
        if action == access.CREATE:
            return self.may_create_in(user, record.city)
        return record.uploaded_by_id == user.id


def register() -> None:
    access.register_policy(Nonconformity, NonconformityPolicy())
    access.register_policy(CorrectiveAction, ActionPolicy())
    access.register_policy(EffectivenessCheck, CheckPolicy())
    access.register_policy(NcCounter, access.Policy())
    access.register_policy(Complaint, ComplaintPolicy())
    access.register_policy(ComplaintImport, ImportPolicy())
