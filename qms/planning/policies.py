"""Who may see and change an agency's context, objectives, measurements, risks, treatments and
risk links; registered by `register()` from the feature's `init_app`.

An agency's quality officers and its city's admin write; the city's internal auditors and
management viewers and the national readers (system admins, BSN reviewers) read; another
agency's officer sees nothing."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from qms.core import access
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.policies import CITY_RECORD_READERS, AgencyRecordPolicy, agency_visibility
from qms.planning.models import (
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    Risk,
    RiskLink,
    Treatment,
)


def reads_agency(user: access.User, column: InstrumentedAttribute) -> ColumnElement[bool]:
    """SQL: records of the agencies whose plan the user reads."""
    return agency_visibility(user, column, city_roles=CITY_RECORD_READERS)


def reads_plan_of(user: access.User, agency: Agency) -> bool:
    """Whether the user reads this agency's context, objectives and risks."""
    query = select(Agency.id).where(Agency.id == agency.id, reads_agency(user, Agency.id))
    return db.session.scalar(query) is not None


def register() -> None:
    for model in (ContextIssue, InterestedParty, Objective, Risk):
        access.register_policy(model, AgencyRecordPolicy(model, CITY_RECORD_READERS))
    access.register_policy(
        Measurement, access.ChildPolicy(Objective, Measurement.objective_id, "objective")
    )
    access.register_policy(Treatment, access.ChildPolicy(Risk, Treatment.risk_id, "risk"))
    access.register_policy(RiskLink, access.ChildPolicy(Risk, RiskLink.risk_id, "risk"))
