"""Who may import a register and see an import: the upload is allowed where the register's own
policy lets the user create a record (`may_create_in` for the agency or city the rows go to);
an import is seen by its uploader and the city's administrators, and only the uploader, who saw
the report, changes its mapping and confirms it."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from qms.accounts.models import User
from qms.core import access
from qms.core.roles import Role
from qms.extensions import db
from qms.imports.models import ImportBatch, ImportedRecord
from qms.imports.registry import importer_for
from qms.organisations.models import Agency, City


class BatchPolicy(access.Policy):
    def visible(self, user: User) -> ColumnElement[bool]:
        return access.any_of(
            [
                ImportBatch.uploaded_by_id == user.id,
                access.city_visibility(
                    user,
                    ImportBatch.city_id,
                    city_roles=(Role.CITY_ADMIN,),
                    national_roles=(Role.SYSTEM_ADMIN,),
                ),
            ]
        )

    def allows(self, user: User, action: str, record: ImportBatch) -> bool:
        importer = importer_for(record.kind)
        if importer is None:
            return False
        if action == access.CREATE:
            owner = (
                record.agency or db.session.get(Agency, record.agency_id)
                if record.agency_id
                else record.city or db.session.get(City, record.city_id)
            )
            return owner is not None and importer.allows(user, owner)
        return action == access.EDIT and record.uploaded_by_id == user.id


def register() -> None:
    access.register_policy(ImportBatch, BatchPolicy())
    access.register_policy(ImportedRecord, access.Policy())
