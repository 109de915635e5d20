"""Who may see and change surveys, their responses, imports and follow-up actions; registered by
`register()` from the feature's `init_app`.

An agency's quality officers and its city's admin run its surveys; the city's internal auditors
and management viewers and the national readers read; another agency's officer sees nothing.
An import is seen by its uploader and the survey's readers, and confirmed only by its uploader,
who saw the report. What anonymous visitors see (published results, the public form) is read
by queries.py without these policies, which answer for signed-in users only."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from qms.core import access
from qms.organisations.policies import CITY_RECORD_READERS, AgencyRecordPolicy, agency_visibility
from qms.skm.models import FollowUp, Import, Response, Survey


def _visible_surveys(user: access.User) -> ColumnElement[bool]:
    return agency_visibility(user, Survey.agency_id, city_roles=CITY_RECORD_READERS)


class ImportPolicy(access.Policy):
    def visible(self, user: access.User) -> ColumnElement[bool]:
        return access.any_of(
            [
                Import.uploaded_by_id == user.id,
                Import.survey_id.in_(select(Survey.id).where(_visible_surveys(user))),
            ]
        )

    def allows(self, user: access.User, action: str, record: Import) -> bool:
        if action == access.CREATE:
            return access.can(user, access.EDIT, record.survey)
        return record.uploaded_by_id == user.id and access.can(user, access.EDIT, record.survey)


def register() -> None:
    access.register_policy(Survey, AgencyRecordPolicy(Survey, CITY_RECORD_READERS))
    # responses and follow-up actions: seen with their survey, changed by who runs it
    for model in (Response, FollowUp):
        access.register_policy(model, access.ChildPolicy(Survey, model.survey_id, "survey"))
    access.register_policy(Import, ImportPolicy())
