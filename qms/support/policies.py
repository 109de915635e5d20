"""Who may see and change the support registers; registered by `register()` from the feature's
`init_app`.

An agency's instruments, positions, staff and providers: its quality officers and its city's
admin write; the city's internal auditors and management viewers and the national readers
read; another agency's officer sees nothing. Auditors' qualifications: the city admin keeps
them; the city's auditors, quality officers and management viewers read. An evaluation of an
auditor is written by the audit's lead or the auditee's quality officer (operations.py checks
who was on the audit) and read by the city's admin and readers, the auditor evaluated and the
evaluator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select

from qms.audits.interface import Audit
from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.organisations.policies import CITY_RECORD_READERS, AgencyRecordPolicy, agency_visibility
from qms.support import models

#: who reads the city's auditor qualifications
QUALIFICATION_READERS = (*CITY_RECORD_READERS, Role.QUALITY_OFFICER, Role.AGENCY_HEAD)


def reads_agency(user: access.User, column: Any) -> ColumnElement[bool]:
    return agency_visibility(user, column, city_roles=CITY_RECORD_READERS)


def reads_registers_of(user: access.User, agency: Agency) -> bool:
    query = select(Agency.id).where(Agency.id == agency.id, reads_agency(user, Agency.id))
    return db.session.scalar(query) is not None


class QualificationPolicy(access.Policy):
    def visible(self, user: access.User) -> ColumnElement[bool]:
        return access.city_visibility(
            user, models.AuditorQualification.city_id, city_roles=QUALIFICATION_READERS
        ) | (models.AuditorQualification.user_id == user.id)

    def may_create_in(self, user: access.User, owner: City) -> bool:
        return access.is_city_admin(user, owner.id)

    def allows(self, user: access.User, action: str, record: models.AuditorQualification) -> bool:
        return access.is_city_admin(user, record.city_id)


class EvaluationPolicy(access.Policy):
    def visible(self, user: access.User) -> ColumnElement[bool]:
        if user.has_role(*access.NATIONAL_READERS):
            return models.AuditorEvaluation.id.is_not(None)
        city_ids = user.city_ids(Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER)
        in_city = models.AuditorEvaluation.audit_id.in_(
            select(Audit.id)
            .join(Agency, Agency.id == Audit.agency_id)
            .where(Agency.city_id.in_(city_ids))
        )
        return or_(
            in_city,
            models.AuditorEvaluation.auditor_id == user.id,
            models.AuditorEvaluation.evaluator_id == user.id,
        )

    def allows(self, user: access.User, action: str, record: models.AuditorEvaluation) -> bool:
        # written once by its evaluator (who may write one is checked by the operation)
        return action == access.CREATE and record.evaluator_id == user.id


def register() -> None:
    for model in (models.Instrument, models.Position, models.Person, models.Provider):
        access.register_policy(model, AgencyRecordPolicy(model, CITY_RECORD_READERS))
    # an entry inside another, seen and changed with it: its key is the relation's name + _id
    for child, parent, relation in (
        (models.CalibrationEvent, models.Instrument, "instrument"),
        (models.Training, models.Person, "person"),
        (models.ProviderEvaluation, models.Provider, "provider"),
        (models.AuditorTraining, models.AuditorQualification, "qualification"),
    ):
        key = getattr(child, f"{relation}_id")
        access.register_policy(child, access.ChildPolicy(parent, key, relation))
    access.register_policy(models.AuditorQualification, QualificationPolicy())
    access.register_policy(models.AuditorEvaluation, EvaluationPolicy())
