"""Who may see and change an agency's context, objectives, measurements, risks, treatments and
risk links; registered by `register()` from the feature's `init_app`.

An agency's quality officers and its city's admin write; the city's internal auditors and
management viewers and the national readers (system admins, BSN reviewers) read; another
agency's officer sees nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.policies import agency_visibility
from qms.planning.models import (
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    Risk,
    RiskLink,
    Treatment,
)

#: who reads every agency of their city
CITY_READERS = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER, Role.INTERNAL_AUDITOR)


def reads_agency(user: access.User, column: InstrumentedAttribute) -> ColumnElement[bool]:
    """SQL: records of the agencies whose plan the user reads."""
    return agency_visibility(user, column, city_roles=CITY_READERS)


def reads_plan_of(user: access.User, agency: Agency) -> bool:
    """Whether the user reads this agency's context, objectives and risks."""
    query = select(Agency.id).where(Agency.id == agency.id, reads_agency(user, Agency.id))
    return db.session.scalar(query) is not None


class AgencyRecordPolicy(access.Policy):
    """A record owned by an agency through `agency_id`."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def visible(self, user: access.User) -> ColumnElement[bool]:
        return reads_agency(user, self.model.agency_id)

    def may_create_in(self, user: access.User, owner: Agency) -> bool:
        return access.manages_agency(user, owner)

    def allows(self, user: access.User, action: str, record: Any) -> bool:
        agency = record.agency or db.session.get(Agency, record.agency_id)
        return access.manages_agency(user, agency)


class ChildPolicy(access.Policy):
    """A record inside a parent record: seen and changed with its parent."""

    def __init__(self, parent: Any, parent_key: InstrumentedAttribute, relation: str) -> None:
        self.parent = parent
        self.parent_key = parent_key
        self.relation = relation

    def visible(self, user: access.User) -> ColumnElement[bool]:
        parents = select(self.parent.id).where(reads_agency(user, self.parent.agency_id))
        return self.parent_key.in_(parents)

    def allows(self, user: access.User, action: str, record: Any) -> bool:
        return access.can(user, access.EDIT, getattr(record, self.relation))


def register() -> None:
    for model in (ContextIssue, InterestedParty, Objective, Risk):
        access.register_policy(model, AgencyRecordPolicy(model))
    access.register_policy(
        Measurement, ChildPolicy(Objective, Measurement.objective_id, "objective")
    )
    access.register_policy(Treatment, ChildPolicy(Risk, Treatment.risk_id, "risk"))
    access.register_policy(RiskLink, ChildPolicy(Risk, RiskLink.risk_id, "risk"))
