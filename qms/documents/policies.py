"""Who may see and change documents: the agency's own quality officers and its city's admins
change, its head reads them and approves those the agency authorises it to (approvers.py); the
city's readers (admins, management viewers, internal auditors) and national readers
read; other agencies see nothing. Revisions, reviews and clause links follow their document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from qms.core import access
from qms.core.roles import Role
from qms.documents.models import Document, DocumentClause, DocumentReview, DocumentRevision
from qms.extensions import db
from qms.files import policies
from qms.organisations.models import Agency
from qms.organisations.policies import agency_visibility

#: roles that read every agency's documents in their city
CITY_READERS = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER, Role.INTERNAL_AUDITOR)


def reads_documents(user: access.User, agency_column: Any) -> ColumnElement[bool]:
    """SQL: the agencies (by `agency_column`) whose documents the user reads."""
    return agency_visibility(
        user,
        agency_column,
        agency_roles=(Role.QUALITY_OFFICER, Role.AGENCY_HEAD),
        city_roles=CITY_READERS,
    )


def _agency_of(document: Document) -> Agency:
    return document.agency or db.session.get(Agency, document.agency_id)


class DocumentPolicy(access.Policy):
    def visible(self, user: access.User) -> ColumnElement[bool]:
        return reads_documents(user, Document.agency_id)

    def allows(self, user: access.User, action: str, record: Document) -> bool:
        return access.manages_agency(user, _agency_of(record))

    def may_create_in(self, user: access.User, owner: Agency) -> bool:
        return access.manages_agency(user, owner)


def register() -> None:
    access.register_policy(Document, DocumentPolicy())
    # revisions, reviews and clause links follow their document
    for model in (DocumentRevision, DocumentReview, DocumentClause):
        access.register_policy(model, access.ChildPolicy(Document, model.document_id, "document"))
    # a revision's files are read by whoever may see the revision
    policies.register_owner(DocumentRevision)
