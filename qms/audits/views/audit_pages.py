"""An audit's pages: planning it, its page with the team and the audit plan, editing it, and
its steps (start, report, close; cancel)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.audits import figures, follow_up, operations, queries, workflow
from qms.audits.forms import AgendaForm, AuditDetailsForm, AuditForm, MemberForm
from qms.audits.models import AgendaItem, Audit, AuditStatus, AuditTeamMember, ProgrammeItem
from qms.audits.policies import city_of
from qms.audits.views import bp
from qms.core import access
from qms.core.history import history_of
from qms.core.views import RecordPages, commit_and_redirect, form_status, page_with_form, saved_then
from qms.extensions import db
from qms.standards.queries import standards

AUDITS = RecordPages(Audit, "audits.detail", "audit_id")


@bp.route("/new", methods=["GET", "POST"])
def new():
    agencies = queries.planning_agencies(current_user)
    item = None
    if request.values.get("item", type=int):
        item = access.get_visible(ProgrammeItem, request.values.get("item", type=int), current_user)
    auditors = queries.auditors_of({a.city_id for a in agencies})
    form = AuditForm(
        agencies=agencies,
        units=queries.units_of(current_user, agencies),
        auditors=auditors,
        standards=standards(),
    )
    if request.method == "GET":
        default = queries.default_standard()
        form.standard_id.data = default.id if default is not None else None
    if request.method == "GET" and item is not None:
        form.agency_id.data = item.agency_id
        form.kind.data = item.kind.value
        form.scope_clauses.data = item.clause_numbers
        form.programme_item_id.data = item.id
        if item.standard_id is not None:
            form.standard_id.data = item.standard_id
        form.other_standard_ids.data = item.other_standard_ids
    if request.method == "GET" and current_user.id in {u.id for u in auditors}:
        form.lead_auditor_id.data = current_user.id
    planned = saved_then(
        form,
        lambda: operations.create_audit(current_user, form.data),
        lambda audit: url_for("audits.detail", audit_id=audit.id),
        lambda audit: _("The audit %(reference)s is planned.", reference=audit.reference),
    )
    if planned is not None:
        return planned
    offered, not_offered = queries.team_offers(None, auditors, lead=True)
    form.offer_leads(offered)
    return page_with_form("audits/audit_form.html", form, item=item, not_offered=not_offered)


def _detail_page(audit: Audit, agenda_form: AgendaForm | None = None) -> str:
    """The audit page; `agenda_form` is a refused agenda row, shown again with its errors."""
    auditors = queries.auditors_of({city_of(audit)})
    steps = workflow.available_steps(audit, current_user)
    offered, not_offered = queries.team_offers(
        audit, [u for u in auditors if u.id not in audit.team_ids], lead=False
    )
    return render_template(
        "audits/audit.html",
        audit=audit,
        may_edit=access.can(current_user, access.EDIT, audit),
        member_form=MemberForm(auditors=offered),
        not_offered=not_offered,
        agenda_form=agenda_form or AgendaForm(auditors=audit.team),
        steps=steps,
        lacking=follow_up.findings_lacking_follow_up(audit)
        if audit.status == AuditStatus.REPORTED
        else [],
        stages=workflow.stages(audit),
        done=figures.completion(audit.rows),
        tally=figures.tally(audit.rows),
        per_clause=figures.per_clause_of(audit.rows),
        history=history_of(audit),
    )


AUDITS.record_page(bp, "/<int:audit_id>", _detail_page)


@bp.route("/<int:audit_id>/edit", methods=["GET", "POST"])
def edit(audit_id: int):
    audit = AUDITS.editable(audit_id)
    auditors = queries.auditors_of({city_of(audit)})
    form = AuditDetailsForm(obj=audit, units=audit.agency.units, auditors=auditors)
    if request.method == "GET":
        form.lead_auditor_id.data = audit.lead_auditor_id or 0
    updated = saved_then(
        form,
        lambda: operations.update_audit(current_user, audit, form.data),
        AUDITS.url(audit),
        _("The audit was saved."),
    )
    if updated is not None:
        return updated
    offered, not_offered = queries.team_offers(audit, auditors, lead=True)
    form.offer_leads(offered)
    return page_with_form("audits/audit_edit.html", form, audit=audit, not_offered=not_offered)


@bp.post("/<int:audit_id>/members")
def add_member(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    form = MemberForm(auditors=queries.auditors_of({city_of(audit)}))
    if form.validate_on_submit():
        member = operations.add_member(current_user, audit, form.user_id.data)
        db.session.commit()
        flash(_("%(name)s joined the audit team.", name=member.user.name), "success")
    else:
        flash(_("Choose an auditor."), "error")
    return redirect(AUDITS.url(audit))


@bp.post("/members/<int:member_id>/remove")
def remove_member(member_id: int):
    member = access.get_visible(AuditTeamMember, member_id, current_user)
    audit_id = member.audit_id
    operations.remove_from_plan(current_user, member)
    return commit_and_redirect(url_for("audits.detail", audit_id=audit_id))


@bp.post("/<int:audit_id>/agenda")
def add_agenda_item(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    # a refusal of the change itself is a 403, not an error of the form
    access.authorize(current_user, access.EDIT, audit)
    form = AgendaForm(auditors=audit.team)
    added = saved_then(
        form,
        lambda: operations.add_agenda_item(current_user, audit, form.data),
        AUDITS.url(audit) + "#plan",
        _("The row was added to the audit plan."),
    )
    return added or (_detail_page(audit, agenda_form=form), form_status(form))


@bp.post("/agenda/<int:item_id>/remove")
def remove_agenda_item(item_id: int):
    item = access.get_visible(AgendaItem, item_id, current_user)
    audit_id = item.audit_id
    operations.remove_from_plan(current_user, item)
    return commit_and_redirect(url_for("audits.detail", audit_id=audit_id) + "#plan")


#: what the user reads once a step is taken, by its name
TRANSITION_DONE = {
    "start": _l("The audit has started."),
    "report": _l("The audit report was issued."),
    "close": _l("The audit was closed."),
}


@bp.post("/<int:audit_id>/transition/<name>")
def transition(audit_id: int, name: str):
    audit = access.get_visible(Audit, audit_id, current_user)
    try:
        done = workflow.transition(
            current_user, audit, name, confirm_unanswered=request.form.get("confirm") == "1"
        )
    except workflow.UnansweredRows as error:
        db.session.rollback()
        return render_template(
            "audits/confirm_report.html", audit=audit, count=error.count, name=name
        ), 409
    return commit_and_redirect(
        url_for("audits.detail", audit_id=audit.id), TRANSITION_DONE[done.name]
    )


@bp.post("/<int:audit_id>/archive")
def archive(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    operations.archive_audit(current_user, audit)
    return commit_and_redirect(url_for("audits.index"), _("The audit was cancelled."))
