"""Who may see and change the cooperative office's certification programme: a city's coop
officers and city admin write; its management viewers read; BSN reviewers and system admins
read everywhere (system admins also write); agency roles see nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from qms.accounts.models import User
from qms.accounts.queries import role_holders
from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import City
from qms.sme import models
from qms.sme.catalogue_models import (
    ProductStandard,
    ReadinessChecklist,
    ReadinessItem,
    TestParameter,
)

#: city-scoped roles that see the programme of their city
READER_ROLES = (Role.COOP_OFFICER, Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER)
#: city-scoped roles that change it
WRITER_ROLES = (Role.COOP_OFFICER, Role.CITY_ADMIN)


def may_read_programme(user: Any) -> bool:
    """Whether the user sees the programme at all (menu entries, catalogue, dashboard)."""
    return bool(
        user
        and user.is_authenticated
        and (user.has_role(*access.NATIONAL_READERS) or user.city_ids(*READER_ROLES))
    )


def may_write(user: Any, city_id: int | None) -> bool:
    """Whether the user changes the programme of this city."""
    if not (user and user.is_authenticated) or user.is_read_only:
        return False
    return user.has_role(Role.SYSTEM_ADMIN) or (
        city_id is not None and city_id in user.city_ids(*WRITER_ROLES)
    )


def coop_officers(city_id: int) -> list[User]:
    """The city's coop officers: named responsible for stages, reminded of deadlines."""
    return role_holders(Role.COOP_OFFICER, city_id)


class CityProgrammePolicy(access.Policy):
    """A record of one city's programme. `rows_in(city ids)` is the SQL of its rows in those
    cities, `city_of(record)` the city a record belongs to."""

    def __init__(
        self,
        rows_in: Callable[[set[int]], ColumnElement[bool]],
        city_of: Callable[[Any], int | None],
    ) -> None:
        self.rows_in = rows_in
        self.city_of = city_of

    def visible(self, user: access.User) -> ColumnElement[bool]:
        if user.has_role(*access.NATIONAL_READERS):
            return true()
        city_ids = user.city_ids(*READER_ROLES)
        return self.rows_in(city_ids) if city_ids else false()

    def allows(self, user: access.User, action: str, record: Any) -> bool:
        return may_write(user, self.city_of(record))

    def may_create_in(self, user: access.User, owner: Any) -> bool:
        """`owner` is the city a business or training goes to, or the product a pathway opens
        for: either way, its city's programme."""
        return may_write(user, owner.id if isinstance(owner, City) else owner.city_id)


class CataloguePolicy(access.Policy):
    """Product SNIs and the readiness checklist: read by whoever sees the programme; changed
    only by loading the files."""

    def visible(self, user: access.User) -> ColumnElement[bool]:
        return true() if may_read_programme(user) else false()


def _pathways_in(city_ids: set[int]) -> Select:
    return select(models.Pathway.id).where(models.Pathway.city_id.in_(city_ids))


def _pathway_city(pathway_id: int) -> int | None:
    return db.session.scalar(select(models.Pathway.city_id).where(models.Pathway.id == pathway_id))


def _owned_by_city(model: Any) -> CityProgrammePolicy:
    return CityProgrammePolicy(lambda ids: model.city_id.in_(ids), lambda record: record.city_id)


def _owned_by_pathway(model: Any) -> CityProgrammePolicy:
    return CityProgrammePolicy(
        lambda ids: model.pathway_id.in_(_pathways_in(ids)),
        lambda record: _pathway_city(record.pathway_id),
    )


def _owned_through(key: Any, parent: type) -> CityProgrammePolicy:
    """A record inside another record of the programme (a lab test's result): in the city of
    the parent its `key` names, as the parent's policy (registered first) says."""
    parent_policy = access.policy_for(parent)
    assert isinstance(parent_policy, CityProgrammePolicy)
    return CityProgrammePolicy(
        lambda ids: key.in_(select(parent.id).where(parent_policy.rows_in(ids))),
        lambda record: parent_policy.city_of(db.session.get(parent, getattr(record, key.key))),
    )


def register() -> None:
    for model in (
        models.Business,
        models.Product,
        models.Pathway,
        models.GuidanceVisit,
        models.TrainingBatch,
    ):
        access.register_policy(model, _owned_by_city(model))
    for model in (
        models.StageRecord,
        models.ReadinessAnswer,
        models.AuditFinding,
        models.LabTest,
        models.Certificate,
    ):
        access.register_policy(model, _owned_by_pathway(model))
    for model, key, parent in (
        (models.TestResult, models.TestResult.lab_test_id, models.LabTest),
        (models.Surveillance, models.Surveillance.certificate_id, models.Certificate),
        (models.TrainingAttendance, models.TrainingAttendance.batch_id, models.TrainingBatch),
    ):
        access.register_policy(model, _owned_through(key, parent))
    for model in (ProductStandard, TestParameter, ReadinessChecklist, ReadinessItem):
        access.register_policy(model, CataloguePolicy())
