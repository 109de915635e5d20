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
from qms.files import policies
from qms.organisations.policies import CITY_RECORD_READERS, AgencyRecordPolicy, agency_visibility

#: who reads their own agency's documents
AGENCY_READERS = (Role.QUALITY_OFFICER, Role.AGENCY_HEAD)
#: every role that reads some agency's documents
DOCUMENT_READERS = (*AGENCY_READERS, *CITY_RECORD_READERS, *access.NATIONAL_READERS)


def reads_documents(user: access.User, agency_column: Any) -> ColumnElement[bool]:
    """SQL: the agencies (by `agency_column`) whose documents the user reads."""
    return agency_visibility(
        user, agency_column, agency_roles=AGENCY_READERS, city_roles=CITY_RECORD_READERS
    )


def register() -> None:
    access.register_policy(Document, AgencyRecordPolicy(Document, CITY_RECORD_READERS))
    # revisions, reviews and clause links follow their document
    for model in (DocumentRevision, DocumentReview, DocumentClause):
        access.register_policy(model, access.ChildPolicy(Document, model.document_id, "document"))
    # a revision's files are read by whoever may see the revision
    policies.register_owner(DocumentRevision)
