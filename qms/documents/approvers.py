"""Who approves a document (ISO 9001 7.5.2: approval by an authorised person). Each agency
says which roles approve each type of document (DocumentApprover rows); a type it said nothing
about follows DEFAULTS: in Indonesian government practice the head of the agency (Kepala OPD)
signs the quality manual and policy, the SOPs (SOP-AP, Permenpan-RB 35/2012) and the service
standards, and the quality officers approve the working papers. The city admin approves an
agency's documents only where the agency names the role. The author never approves their own
revision (workflow.py)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from qms.accounts.models import RoleAssignment
from qms.accounts.models import User as Account
from qms.core import access
from qms.core.access import User
from qms.core.errors import DomainError, PermissionDenied
from qms.core.registry import Task
from qms.core.roles import Role
from qms.documents.models import (
    Document,
    DocumentApprover,
    DocumentRevision,
    DocumentType,
    RevisionState,
)
from qms.extensions import db
from qms.organisations.models import Agency

#: the roles an agency may authorise, in the order they are offered
APPROVER_ROLES = (Role.AGENCY_HEAD, Role.QUALITY_OFFICER, Role.CITY_ADMIN)

DEFAULTS: dict[DocumentType, frozenset[Role]] = {
    DocumentType.QUALITY_POLICY: frozenset({Role.AGENCY_HEAD}),
    DocumentType.QUALITY_MANUAL: frozenset({Role.AGENCY_HEAD}),
    DocumentType.PROCEDURE: frozenset({Role.AGENCY_HEAD}),
    DocumentType.SERVICE_STANDARD: frozenset({Role.AGENCY_HEAD}),
    DocumentType.WORK_INSTRUCTION: frozenset({Role.QUALITY_OFFICER}),
    DocumentType.FORM: frozenset({Role.QUALITY_OFFICER}),
    DocumentType.RECORD: frozenset({Role.QUALITY_OFFICER}),
}


def table(agency_id: int) -> dict[DocumentType, frozenset[Role]]:
    """The agency's approvers per type: what it configured, else the default."""
    configured: dict[DocumentType, set[Role]] = {}
    for document_type, role in db.session.execute(
        select(DocumentApprover.document_type, DocumentApprover.role).where(
            DocumentApprover.agency_id == agency_id
        )
    ):
        configured.setdefault(document_type, set()).add(role)
    return {t: frozenset(configured.get(t, ())) or DEFAULTS[t] for t in DocumentType}


def holds(user: User, role: Role, agency: Agency) -> bool:
    """Whether the user holds the role for this agency (a city admin for its city)."""
    if role == Role.CITY_ADMIN:
        return agency.city_id in user.city_ids(Role.CITY_ADMIN)
    return agency.id in user.agency_ids(role)


def may_approve(user: User, revision: DocumentRevision) -> bool:
    """Whether the agency authorises one of the user's roles to approve this type."""
    document = revision.document or db.session.get(Document, revision.document_id)
    agency = document.agency or db.session.get(Agency, document.agency_id)
    roles = table(agency.id)[document.doc_type]
    return any(holds(user, role, agency) for role in roles)


def may_configure(user: User, agency: Agency) -> bool:
    """The agency's head decides who signs for it; the city admin keeps the settings."""
    return agency.id in user.agency_ids(Role.AGENCY_HEAD) or access.is_city_admin(
        user, agency.city_id
    )


def configure(
    actor: User, agency: Agency, chosen: Mapping[DocumentType, set[Role]]
) -> dict[DocumentType, frozenset[Role]]:
    """Set the roles that approve each type given (the others keep theirs); each type keeps
    at least one role, or nobody could approve it."""
    if not may_configure(actor, agency) or actor.is_read_only:
        raise PermissionDenied(_l("You may not change who approves this agency's documents."))
    for document_type, roles in chosen.items():
        if not roles:
            raise DomainError(
                _l("Choose at least one role that approves this type."),
                field=document_type.value,
            )
        if not set(roles) <= set(APPROVER_ROLES):
            raise DomainError(_l("Choose one of the options offered."), field=document_type.value)
    existing = {
        (row.document_type, row.role): row
        for row in db.session.scalars(
            select(DocumentApprover).where(DocumentApprover.agency_id == agency.id)
        )
    }
    current = table(agency.id)
    for document_type, roles in chosen.items():
        explicit = {role for t, role in existing if t == document_type}
        if not explicit and set(roles) == set(current[document_type]):
            continue  # the default, still as it was: nothing to record
        for role in set(roles) - explicit:
            db.session.add(
                DocumentApprover(agency_id=agency.id, document_type=document_type, role=role)
            )
        for role in explicit - set(roles):
            db.session.delete(existing[(document_type, role)])
    db.session.flush()
    return table(agency.id)


