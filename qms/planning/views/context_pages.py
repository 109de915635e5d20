"""The agency's context (ISO 9001 4.1, 4.2): its internal and external issues and its
interested parties, each with its page, reviewed and archived. Issues and parties are kept
alike, so one set of pages serves both (`KINDS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core import access
from qms.core.views import RecordPages, commit_and_redirect
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list
from qms.planning import operations, queries
from qms.planning.forms import IssueForm, NewIssueForm, NewPartyForm, PartyForm
from qms.planning.models import ContextIssue, InterestedParty
from qms.planning.views import bp, filters


@dataclass(frozen=True)
class Kind:
    name: str  # in the URLs
    model: type
    form: type
    new_form: type
    title: Any
    new_title: Any

    @property
    def pages(self) -> RecordPages:
        return RecordPages(
            self.model,
            ".context_record",
            "record_id",
            ".context",
            owner=Agency,
            url_values={"kind": self.name},
        )


ISSUES = Kind(
    "issues", ContextIssue, IssueForm, NewIssueForm, _l("Context issue"), _l("New context issue")
)
PARTIES = Kind(
    "parties",
    InterestedParty,
    PartyForm,
    NewPartyForm,
    _l("Interested party"),
    _l("New interested party"),
)
KINDS = {kind.name: kind for kind in (ISSUES, PARTIES)}
KIND_RULE = "<kind>"


def _kind(name: str) -> Kind:
    """The kind a URL names ("issues", "parties"), or 404."""
    if name not in KINDS:
        abort(404)
    return KINDS[name]


@bp.get("/context")
def context():
    chosen = filters()
    return filtered_list(
        "planning/context.html",
        chosen,
        issues=queries.rows(queries.issues_query(current_user, chosen), "issues_page"),
        parties=queries.rows(queries.parties_query(current_user, chosen), "parties_page"),
        may_create=bool(access.where_may_create(current_user, ContextIssue, Agency)),
    )


@bp.route(f"/context/{KIND_RULE}/new", methods=["GET", "POST"])
def new_context(kind: str):
    spec = _kind(kind)
    return spec.pages.new(
        spec.new_form(),
        spec.pages.creatable_owners(),
        lambda user, agency, values: operations.save_context(
            user, spec.model, values, agency=agency
        ),
        spec.new_title,
        refusal=_("You may not add to an agency's context."),
    )


@bp.get(f"/context/{KIND_RULE}/<int:record_id>")
def context_record(kind: str, record_id: int):
    spec = _kind(kind)
    return spec.pages.page(
        "planning/context_record.html",
        "record",
        spec.pages.get(record_id),
        kind=kind,
        title=spec.title,
    )


@bp.route(f"/context/{KIND_RULE}/<int:record_id>/edit", methods=["GET", "POST"])
def edit_context(kind: str, record_id: int):
    spec = _kind(kind)
    record = spec.pages.editable(record_id)
    return spec.pages.change(
        spec.form(obj=record),
        record,
        lambda user, record, values: operations.save_context(
            user, spec.model, values, record=record
        ),
        spec.title,
    )


@bp.post(f"/context/{KIND_RULE}/<int:record_id>/review")
def review_context(kind: str, record_id: int):
    pages = _kind(kind).pages
    record = pages.get(record_id)
    operations.mark_reviewed(current_user, record)
    return commit_and_redirect(pages.url(record), _("Recorded as reviewed today."))


@bp.post(f"/context/{KIND_RULE}/<int:record_id>/archive")
def archive_context(kind: str, record_id: int):
    return _kind(kind).pages.archive(record_id, operations.archive)
