"""/api/v1 for document control: the same forms, operations and policies as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import create_model

from qms.api.core import api_route, json_body, ok, paginate, validate_form
from qms.api.records import Owner, Records
from qms.api.schema import Resource
from qms.core import access
from qms.core.errors import PermissionDenied
from qms.core.roles import Role
from qms.documents import approvers, operations, queries, workflow
from qms.documents.forms import (
    ApproversForm,
    DocumentForm,
    MasterListFilterForm,
    NewDocumentForm,
    ReviewForm,
    RevisionFields,
    RevisionForm,
    TransitionForm,
    UploadForm,
    WithdrawForm,
    document_data,
    revision_data,
)
from qms.documents.models import (
    SECTIONS,
    Document,
    DocumentReview,
    DocumentRevision,
    DocumentStatus,
    DocumentType,
    ReviewOutcome,
    ReviewState,
    RevisionState,
)
from qms.extensions import db
from qms.files.api import StoredFileOut
from qms.files.queries import files_of
from qms.organisations.models import Agency


class DocumentOut(Resource):
    labels_from = Document

    id: int
    agency_id: int
    code: str
    doc_type: DocumentType
    title: str
    owner_unit_id: int | None
    #: the numbers of the clauses it serves
    clauses: list[str]
    review_period_months: int
    retention_years: int | None
    status: DocumentStatus
    #: the number of the effective revision
    current_revision: int | None
    effective_on: date | None
    next_review_on: date | None
    review_state: ReviewState | None
    version: int

    @classmethod
    def of(cls, document: Document) -> DocumentOut:
        current = document.current_revision
        return cls.from_record(
            document,
            clauses=[c.number for c in document.clauses],
            current_revision=current.number if current else None,
            effective_on=current.effective_on if current else None,
            review_state=queries.review_state(document),
        )


#: the text of a revision, one field per section of the procedure template (models.SECTIONS)
RevisionSectionsOut = create_model(
    "RevisionSectionsOut",
    __base__=Resource,
    **{name: (str, ...) for name in SECTIONS},
)
RevisionSectionsOut.labels_from = DocumentRevision


class DocumentRevisionOut(Resource):
    labels_from = DocumentRevision

    id: int
    document_id: int
    number: int
    state: RevisionState
    change_summary: str
    author_id: int
    approved_by_id: int | None
    effective_on: date | None
    ended_on: date | None
    review_comment: str
    discard_reason: str
    sections: RevisionSectionsOut
    files: list[StoredFileOut]
    version: int

    @classmethod
    def of(cls, revision: DocumentRevision) -> DocumentRevisionOut:
        return cls.from_record(
            revision,
            sections=RevisionSectionsOut.model_validate(revision),
            files=[StoredFileOut.of(f) for f in files_of(revision)],
        )


class DocumentReviewOut(Resource):
    labels_from = DocumentReview

    id: int
    document_id: int
    reviewed_on: date
    outcome: ReviewOutcome
    notes: str
    next_review_on: date | None
    revision_id: int | None


TAG = "documents"


def _document_form_choices(agencies: list[Agency]) -> dict[str, Any]:
    return {"units": queries.units_of(agencies), "clauses": queries.clause_choices()}


@api_route(
    "/documents",
    summary="The master list of documents the caller may see (filters: agency_id, doc_type, "
    "status, review, q)",
    tag=TAG,
    query=MasterListFilterForm,
    response=DocumentOut,
    paged=True,
)
def list_documents():
    form = MasterListFilterForm(request.args)
    return paginate(queries.master_list_query(current_user, form.filters()), DocumentOut)


def _new_document_choices(_data: dict[str, Any]) -> dict[str, Any]:
    agencies = access.where_may_create(current_user, Document, Agency)
    if not agencies:
        raise PermissionDenied(_("You may not register documents."))
    return {"agencies": agencies, **_document_form_choices(agencies)}


documents = Records("/documents", Document, DocumentOut, TAG, "document_id")
revisions = Records(
    "/document-revisions", DocumentRevision, DocumentRevisionOut, TAG, "revision_id"
)


@documents.create(NewDocumentForm, owner=Owner(Agency, "agency_id"), choices=_new_document_choices)
def create_document(user: Any, agency: Agency, form: NewDocumentForm) -> Document:
    """Register a document in an agency the caller manages; its code is given by the agency's
    numbering"""
    doc_type = DocumentType(form.doc_type.data)
    return operations.create_document(user, agency, doc_type, form.values())


documents.get("get_document", "One document")


@documents.update(
    DocumentForm,
    current=lambda document, body: {**document_data(document), **body},
    choices=lambda document: _document_form_choices([document.agency]),
)
def update_document(user: Any, document: Document, form: DocumentForm) -> None:
    """Change a document's title, owner, clauses, review or retention period"""
    operations.update_document(user, document, form.values(), form.version.data)


