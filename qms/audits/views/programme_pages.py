"""The audits index and the audit programmes: a city's programme for a year and its items."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.accounts.models import User
from qms.audits import exports, operations, queries, workflow
from qms.audits.forms import NewProgrammeForm, ProgrammeForm, ProgrammeItemForm
from qms.audits.models import AuditProgramme, AuditStatus, ProgrammeItem
from qms.audits.views import bp
from qms.core import access
from qms.core.history import history_of
from qms.core.pagination import paginate
from qms.core.views import (
    commit_and_redirect,
    export_list,
    form_status,
    page_with_form,
    saved,
    saved_then,
)
from qms.standards.queries import standards


def _status_filter() -> str | None:
    """The status the list is filtered by (a value that is no status filters nothing)."""
    status = request.args.get("status") or None
    return status if status in {s.value for s in AuditStatus} else None


@bp.get("/")
def index():
    status = _status_filter()
    return render_template(
        "audits/index.html",
        audits=paginate(queries.audit_list(current_user, status=status), keyset=True),
        programmes=paginate(queries.visible_programmes(current_user), param="programmes_page"),
        status=status,
        may_plan=bool(queries.planning_cities(current_user)),
    )


@bp.get("/list.<any(csv, xlsx):fmt>")
def audits_export(fmt: str):
    query = queries.audit_list(current_user, status=_status_filter())
    return export_list(fmt, query, "audit", exports.AUDIT_COLUMNS)


@bp.route("/programmes/new", methods=["GET", "POST"])
def new_programme():
    form = NewProgrammeForm(cities=queries.planning_cities(current_user))
    created = saved_then(
        form,
        lambda: operations.create_programme(current_user, form.city_id.data, form.data),
        lambda created: url_for("audits.programme", programme_id=created.id),
    )
    return created or page_with_form("audits/programme_form.html", form)


@dataclass(frozen=True)
class ItemOffer:
    """What the programme page offers the user for one item."""

    may_edit: bool
    may_plan: bool
    may_remove: bool


def _offer(item: ProgrammeItem, user: User) -> ItemOffer:
    may_edit = access.can(user, access.EDIT, item)
    return ItemOffer(
        may_edit=may_edit,
        may_plan=may_edit and not item.live_audits,
        may_remove=workflow.may_archive(workflow.ITEM_LIFECYCLE, item, user),
    )


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
def programme(programme_id: int):
    record = access.get_visible(AuditProgramme, programme_id, current_user)
    form = ProgrammeItemForm(
        agencies=queries.programme_agencies(current_user, record), standards=standards()
    )
    if request.method == "GET":
        default = queries.default_standard()
        form.standard_id.data = default.id if default is not None else None
    if saved(form, lambda: operations.save_programme_item(current_user, record, form.data, None)):
        flash(_("The audit was added to the programme."), "success")
        return redirect(url_for("audits.programme", programme_id=record.id))
    lines = queries.programme_lines(record)
    return render_template(
        "audits/programme.html",
        programme=record,
        lines=lines,
        offers={line.item.id: _offer(line.item, current_user) for line in lines},
        done=sum(1 for line in lines if line.done),
        form=form,
        may_edit=access.can(current_user, access.EDIT, record),
        may_archive=workflow.may_archive(workflow.PROGRAMME_LIFECYCLE, record, current_user),
        history=history_of(record),
    ), form_status(form)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
def edit_programme(programme_id: int):
    record = access.get_editable(AuditProgramme, programme_id, current_user)
    form = ProgrammeForm(obj=record)
    if saved(form, lambda: operations.update_programme(current_user, record, form.data)):
        flash(_("The programme was saved."), "success")
        return redirect(url_for("audits.programme", programme_id=record.id))
    return render_template("audits/programme_form.html", form=form, programme=record), form_status(
        form
    )


@bp.post("/programmes/<int:programme_id>/archive")
def archive_programme(programme_id: int):
    record = access.get_visible(AuditProgramme, programme_id, current_user)
    workflow.archive_programme(current_user, record)
    return commit_and_redirect(
        url_for("audits.programme", programme_id=record.id), _("The programme was archived.")
    )


@bp.route("/programme-items/<int:item_id>/edit", methods=["GET", "POST"])
def edit_programme_item(item_id: int):
    item = access.get_editable(ProgrammeItem, item_id, current_user)
    programme = item.programme
    form = ProgrammeItemForm(
        obj=item,
        agencies=queries.programme_agencies(current_user, programme),
        standards=standards(),
    )
    if request.method == "GET":
        form.kind.data = item.kind.value
        standard = item.standard or queries.default_standard()
        form.standard_id.data = standard.id if standard is not None else None
    updated = saved_then(
        form,
        lambda: operations.save_programme_item(current_user, programme, form.data, item),
        url_for("audits.programme", programme_id=programme.id),
        _("The programme item was saved."),
    )
    return updated or page_with_form(
        "audits/programme_item_form.html", form, item=item, programme=programme
    )


@bp.post("/programme-items/<int:item_id>/archive")
def archive_programme_item(item_id: int):
    item = access.get_visible(ProgrammeItem, item_id, current_user)
    workflow.archive_programme_item(current_user, item)
    return commit_and_redirect(
        url_for("audits.programme", programme_id=item.programme_id),
        _("The item was removed from the programme."),
    )
