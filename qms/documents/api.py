"""/api/v1 for document control: the same forms, operations and policies as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import create_model
from werkzeug.datastructures import CombinedMultiDict

from qms.api.core import api_children, api_record, api_route, json_body, ok, paginate, validate_form
from qms.api.schema import Resource
from qms.core import access
from qms.core.errors import PermissionDenied, ValidationFailed
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
from qms.organisations.queries import visible_agencies


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


def _document_form_choices(agencies: list[Agency]) -> dict[str, Any]:
    return {"units": queries.units_of(agencies), "clauses": queries.clause_choices()}


@api_route(
    "/documents",
    summary="The master list of documents the caller may see (filters: agency_id, doc_type, "
    "status, review, q)",
    tag="documents",
    query=MasterListFilterForm,
    response=DocumentOut,
    paged=True,
)
def list_documents():
    form = MasterListFilterForm(request.args, agencies=visible_agencies(current_user))
    return paginate(queries.master_list_query(current_user, form.filters()), DocumentOut)


@api_route(
    "/documents",
    ("POST",),
    summary="Register a document in an agency the caller manages; its code is given by the "
    "agency's numbering",
    tag="documents",
    body=NewDocumentForm,
    response=DocumentOut,
    status=201,
)
def create_document():
    agencies = queries.agencies_for_new_documents(current_user)
    if not agencies:
        raise PermissionDenied(_("You may not register documents."))
    form = validate_form(
        NewDocumentForm, json_body(), agencies=agencies, **_document_form_choices(agencies)
    )
    agency = access.owner_for_create(
        current_user, Document, Agency, form.agency_id.data, "agency_id"
    )
    document = operations.create_document(
        current_user, agency, DocumentType(form.doc_type.data), form.values()
    )
    db.session.commit()
    return ok(DocumentOut.of(document))


api_record(
    "get_document",
    "/documents/<int:document_id>",
    Document,
    DocumentOut,
    "One document",
    "documents",
)


@api_route(
    "/documents/<int:document_id>",
    ("PATCH",),
    summary="Change a document's title, owner, clauses, review or retention period",
    tag="documents",
    body=DocumentForm,
    response=DocumentOut,
)
def update_document(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    access.authorize(current_user, access.EDIT, document)
    form = validate_form(
        DocumentForm,
        {**document_data(document), **json_body()},
        **_document_form_choices([document.agency]),
    )
    operations.update_document(current_user, document, form.values(), form.version.data)
    db.session.commit()
    return ok(DocumentOut.of(document))


@api_route(
    "/documents/<int:document_id>/withdraw",
    ("POST",),
    summary="Withdraw a document: its effective revision becomes obsolete",
    tag="documents",
    body=WithdrawForm,
    response=DocumentOut,
)
def withdraw_document(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    form = validate_form(WithdrawForm, json_body())
    workflow.withdraw_document(current_user, document, form.reason.data, form.version.data)
    db.session.commit()
    return ok(DocumentOut.of(document))


api_children(
    "list_revisions",
    "/documents/<int:document_id>/revisions",
    Document,
    lambda _user, document: document.revisions,
    DocumentRevisionOut,
    "A document's revisions",
    "documents",
)


@api_route(
    "/documents/<int:document_id>/revisions",
    ("POST",),
    summary="Start the next revision as a draft (without sections: the effective text)",
    tag="documents",
    body=RevisionFields,
    response=DocumentRevisionOut,
    status=201,
)
def create_revision(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    data = json_body()
    form = validate_form(RevisionFields, data)
    given = any(name in data for name in SECTIONS)
    revision = operations.create_revision(
        current_user, document, form.change_summary.data, form.sections() if given else None
    )
    db.session.commit()
    return ok(DocumentRevisionOut.of(revision))


api_record(
    "get_revision",
    "/document-revisions/<int:revision_id>",
    DocumentRevision,
    DocumentRevisionOut,
    "One revision with its text and files",
    "documents",
)


@api_route(
    "/document-revisions/<int:revision_id>",
    ("PATCH",),
    summary="Change a draft revision's summary or text",
    tag="documents",
    body=RevisionForm,
    response=DocumentRevisionOut,
)
def update_revision(revision_id: int):
    revision = access.get_visible(DocumentRevision, revision_id, current_user)
    form = validate_form(RevisionForm, {**revision_data(revision), **json_body()})
    operations.update_revision(
        current_user, revision, form.change_summary.data, form.sections(), form.version.data
    )
    db.session.commit()
    return ok(DocumentRevisionOut.of(revision))


@api_route(
    "/document-revisions/<int:revision_id>/transition",
    ("POST",),
    summary="Submit, request changes, approve, put into effect or discard a draft (`comment`: "
    "what needs to change, or why the draft is discarded)",
    tag="documents",
    body=TransitionForm,
    response=DocumentRevisionOut,
)
def transition_revision(revision_id: int):
    revision = access.get_visible(DocumentRevision, revision_id, current_user)
    form = validate_form(TransitionForm, json_body())
    workflow.transition(current_user, revision, form.action.data, **form.values())
    db.session.commit()
    return ok(DocumentRevisionOut.of(revision))


@api_route(
    "/document-revisions/<int:revision_id>/files",
    ("POST",),
    summary="Attach a file to a draft revision; the type is read from the content, a refused "
    "file stores nothing",
    tag="documents",
    multipart=UploadForm,
    response=StoredFileOut,
    status=201,
)
def upload_revision_file(revision_id: int):
    revision = access.get_visible(DocumentRevision, revision_id, current_user)
    form = UploadForm(
        formdata=CombinedMultiDict((request.files, request.form)), meta={"csrf": False}
    )
    if not form.validate():
        raise ValidationFailed({k: [str(m) for m in v] for k, v in form.errors.items()})
    stored = operations.attach_file(
        current_user,
        revision,
        (form.file.data.stream, form.file.data.filename),
        form.description.data or "",
    )
    db.session.commit()
    return ok(StoredFileOut.of(stored))


@api_route(
    "/documents/<int:document_id>/reviews",
    ("POST",),
    summary="Record a periodic review (no change, or start a new revision)",
    tag="documents",
    body=ReviewForm,
    response=DocumentReviewOut,
    status=201,
)
def review_document(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    form = validate_form(ReviewForm, json_body())
    review = operations.review_document(current_user, document, **form.values())
    db.session.commit()
    return ok(DocumentReviewOut.of(review))


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


@api_route(
    "/agencies/<int:agency_id>/document-approvers",
    summary="Who approves each type of the agency's documents (its settings, else the defaults)",
    tag="documents",
    response=ApproversOut,
)
def get_document_approvers(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    if not queries.reads_documents_of(current_user, agency):
        raise PermissionDenied(_("You may not see this agency's documents."))
    return ok(_approvers_of(agency))


@api_route(
    "/agencies/<int:agency_id>/document-approvers",
    ("PATCH",),
    summary="Set the roles that approve each type given (the agency head or the city admin); "
    "the types left out keep theirs",
    tag="documents",
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