# --- what waits for the approvers: the home page's card and the mail on submission --------


def _approvable(user: User) -> dict[int, set[DocumentType]]:
    """Per agency, the types whose revisions the user may approve: the agencies where they
    hold an approving role (a city admin: the agencies of their cities), in two queries."""
    held: dict[int, set[Role]] = {}
    for role in (Role.AGENCY_HEAD, Role.QUALITY_OFFICER):
        for agency_id in user.agency_ids(role):
            held.setdefault(agency_id, set()).add(role)
    cities = user.city_ids(Role.CITY_ADMIN)
    if cities:
        for agency_id in db.session.scalars(select(Agency.id).where(Agency.city_id.in_(cities))):
            held.setdefault(agency_id, set()).add(Role.CITY_ADMIN)
    if not held:
        return {}
    configured: dict[tuple[int, DocumentType], set[Role]] = {}
    for agency_id, document_type, role in db.session.execute(
        select(
            DocumentApprover.agency_id, DocumentApprover.document_type, DocumentApprover.role
        ).where(DocumentApprover.agency_id.in_(held))
    ):
        configured.setdefault((agency_id, document_type), set()).add(role)
    result: dict[int, set[DocumentType]] = {}
    for agency_id, roles in held.items():
        types = {t for t in DocumentType if roles & (configured.get((agency_id, t)) or DEFAULTS[t])}
        if types:
            result[agency_id] = types
    return result


def awaiting_query(user: User):
    """The revisions in review that the user may approve (not their own), oldest first."""
    approvable = _approvable(user)
    if not approvable:
        return None
    return (
        select(DocumentRevision)
        .join(Document, Document.id == DocumentRevision.document_id)
        .where(
            DocumentRevision.state == RevisionState.IN_REVIEW,
            DocumentRevision.author_id != user.id,
            or_(
                *(
                    and_(Document.agency_id == agency_id, Document.doc_type.in_(types))
                    for agency_id, types in approvable.items()
                )
            ),
        )
        .order_by(DocumentRevision.submitted_at, DocumentRevision.id)
    )


def approval_tasks(user: User, limit: int) -> tuple[int, list[Task]]:
    """For the "waiting for you" card: how many revisions await the user's approval and the
    oldest `limit` of them."""
    query = awaiting_query(user)
    if query is None:
        return 0, []
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    revisions = db.session.scalars(
        query.options(contains_eager(DocumentRevision.document)).limit(limit)
    ).all()
    label = _l("Approve the revision")
    return count or 0, [
        Task(
            title=f"{r.document.code} rev. {r.number} · {r.document.title}",
            url=url_for("documents.show_revision", revision_id=r.id),
            due=None,
            overdue=False,
            kind=label,
        )
        for r in revisions
    ]


def approvers_of(revision: DocumentRevision) -> list[Account]:
    """The active people who may approve this revision: the holders of the roles its agency
    authorises for its type, the author aside."""
    document = revision.document
    agency = document.agency
    roles = table(agency.id)[document.doc_type]
    scopes = []
    for role in roles:
        if role == Role.CITY_ADMIN:
            scopes.append(
                and_(RoleAssignment.role == role, RoleAssignment.city_id == agency.city_id)
            )
        else:
            scopes.append(and_(RoleAssignment.role == role, RoleAssignment.agency_id == agency.id))
    people = db.session.scalars(
        select(Account)
        .join(RoleAssignment, RoleAssignment.user_id == Account.id)
        .where(or_(*scopes), Account.active.is_(True), Account.id != revision.author_id)
        .order_by(Account.name, Account.id)
        .distinct()
    )
    return list(people)
