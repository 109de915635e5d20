"""/api/v1 for document control: the same services and permissions as the pages."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from qms.api.core import api_route, iso, json_body, ok, paginate, paths, schemas, validate_form
from qms.core import access
from qms.core.errors import PermissionDenied, ValidationFailed
from qms.documents import services
from qms.documents.forms import (
    DocumentForm,
    MasterListFilterForm,
    NewDocumentForm,
    ReviewForm,
    RevisionForm,
    TransitionForm,
    UploadForm,
    WithdrawForm,
    document_values,
)
from qms.documents.models import (
    SECTIONS,
    Document,
    DocumentReview,
    DocumentRevision,
    DocumentType,
    ReviewOutcome,
)
from qms.extensions import db
from qms.files.api import file_json
from qms.files.queries import files_of
from qms.organisations.queries import visible_agencies

_TEXT = {"type": "string"}
_SECTIONS_SCHEMA = {name: _TEXT for name, _label in SECTIONS}

schemas.update(
    {
        "Document": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "agency_id": {"type": "integer"},
                "code": _TEXT,
                "doc_type": {"type": "string", "enum": [t.value for t in DocumentType]},
                "title": _TEXT,
                "owner_unit_id": {"type": "integer", "nullable": True},
                "clauses": {"type": "array", "items": _TEXT},
                "review_period_months": {"type": "integer"},
                "retention_years": {"type": "integer", "nullable": True},
                "status": _TEXT,
                "current_revision": {"type": "integer", "nullable": True},
                "effective_on": {"type": "string", "format": "date", "nullable": True},
                "next_review_on": {"type": "string", "format": "date", "nullable": True},
                "review_state": {"type": "string", "nullable": True},
                "version": {"type": "integer"},
            },
        },
        "DocumentInput": {
            "type": "object",
            "required": ["title"],
            "properties": {
                "agency_id": {"type": "integer", "description": "on creation only"},
                "doc_type": {"type": "string", "description": "on creation only"},
                "title": _TEXT,
                "owner_unit_id": {"type": "integer"},
                "clause_ids": {"type": "array", "items": {"type": "integer"}},
                "review_period_months": {"type": "integer"},
                "retention_years": {"type": "integer"},
                "version": {"type": "integer", "description": "optimistic lock on change"},
            },
        },
        "DocumentRevision": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "document_id": {"type": "integer"},
                "number": {"type": "integer"},
                "state": _TEXT,
                "change_summary": _TEXT,
                "author_id": {"type": "integer"},
                "approved_by_id": {"type": "integer", "nullable": True},
                "effective_on": {"type": "string", "format": "date", "nullable": True},
                "ended_on": {"type": "string", "format": "date", "nullable": True},
                "review_comment": _TEXT,
                "discard_reason": _TEXT,
                "sections": {"type": "object", "properties": _SECTIONS_SCHEMA},
                "files": {"type": "array", "items": {"$ref": "#/components/schemas/StoredFile"}},
                "version": {"type": "integer"},
            },
        },
        "RevisionInput": {
            "type": "object",
            "required": ["change_summary"],
            "properties": {
                "change_summary": _TEXT,
                **_SECTIONS_SCHEMA,
                "version": {"type": "integer"},
            },
        },
        "TransitionInput": {
            "type": "object",
            "required": ["action"],
            "properties": {
                "action": {"type": "string", "enum": list(services.USER_ACTIONS)},
                "comment": _TEXT,
                "effective_on": {"type": "string", "format": "date"},
                "version": {"type": "integer"},
            },
        },
        "ReviewInput": {
            "type": "object",
            "required": ["outcome"],
            "properties": {
                "outcome": {"type": "string", "enum": [o.value for o in ReviewOutcome]},
                "notes": _TEXT,
                "reviewed_on": {"type": "string", "format": "date"},
                "version": {"type": "integer"},
            },
        },
        "DocumentReview": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "document_id": {"type": "integer"},
                "reviewed_on": {"type": "string", "format": "date"},
                "outcome": _TEXT,
                "notes": _TEXT,
                "next_review_on": {"type": "string", "format": "date", "nullable": True},
                "revision_id": {"type": "integer", "nullable": True},
            },
        },
    }
)


def document_json(document: Document) -> dict:
    current = document.current_revision
    return {
        "id": document.id,
        "agency_id": document.agency_id,
        "code": document.code,
        "doc_type": document.doc_type.value,
        "title": document.title,
        "owner_unit_id": document.owner_unit_id,
        "clauses": [c.number for c in document.clauses],
        "review_period_months": document.review_period_months,
        "retention_years": document.retention_years,
        "status": document.status.value,
        "current_revision": current.number if current else None,
        "effective_on": iso(current.effective_on) if current else None,
        "next_review_on": iso(document.next_review_on),
        "review_state": services.review_state(document),
        "version": document.version,
    }


def revision_json(revision: DocumentRevision) -> dict:
    return {
        "id": revision.id,
        "document_id": revision.document_id,
        "number": revision.number,
        "state": revision.state.value,
        "change_summary": revision.change_summary,
        "author_id": revision.author_id,
        "approved_by_id": revision.approved_by_id,
        "effective_on": iso(revision.effective_on),
        "ended_on": iso(revision.ended_on),
        "review_comment": revision.review_comment,
        "discard_reason": revision.discard_reason,
        "sections": {name: getattr(revision, name) for name, _label in SECTIONS},
        "files": [file_json(f) for f in files_of(revision)],
        "version": revision.version,
    }


def review_json(review: DocumentReview) -> dict:
    return {
        "id": review.id,
        "document_id": review.document_id,
        "reviewed_on": iso(review.reviewed_on),
        "outcome": review.outcome.value,
        "notes": review.notes,
        "next_review_on": iso(review.next_review_on),
        "revision_id": review.revision_id,
    }


@api_route(
    "/documents",
    summary="The master list of documents the caller may see (filters: agency_id, doc_type, "
    "status, review, q)",
    tag="documents",
    response_schema="Document",
    many=True,
)
def list_documents():
    form = MasterListFilterForm(request.args, agencies=visible_agencies(current_user))
    filters = form.filters()
    return paginate(services.master_list_query(current_user, filters), document_json)


@api_route(
    "/documents",
    ("POST",),
    summary="Register a document; its code is given by the agency's numbering",
    tag="documents",
    request_schema="DocumentInput",
    response_schema="Document",
)
def create_document():
    agencies = services.manageable_agencies(current_user)
    if not agencies:
        raise PermissionDenied(_("You may not register documents."))
    form = validate_form(
        NewDocumentForm,
        json_body(),
        agencies=agencies,
        units=services.units_of(agencies),
        clauses=services.clause_choices(),
    )
    agency = next(a for a in agencies if a.id == form.agency_id.data)
    document = services.create_document(
        current_user, agency, DocumentType(form.doc_type.data), document_values(form)
    )
    db.session.commit()
    return ok(document_json(document), 201)


@api_route(
    "/documents/<int:document_id>",
    summary="One document",
    tag="documents",
    response_schema="Document",
)
def get_document(document_id: int):
    return ok(document_json(access.get_visible(Document, document_id, current_user)))


@api_route(
    "/documents/<int:document_id>",
    ("PATCH",),
    summary="Change a document's title, owner, clauses, review or retention period",
    tag="documents",
    request_schema="DocumentInput",
    response_schema="Document",
)
def update_document(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    access.authorize(current_user, access.EDIT, document)
    current = {
        "title": document.title,
        "clause_ids": [c.id for c in document.clauses],
        "review_period_months": document.review_period_months,
        "retention_years": document.retention_years,
    }
    if document.owner_unit_id:
        current["owner_unit_id"] = document.owner_unit_id
    form = validate_form(
        DocumentForm,
        {**current, **json_body()},
        units=services.units_of([document.agency]),
        clauses=services.clause_choices(),
    )
    services.update_document(current_user, document, document_values(form), form.version.data)
    db.session.commit()
    return ok(document_json(document))


@api_route(
    "/documents/<int:document_id>/withdraw",
    ("POST",),
    summary="Withdraw a document: its effective revision becomes obsolete",
    tag="documents",
    response_schema="Document",
)
def withdraw_document(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    form = validate_form(WithdrawForm, json_body())
    services.withdraw_document(current_user, document, form.reason.data, form.version.data)
    db.session.commit()
    return ok(document_json(document))


@api_route(
    "/documents/<int:document_id>/revisions",
    summary="A document's revisions",
    tag="documents",
    response_schema="DocumentRevision",
    many=True,
)
def list_revisions(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    return ok([revision_json(r) for r in document.revisions])


@api_route(
    "/documents/<int:document_id>/revisions",
    ("POST",),
    summary="Start the next revision as a draft (without sections: the effective text)",
    tag="documents",
    request_schema="RevisionInput",
    response_schema="DocumentRevision",
)
def create_revision(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    data = json_body()
    form = validate_form(RevisionForm, data)
    given = any(name in data for name, _label in SECTIONS)
    revision = services.create_revision(
        current_user, document, form.change_summary.data, form.sections() if given else None
    )
    db.session.commit()
    return ok(revision_json(revision), 201)


@api_route(
    "/document-revisions/<int:revision_id>",
    summary="One revision with its text and files",
    tag="documents",
    response_schema="DocumentRevision",
)
def get_revision(revision_id: int):
    return ok(revision_json(access.get_visible(DocumentRevision, revision_id, current_user)))


@api_route(
    "/document-revisions/<int:revision_id>",
    ("PATCH",),
    summary="Change a draft revision's summary or text",
    tag="documents",
    request_schema="RevisionInput",
    response_schema="DocumentRevision",
)
def update_revision(revision_id: int):
    revision = access.get_visible(DocumentRevision, revision_id, current_user)
    current = {"change_summary": revision.change_summary} | {
        name: getattr(revision, name) for name, _label in SECTIONS
    }
    form = validate_form(RevisionForm, {**current, **json_body()})
    services.update_revision(
        current_user, revision, form.change_summary.data, form.sections(), form.version.data
    )
    db.session.commit()
    return ok(revision_json(revision))


@api_route(
    "/document-revisions/<int:revision_id>/transition",
    ("POST",),
    summary="Submit, request changes, approve, put into effect or discard a draft (`comment`: "
    "what needs to change, or why the draft is discarded)",
    tag="documents",
    request_schema="TransitionInput",
    response_schema="DocumentRevision",
)
def transition_revision(revision_id: int):
    revision = access.get_visible(DocumentRevision, revision_id, current_user)
    form = validate_form(TransitionForm, json_body())
    services.transition(
        current_user,
        revision,
        form.action.data,
        comment=form.comment.data or "",
        effective_on=form.effective_on.data,
        expected_version=form.version.data,
    )
    db.session.commit()
    return ok(revision_json(revision))


@api_route(
    "/document-revisions/<int:revision_id>/files",
    ("POST",),
    summary="Attach a file to a draft revision (multipart/form-data: `file`, `description`); "
    "the type is read from the content, a refused file stores nothing",
    tag="documents",
    response_schema="StoredFile",
)
def upload_revision_file(revision_id: int):
    revision = access.get_visible(DocumentRevision, revision_id, current_user)
    form = UploadForm(
        formdata=CombinedMultiDict((request.files, request.form)), meta={"csrf": False}
    )
    if not form.validate():
        raise ValidationFailed({k: [str(m) for m in v] for k, v in form.errors.items()})
    stored = services.attach_file(
        current_user,
        revision,
        (form.file.data.stream, form.file.data.filename),
        form.description.data or "",
    )
    db.session.commit()
    return ok(file_json(stored), 201)


paths["/api/v1/document-revisions/{revision_id}/files"]["post"]["requestBody"] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "description": _TEXT,
                },
            }
        }
    },
}


@api_route(
    "/documents/<int:document_id>/reviews",
    ("POST",),
    summary="Record a periodic review (no change, or start a new revision)",
    tag="documents",
    request_schema="ReviewInput",
    response_schema="DocumentReview",
)
def review_document(document_id: int):
    document = access.get_visible(Document, document_id, current_user)
    form = validate_form(ReviewForm, json_body())
    review = services.review_document(
        current_user,
        document,
        ReviewOutcome(form.outcome.data),
        form.notes.data or "",
        form.reviewed_on.data,
        form.version.data,
    )
    db.session.commit()
    return ok(review_json(review), 201)
