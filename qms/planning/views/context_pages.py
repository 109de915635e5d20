"""The agency's context (ISO 9001 4.1, 4.2): its internal and external issues and its
interested parties, each with its page, reviewed and archived. Issues and parties are kept
alike, so one set of pages serves both (`KINDS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core import access
from qms.core.history import history_of
from qms.core.views import form_page, save_form
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.queries import visible_agencies
from qms.planning import operations, queries
from qms.planning.forms import IssueForm, NewIssueForm, NewPartyForm, PartyForm
from qms.planning.models import ContextIssue, InterestedParty
from qms.planning.views import bp, filters, offer_agencies, refused


@dataclass(frozen=True)
class Kind:
    model: type
    form: type
    new_form: type
    title: Any
    new_title: Any


KINDS = {
    "issues": Kind(
        ContextIssue, IssueForm, NewIssueForm, _l("Context issue"), _l("New context issue")
    ),
    "parties": Kind(
        InterestedParty,
        PartyForm,
        NewPartyForm,
        _l("Interested party"),
        _l("New interested party"),
    ),
}
KIND_RULE = "<kind>"


def _kind(name: str) -> Kind:
    """The kind a URL names ("issues", "parties"), or 404."""
    if name not in KINDS:
        abort(404)
    return KINDS[name]


@bp.get("/context")
def context():
    chosen = filters()
    return render_template(
        "planning/context.html",
        issues=queries.rows(queries.issues_query(current_user, chosen), "issues_page"),
        parties=queries.rows(queries.parties_query(current_user, chosen), "parties_page"),
        filters=chosen,
        agencies=visible_agencies(current_user),
        may_create=bool(queries.writable_agencies(current_user, ContextIssue)),
    )


@bp.route(f"/context/{KIND_RULE}/new", methods=["GET", "POST"])
def new_context(kind: str):
    spec = _kind(kind)
    agencies = queries.writable_agencies(current_user, spec.model)
    if not agencies:
        return refused(_("You may not add to an agency's context."))
    form = spec.new_form()
    offer_agencies(form, agencies)

    def create(values: dict[str, Any]) -> Any:
        agency = access.owner_for_create(
            current_user, spec.model, Agency, form.agency_id.data, "agency_id"
        )
        return operations.save_context(current_user, spec.model, values, agency=agency)

    record = save_form(form, create)
    if record is not None:
        return redirect(url_for(".context_record", kind=kind, record_id=record.id))
    return form_page(form, spec.new_title, url_for(".context"))


@bp.get(f"/context/{KIND_RULE}/<int:record_id>")
def context_record(kind: str, record_id: int):
    spec = _kind(kind)
    record = access.get_visible(spec.model, record_id, current_user)
    may_edit = access.can(current_user, access.EDIT, record) and not record.is_archived
    return render_template(
        "planning/context_record.html",
        kind=kind,
        title=spec.title,
        record=record,
        may_edit=may_edit,
        history=history_of(record),
    )


@bp.route(f"/context/{KIND_RULE}/<int:record_id>/edit", methods=["GET", "POST"])
def edit_context(kind: str, record_id: int):
    spec = _kind(kind)
    record = access.get_visible(spec.model, record_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = spec.form(obj=record)
    changed = save_form(
        form,
        lambda values: operations.save_context(current_user, spec.model, values, record=record),
    )
    if changed is not None:
        return redirect(url_for(".context_record", kind=kind, record_id=record.id))
    return form_page(form, spec.title, url_for(".context_record", kind=kind, record_id=record.id))


@bp.post(f"/context/{KIND_RULE}/<int:record_id>/review")
def review_context(kind: str, record_id: int):
    record = access.get_visible(_kind(kind).model, record_id, current_user)
    operations.mark_reviewed(current_user, record)
    db.session.commit()
    flash(_("Recorded as reviewed today."), "success")
    return redirect(url_for(".context_record", kind=kind, record_id=record.id))


@bp.post(f"/context/{KIND_RULE}/<int:record_id>/archive")
def archive_context(kind: str, record_id: int):
    record = access.get_visible(_kind(kind).model, record_id, current_user)
    operations.archive(current_user, record)
    db.session.commit()
    flash(_("Archived."), "success")
    return redirect(url_for(".context"))