@documents.act("withdraw", body=WithdrawForm)
def withdraw_document(user: Any, document: Document, form: WithdrawForm) -> None:
    """Withdraw a document: its effective revision becomes obsolete"""
    workflow.withdraw_document(user, document, form.reason.data, form.version.data)


@documents.children("revisions", DocumentRevisionOut)
def list_revisions(_user: Any, document: Document) -> list[DocumentRevision]:
    """A document's revisions"""
    return document.revisions


@documents.add("revisions", RevisionFields, DocumentRevisionOut)
def create_revision(user: Any, document: Document, form: RevisionFields) -> DocumentRevision:
    """Start the next revision as a draft (without sections: the effective text)"""
    given = any(name in json_body() for name in SECTIONS)
    sections = form.sections() if given else None
    return operations.create_revision(user, document, form.change_summary.data, sections)


revisions.get("get_revision", "One revision with its text and files")


@revisions.update(
    RevisionForm,
    current=lambda revision, body: {**revision_data(revision), **body},
    permission=None,
)
def update_revision(user: Any, revision: DocumentRevision, form: RevisionForm) -> None:
    """Change a draft revision's summary or text"""
    sections = form.sections()
    operations.update_revision(
        user, revision, form.change_summary.data, sections, form.version.data
    )


@revisions.act("transition", body=TransitionForm)
def transition_revision(user: Any, revision: DocumentRevision, form: TransitionForm) -> None:
    """Submit, request changes, approve, put into effect or discard a draft (`comment`: what
    needs to change, or why the draft is discarded)"""
    workflow.transition(user, revision, form.action.data, **form.values())


@revisions.add("files", UploadForm, StoredFileOut, upload=True)
def upload_revision_file(user: Any, revision: DocumentRevision, form: UploadForm) -> Any:
    """Attach a file to a draft revision; the type is read from the content, a refused file
    stores nothing"""
    upload = (form.file.data.stream, form.file.data.filename)
    return operations.attach_file(user, revision, upload, form.description.data or "")


@documents.add("reviews", ReviewForm, DocumentReviewOut)
def review_document(user: Any, document: Document, form: ReviewForm) -> DocumentReview:
    """Record a periodic review (no change, or start a new revision)"""
    return operations.review_document(user, document, **form.values())


#: per document type, the roles of the agency that approve it
ApproversOut = create_model(
    "DocumentApproversOut",
    __base__=Resource,
    agency_id=(int, ...),
    **{t.value: (list[Role], ...) for t in DocumentType},
)


def _approvers_of(agency: Agency) -> Any:
    table = approvers.table(agency.id)
    return ApproversOut(
        agency_id=agency.id,
        **{t.value: [r for r in approvers.APPROVER_ROLES if r in table[t]] for t in DocumentType},
    )


@Records("/agencies", Agency, ApproversOut, TAG, "agency_id").read(
    "document-approvers", ApproversOut
)
def get_document_approvers(user: Any, agency: Agency) -> Any:
    """Who approves each type of the agency's documents (its settings, else the defaults)"""
    if not queries.reads_documents_of(user, agency):
        raise PermissionDenied(_("You may not see this agency's documents."))
    return _approvers_of(agency)


@api_route(
    "/agencies/<int:agency_id>/document-approvers",
    ("PATCH",),
    summary="Set the roles that approve each type given (the agency head or the city admin); "
    "the types left out keep theirs",
    tag=TAG,
    body=ApproversForm,
    response=ApproversOut,
)
def set_document_approvers(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    if not approvers.may_configure(current_user, agency):
        raise PermissionDenied(_("You may not change who approves this agency's documents."))
    current = _approvers_of(agency).model_dump(exclude={"agency_id"})
    body = json_body()
    form = validate_form(ApproversForm, {**current, **body})
    approvers.configure(current_user, agency, form.values())
    db.session.commit()
    return ok(_approvers_of(agency))
