"""Pages of the nonconformity register, the workflow, the complaints and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.capa import (
    contributions,
    exports,
    figures,
    operations,
    queries,
    review_inputs,
    workflow,
)
from qms.capa.complaints import imports
from qms.capa.complaints import queries as complaint_queries
from qms.capa.complaints.parsing import row_error_text
from qms.capa.forms import (
    TRANSITION_FORMS,
    ActionForm,
    ArchiveForm,
    CauseForm,
    ComplaintFilterForm,
    CompleteActionForm,
    DetailsForm,
    ImportForm,
    NonconformityForm,
    RegisterFilterForm,
    VersionOnlyForm,
    form_values,
)
from qms.capa.models import (
    ActionKind,
    CauseCategory,
    Channel,
    ComplaintImport,
    ComplaintStatus,
    CorrectiveAction,
    NcGrade,
    NcSource,
    NcStatus,
    Nonconformity,
    VerificationResult,
)
from qms.capa.policies import DESCRIBE
from qms.core import access
from qms.core.errors import DomainError
from qms.core.forms import choices
from qms.core.history import history_of
from qms.core.pagination import paginate
from qms.core.timeutil import today
from qms.core.views import (
    RecordPages,
    commit_and_redirect,
    confirm_held_import,
    export_list,
    form_status,
    held_import_page,
    list_filters,
    page_with_form,
    refused,
    require_login,
    saved_then,
    show_on_form,
)
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list

bp = Blueprint("capa", __name__, url_prefix="/capa")
require_login(bp)
NONCONFORMITIES = RecordPages(Nonconformity, "capa.detail", "nc_id", "capa.register", owner=Agency)
COMPLAINT_IMPORTS = RecordPages(ComplaintImport, "capa.import_preview", "import_id")

LABELS = {
    "status": NcStatus.labels(),
    "source": NcSource.labels(),
    "grade": NcGrade.labels(),
    "cause": CauseCategory.labels(),
    "kind": ActionKind.labels(),
    "result": VerificationResult.labels(),
    "channel": Channel.labels(),
    "complaint_status": ComplaintStatus.labels(),
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"labels": LABELS}


# --- register -----------------------------------------------------------------------------


def _register_filters() -> queries.RegisterFilter:
    return list_filters(RegisterFilterForm, queries.RegisterFilter)


@bp.get("/")
def register():
    filters = _register_filters()
    return filtered_list(
        "capa/register.html",
        filters,
        items=paginate(queries.register_query(current_user, filters), keyset=True),
        today=today(),
        may_raise=bool(NONCONFORMITIES.creatable_owners()),
    )


@bp.get("/register.<any(csv, xlsx):fmt>")
def register_export(fmt: str):
    query = queries.register_query(current_user, _register_filters())
    return export_list(fmt, query, "register-ketidaksesuaian", exports.REGISTER_COLUMNS)


def _fill_choices(form: NonconformityForm | DetailsForm, agencies: list[Agency]) -> None:
    """The units of the agencies and the auditors of their cities (the fields a finding's
    nonconformity locks are not on its form)."""
    if isinstance(form, NonconformityForm):
        form.agency_id.choices = choices([(0, "–"), *((a.id, a.name) for a in agencies)])
    form.unit_id.choices = choices([("", "–"), *queries.unit_choices(agencies)])
    if form.auditor_id is not None:
        form.auditor_id.choices = choices([("", "–"), *queries.auditor_choices(agencies)])


@bp.route("/new", methods=["GET", "POST"])
def create():
    agencies = NONCONFORMITIES.creatable_owners()
    if not agencies:
        return refused(_("You may not raise nonconformities."))
    form = NonconformityForm()
    _fill_choices(form, agencies)

    raised = saved_then(
        form,
        lambda: operations.raise_nonconformity(
            current_user, NONCONFORMITIES.chosen_owner(form), form.values()
        ),
        NONCONFORMITIES.url,
        lambda nc: _("Nonconformity %(number)s raised.", number=nc.number),
    )
    return raised or page_with_form("capa/form.html", form)


@bp.route("/<int:nc_id>/edit", methods=["GET", "POST"])
def edit(nc_id: int):
    """Correct the description until the root cause is analysed (operations.update_details)."""
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    access.authorize(current_user, DESCRIBE, nc)
    refusal = operations.amendment_refusal(nc)
    if refusal is not None:
        flash(str(refusal), "error")
        return redirect(NONCONFORMITIES.url(nc), 303)
    locked = operations.locked_fields(nc)
    form = DetailsForm(obj=nc, process_or_service=nc.process, locked=locked)
    _fill_choices(form, [nc.agency])
    if form.validate_on_submit():
        try:
            operations.update_details(current_user, nc, form.values(), version=form.version.data)
        except DomainError as error:
            show_on_form(form, error)
            status = error.status_code
        else:
            return commit_and_redirect(
                NONCONFORMITIES.url(nc),
                _("Nonconformity %(number)s saved.", number=nc.number),
            )
    else:
        status = form_status(form)
    nc = access.get_visible(Nonconformity, nc_id, current_user)  # as it is, after a rollback
    return render_template("capa/edit.html", form=form, nc=nc, locked=locked), status


@bp.post("/<int:nc_id>/archive")
def archive(nc_id: int):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    form = ArchiveForm()
    if not form.validate_on_submit():
        return _detail(nc, {"archive": form}, 422)
    try:
        operations.archive(current_user, nc, form.reason.data, version=form.version.data)
    except DomainError as error:
        show_on_form(form, error)
        nc = access.get_visible(Nonconformity, nc_id, current_user)
        if operations.archive_refusal(nc) is not None or error.status_code == 403:
            flash(str(error.message), "error")  # its form is not on the page to carry it
        return _detail(nc, {"archive": form}, error.status_code)
    return commit_and_redirect(
        NONCONFORMITIES.url(nc),
        _("Nonconformity %(number)s was archived.", number=nc.number),
    )


# --- one nonconformity --------------------------------------------------------------------


@dataclass(frozen=True)
class ActionMoves:
    """What the user may do to one action of the plan, as the detail page offers it."""

    may_remove: bool
    may_mark_done: bool


def _action_moves(nc: Nonconformity) -> dict[int, ActionMoves]:
    may_edit = access.can(current_user, access.EDIT, nc)
    return {
        action.id: ActionMoves(
            may_remove=may_edit and operations.removal_refusal(action) is None,
            may_mark_done=may_edit and operations.completion_refusal(action) is None,
        )
        for action in nc.actions
    }


def _step_forms(nc: Nonconformity, failed: dict[str, Any]) -> dict[str, Any]:
    """The form of each step the user can take now (those the record refuses: `refused_steps`)."""
    forms: dict[str, Any] = {}
    for transition in workflow.available_transitions(nc, current_user):
        form = failed.get(transition.name) or TRANSITION_FORMS[transition.name](
            formdata=None, version=nc.version
        )
        if isinstance(form, CauseForm):
            shown = transition.name not in failed
            if shown:
                form.show_analysis(nc)
            contributions.prepare_analysis(current_user, form, nc, show_stored=shown)
        forms[transition.name] = (transition, form)
    return forms


def _detail(nc: Nonconformity, failed: dict[str, Any] | None = None, status: int = 200):
    failed = failed or {}
    may_archive = (
        access.can(current_user, access.ARCHIVE, nc) and operations.archive_refusal(nc) is None
    )
    return render_template(
        "capa/detail.html",
        nc=nc,
        steps=_step_forms(nc, failed),
        refused_steps=[o for o in workflow.available_steps(nc, current_user) if not o.possible],
        stages=workflow.stages(nc),
        waiting=workflow.waiting_on_others(nc, current_user),
        action_form=failed.get("add_action") or ActionForm(formdata=None, version=nc.version),
        complete_form=CompleteActionForm(formdata=None, version=nc.version),
        evidence={a.id: files_of(a) for a in nc.actions},
        action_moves=_action_moves(nc),
        may_add_action=access.can(current_user, access.EDIT, nc)
        and operations.action_adding_refusal(nc) is None,
        may_describe=access.can(current_user, DESCRIBE, nc)
        and operations.amendment_refusal(nc) is None,
        archive_form=(
            failed.get("archive") or ArchiveForm(formdata=None, version=nc.version)
            if may_archive
            else None
        ),
        other_agencies=workflow.elsewhere_candidates(nc),
        linked=queries.linked_nonconformities(current_user, nc),
        review_origin=review_inputs.review_origin(nc, current_user),
        analysis_blocks=contributions.analysis_blocks(current_user, nc),
        complaints=complaint_queries.linked_complaints(current_user, nc),
        history=history_of(nc),
        today=today(),
    ), status


NONCONFORMITIES.record_page(bp, "/<int:nc_id>", _detail)


@bp.post("/<int:nc_id>/step/<name>")
def step(nc_id: int, name: str):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    form_class = TRANSITION_FORMS.get(name)
    if form_class is None:
        return _detail(nc, status=404)
    form = form_class()
    if not form.validate_on_submit():
        return _detail(nc, {name: form}, 422)
    try:
        workflow.transition(current_user, nc, name, form_values(form), version=form.version.data)
    except DomainError as error:
        show_on_form(form, error)
        nc = access.get_visible(Nonconformity, nc_id, current_user)
        if name not in {t.name for t in workflow.available_transitions(nc, current_user)}:
            flash(str(error.message), "error")  # its form is not on the page to carry it
        return _detail(nc, {name: form}, error.status_code)
    return commit_and_redirect(
        NONCONFORMITIES.url(nc),
        _("Saved: %(status)s.", status=nc.status.label),
    )


@bp.post("/<int:nc_id>/actions")
def add_action(nc_id: int):
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    form = ActionForm()
    added = saved_then(
        form,
        lambda: operations.add_action(
            current_user, nc, form_values(form), version=form.version.data
        ),
        NONCONFORMITIES.url(nc) + "#plan",
        _("The action was added to the plan."),
    )
    return added or _detail(
        access.get_visible(Nonconformity, nc_id, current_user), {"add_action": form}, 422
    )


@bp.post("/actions/<int:action_id>/remove")
def remove_action(action_id: int):
    action = access.get_visible(CorrectiveAction, action_id, current_user)
    nc_id = action.nonconformity_id
    form = VersionOnlyForm()
    operations.remove_action(
        current_user, action, version=form.version.data if form.validate() else -1
    )
    return commit_and_redirect(
        url_for("capa.detail", nc_id=nc_id) + "#plan", _("The action was removed from the plan.")
    )


@bp.post("/actions/<int:action_id>/done")
def complete_action(action_id: int):
    action = access.get_visible(CorrectiveAction, action_id, current_user)
    form = CompleteActionForm()
    upload = form.file.data if form.validate_on_submit() else None
    operations.complete_action(
        current_user,
        action,
        evidence=upload.stream if upload else None,
        filename=upload.filename if upload else "",
        note=form.note.data or "",
        version=form.version.data if form.version.data is not None else -1,
    )
    return commit_and_redirect(
        url_for("capa.detail", nc_id=action.nonconformity_id) + "#plan", _("The action is done.")
    )


@bp.get("/<int:nc_id>/request-form")
def request_form(nc_id: int):
    """Permintaan Tindakan Koreksi (PTK), ready to print."""
    nc = access.get_visible(Nonconformity, nc_id, current_user)
    return render_template(
        "capa/request_form.html",
        nc=nc,
        printed_on=today(),
        blocks=contributions.request_form_blocks(nc),
    )


# --- dashboard ----------------------------------------------------------------------------


@bp.get("/dashboard")
def dashboard_page():
    day = today()
    return render_template("capa/dashboard.html", board=figures.build(current_user, day), today=day)


# --- complaints ---------------------------------------------------------------------------


def _complaint_filters() -> complaint_queries.ComplaintFilter:
    return list_filters(ComplaintFilterForm, complaint_queries.ComplaintFilter)


@bp.get("/complaints")
def complaint_list():
    filters = _complaint_filters()
    query = complaint_queries.complaint_list(current_user, filters)
    return filtered_list(
        "capa/complaints.html",
        filters,
        items=paginate(query, keyset=True),
        can_import=bool(complaint_queries.import_cities(current_user)),
        feedback=contributions.feedback_blocks(current_user, filters.agency_id),
    )


@bp.get("/complaints.<any(csv, xlsx):fmt>")
def complaints_export(fmt: str):
    query = complaint_queries.complaint_list(current_user, _complaint_filters())
    return export_list(fmt, query, "pengaduan", exports.COMPLAINT_COLUMNS)


@bp.route("/complaints/import", methods=["GET", "POST"])
def import_upload():
    cities = complaint_queries.import_cities(current_user)
    if not cities:
        return refused(_("You may not import complaints."))
    form = ImportForm()
    form.city_id.choices = choices((c.id, c.name) for c in cities)

    def preview() -> ComplaintImport:
        upload = form.file.data
        city = complaint_queries.import_city(current_user, form.city_id.data)
        return imports.preview_import(current_user, city, upload.filename, upload.read())

    record = saved_then(form, preview, COMPLAINT_IMPORTS.url)
    return record or page_with_form("capa/import.html", form)


@bp.get("/complaints/import/<int:import_id>")
def import_preview(import_id: int):
    return held_import_page(
        COMPLAINT_IMPORTS,
        import_id,
        "capa/import_preview.html",
        row_error_text,
        imports.may_confirm,
    )


@bp.post("/complaints/import/<int:import_id>/confirm")
def import_confirm(import_id: int):
    return confirm_held_import(
        COMPLAINT_IMPORTS,
        import_id,
        imports.confirm_import,
        lambda report: _(
            "Imported: %(new)s new, %(updated)s updated; %(escalated)s nonconformities raised.",
            new=report["new"],
            updated=report["updated"],
            escalated=len(report["escalated"]),
        ),
    )
