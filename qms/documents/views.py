"""Pages of document control: the master list (with CSV and print), a document with its
revisions and reviews, the revision workflow and the difference between two revisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import groupby
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from qms.core import access
from qms.core.errors import DomainError, PermissionDenied
from qms.core.history import history_of
from qms.core.i18n import fmt_date
from qms.core.pagination import paginate, streamed
from qms.core.roles import ROLE_LABELS
from qms.core.timeutil import today
from qms.core.views import (
    RecordPages,
    commit_and_redirect,
    export_list,
    form_page,
    page_with_form,
    require_login,
    saved_then,
)
from qms.documents import approvers, operations, queries, review_inputs, workflow
from qms.documents import diff as revision_diff
from qms.documents.forms import (
    ApproversForm,
    DocumentForm,
    MasterListFilterForm,
    NewDocumentForm,
    NewRevisionForm,
    ReviewForm,
    RevisionForm,
    TransitionForm,
    UploadForm,
    WithdrawForm,
    document_data,
)
from qms.documents.models import (
    Document,
    DocumentRevision,
    DocumentType,
    RevisionState,
)
from qms.extensions import db
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list

bp = Blueprint("documents", __name__, url_prefix="/documents")
require_login(bp)
DOCUMENTS = RecordPages(Document, "documents.show", "document_id", "documents.index", owner=Agency)
REVISIONS = RecordPages(
    DocumentRevision, "documents.show_revision", "revision_id", "documents.index"
)


def _filters() -> tuple[MasterListFilterForm, queries.MasterListFilter]:
    form = MasterListFilterForm(request.args)
    return form, form.filters()


@bp.get("/")
def index():
    form, filters = _filters()
    return filtered_list(
        "documents/index.html",
        filters,
        form=form,
        documents=paginate(queries.master_list_query(current_user, filters)),
        review_state=queries.review_state,
        may_create=bool(DOCUMENTS.creatable_owners()),
    )


@bp.get("/master-list.<any(csv, xlsx):fmt>")
def master_list_export(fmt: str):
    _form, filters = _filters()
    query = queries.master_list_query(current_user, filters)
    return export_list(fmt, query, "daftar-induk-dokumen", queries.MASTER_LIST_COLUMNS)


@bp.get("/master-list/print")
def master_list_print():
    _form, filters = _filters()
    # streamed: the rows are read in batches and written out agency by agency as they come
    documents = streamed(queries.master_list_query(current_user, filters))
    by_agency = groupby(documents, key=lambda document: document.agency)
    return Response(
        stream_with_context(
            stream_template("documents/print.html", by_agency=by_agency, printed_on=today())
        )
    )


def _document_form_choices(agencies: list) -> dict[str, Any]:
    return {"units": queries.units_of(agencies), "clauses": queries.clause_choices()}


@bp.route("/new", methods=["GET", "POST"])
def new():
    agencies = DOCUMENTS.creatable_owners()
    if not agencies:
        raise PermissionDenied(_("You may not register documents."))
    form = NewDocumentForm(agencies=agencies, **_document_form_choices(agencies))

    def register() -> Document:
        agency = DOCUMENTS.chosen_owner(form)
        doc_type = DocumentType(form.doc_type.data)
        return operations.create_document(current_user, agency, doc_type, form.values())

    registered = saved_then(
        form,
        register,
        DOCUMENTS.url,
        lambda document: _("Document %(code)s registered.", code=document.code),
        forbidden_on_form=False,
    )
    return registered or page_with_form("documents/document_form.html", form, document=None)


@bp.get("/<int:document_id>")
def show(document_id: int):
    document = DOCUMENTS.get(document_id)
    entries = history_of(document)
    return render_template(
        "documents/document.html",
        document=document,
        review_state=queries.review_state(document),
        review_form=ReviewForm(formdata=None, version=document.version),
        withdraw_form=WithdrawForm(formdata=None, version=document.version),
        offers=queries.document_actions(document, current_user),
        previous_revision=queries.previous_revision,
        history=entries,
    )


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
def edit(document_id: int):
    document = DOCUMENTS.editable(document_id)
    form = DocumentForm(
        data={**document_data(document), "version": document.version},
        **_document_form_choices([document.agency]),
    )
    updated = saved_then(
        form,
        lambda: operations.update_document(
            current_user, document, form.values(), form.version.data
        ),
        DOCUMENTS.url(document),
        _("The document was saved."),
        forbidden_on_form=False,
    )
    return updated or page_with_form("documents/document_form.html", form, document=document)


@contextmanager
def _workflow_step(form: FlaskForm, unreadable: str, back: str) -> Iterator[None]:
    """The workflow step a form posts on a page (the `with` block), once the form is read;
    refused (or the form unreadable: `unreadable` says why), back to the page with the reason,
    nothing kept. A permission refused stays a 403."""
    try:
        if not form.validate_on_submit():
            raise DomainError(unreadable)
        yield
    except PermissionDenied:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        abort(redirect(back, 303))


@bp.post("/<int:document_id>/withdraw")
def withdraw(document_id: int):
    document = DOCUMENTS.get(document_id)
    back = DOCUMENTS.url(document)
    form = WithdrawForm()
    with _workflow_step(form, _("Say why the document is withdrawn."), back):
        workflow.withdraw_document(current_user, document, form.reason.data, form.version.data)
    return commit_and_redirect(back, _("The document was withdrawn."))


@bp.post("/<int:document_id>/review")
def review(document_id: int):
    document = DOCUMENTS.get(document_id)
    back = DOCUMENTS.url(document)
    form = ReviewForm()
    with _workflow_step(form, _("Choose the outcome of the review."), back):
        result = operations.review_document(current_user, document, **form.values())
    db.session.commit()
    if result.revision is not None:
        flash(_("Review recorded; revision %(number)s started.", number=result.revision.number))
        return redirect(url_for("documents.edit_revision", revision_id=result.revision.id))
    flash(
        _(
            "Review recorded; the next review is due on %(date)s.",
            date=fmt_date(document.next_review_on),
        ),
        "success",
    )
    return redirect(back)


@bp.route("/<int:document_id>/revisions/new", methods=["GET", "POST"])
def new_revision(document_id: int):
    document = DOCUMENTS.editable(document_id)
    form = NewRevisionForm(obj=document.current_revision)
    if request.method == "GET":
        form.change_summary.data = ""

    def start() -> DocumentRevision:
        upload = form.file.data
        return operations.create_revision(
            current_user,
            document,
            form.change_summary.data,
            form.sections(),
            (upload.stream, upload.filename) if upload else None,
        )

    started = saved_then(
        form,
        start,
        REVISIONS.url,
        lambda revision: _("Revision %(number)s was created as a draft.", number=revision.number),
        forbidden_on_form=False,
        category="message",
    )
    return started or page_with_form(
        "documents/revision_form.html", form, document=document, revision=None
    )


@bp.get("/<int:document_id>/diff")
def diff(document_id: int):
    document = DOCUMENTS.get(document_id)
    newest = document.revisions[-1].number if document.revisions else 0
    new = queries.revision_by_number(document, request.args.get("to", newest, type=int))
    previous = queries.previous_revision(new) if new else None
    from_number = request.args.get("from", type=int)
    old = queries.revision_by_number(document, from_number) if from_number is not None else previous
    return render_template(
        "documents/diff.html",
        document=document,
        old=old,
        new=new,
        sections=revision_diff.diff_revisions(old, new) if old and new else [],
    )


def _render_revision(
    revision: DocumentRevision,
    upload_form: UploadForm | None = None,
    status: int = 200,
):
    entries = history_of(revision)
    document = revision.document
    return render_template(
        "documents/revision.html",
        revision=revision,
        document=document,
        files=files_of(revision),
        steps=workflow.available_steps(revision, current_user),
        stages=workflow.stages(revision),
        transition_form=TransitionForm(
            formdata=None, version=revision.version, effective_on=today()
        ),
        upload_form=upload_form or UploadForm(formdata=None),
        may_edit_draft=queries.may_edit_draft(revision, current_user),
        previous=queries.previous_revision(revision),
        review_origin=review_inputs.review_origin(revision, current_user),
        history=entries,
        approvers=approvers.approvers_of(revision)
        if revision.state == RevisionState.IN_REVIEW
        else None,
    ), status


REVISIONS.record_page(bp, "/revisions/<int:revision_id>", _render_revision)


@bp.route("/revisions/<int:revision_id>/edit", methods=["GET", "POST"])
def edit_revision(revision_id: int):
    revision = REVISIONS.editable(revision_id)
    form = RevisionForm(obj=revision)
    updated = saved_then(
        form,
        lambda: operations.update_revision(
            current_user, revision, form.change_summary.data, form.sections(), form.version.data
        ),
        REVISIONS.url(revision),
        _("The revision was saved."),
        forbidden_on_form=False,
    )
    return updated or page_with_form(
        "documents/revision_form.html", form, document=revision.document, revision=revision
    )


@bp.post("/revisions/<int:revision_id>/files")
def upload(revision_id: int):
    revision = REVISIONS.get(revision_id)
    form = UploadForm()
    attached = saved_then(
        form,
        lambda: operations.attach_file(
            current_user,
            revision,
            (form.file.data.stream, form.file.data.filename),
            form.description.data or "",
        ),
        REVISIONS.url(revision),
        _("The file was attached."),
        forbidden_on_form=False,
    )
    return attached or _render_revision(revision, form, 422)


@bp.post("/revisions/<int:revision_id>/transition")
def transition(revision_id: int):
    revision = REVISIONS.get(revision_id)
    back = REVISIONS.url(revision)
    form = TransitionForm()
    unreadable = _("The action could not be read; reload the page and try again.")
    with _workflow_step(form, unreadable, back):
        workflow.transition(current_user, revision, form.action.data, **form.values())
    return commit_and_redirect(
        back,
        _(
            "Revision %(number)s is now “%(state)s”.",
            number=revision.number,
            state=revision.state_label,
        ),
    )


# --- who approves -------------------------------------------------------------------------


@bp.get("/approvers/<int:agency_id>")
def approvers_page(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    if not queries.reads_documents_of(current_user, agency):
        raise PermissionDenied(_("You may not see this agency's documents."))
    return render_template(
        "documents/approvers.html",
        agency=agency,
        table=approvers.table(agency.id),
        defaults=approvers.DEFAULTS,
        order=approvers.APPROVER_ROLES,
        type_labels=DocumentType.labels(),
        role_labels=ROLE_LABELS,
        may_configure=approvers.may_configure(current_user, agency)
        and not current_user.is_read_only,
    )


@bp.route("/approvers/<int:agency_id>/edit", methods=["GET", "POST"])
def edit_approvers(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    if not approvers.may_configure(current_user, agency):
        raise PermissionDenied(_("You may not change who approves this agency's documents."))
    form = ApproversForm()
    if request.method == "GET":
        form.fill(approvers.table(agency.id))
    back = url_for(".approvers_page", agency_id=agency.id)
    done = saved_then(
        form, lambda: approvers.configure(current_user, agency, form.values()), back, _("Saved.")
    )
    return done or form_page(
        form, _("Who approves the documents of %(agency)s", agency=agency.name), back
    )
