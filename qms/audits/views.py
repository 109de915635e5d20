"""Audit pages: thin handlers that parse, call one service, commit and render."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from qms.accounts.models import User
from qms.accounts.queries import auditors_of_city
from qms.audits import grades, services
from qms.audits.forms import (
    AddRowForm,
    AgendaForm,
    AuditDetailsForm,
    AuditForm,
    CopyChecklistForm,
    EvidenceForm,
    MemberForm,
    ProgrammeForm,
    ProgrammeItemForm,
    RowForm,
)
from qms.audits.models import (
    AUDIT_KIND_LABELS,
    AUDIT_STATUS_LABELS,
    ROW_RESULT_LABELS,
    AgendaItem,
    Audit,
    AuditProgramme,
    AuditStatus,
    AuditTeamMember,
    ChecklistRow,
    Finding,
    ProgrammeItem,
)
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, StaleRecordError
from qms.core.history import history_of
from qms.core.roles import Role
from qms.core.views import form_status, show_on_form
from qms.extensions import db
from qms.files.queries import files_of
from qms.organisations.models import Agency, Unit
from qms.organisations.queries import visible_agencies

bp = Blueprint("audits", __name__, url_prefix="/audits")


def template_labels() -> dict[str, Any]:
    """App-wide (registered by init_app): the home panel renders outside this blueprint."""
    return {
        "audit_kind_labels": AUDIT_KIND_LABELS,
        "audit_status_labels": AUDIT_STATUS_LABELS,
        "audit_result_labels": ROW_RESULT_LABELS,
        "audit_grade_label": grades.grade_label,
    }


def _planning_agencies() -> list[Agency]:
    cities = services.planning_cities(current_user)
    return [a for a in visible_agencies(current_user) if a.city_id in cities]


# --- lists and programmes ---------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    status = request.args.get("status") or None
    if status not in {s.value for s in AuditStatus}:
        status = None
    audits = db.session.scalars(services.visible_audits(current_user, status=status)).all()
    programmes = db.session.scalars(
        # archived programmes stay listed (marked): they are the records of past years
        access.scoped(AuditProgramme, current_user, include_archived=True).order_by(
            AuditProgramme.year.desc()
        )
    ).all()
    return render_template(
        "audits/index.html",
        audits=audits,
        programmes=programmes,
        status=status,
        may_plan=bool(services.planning_cities(current_user)) and not current_user.is_read_only,
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def new_programme():
    form = ProgrammeForm()
    cities = sorted(services.planning_cities(current_user))
    if form.validate_on_submit():
        city_id = int(request.form.get("city_id") or (cities[0] if cities else 0))
        try:
            programme = services.create_programme(current_user, city_id, form.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            return redirect(url_for("audits.programme", programme_id=programme.id))
    return render_template("audits/programme_form.html", form=form), form_status(form)


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@login_required
def programme(programme_id: int):
    record = access.get_visible(AuditProgramme, programme_id, current_user)
    agencies = [a for a in visible_agencies(current_user) if a.city_id == record.city_id]
    form = ProgrammeItemForm(agencies=agencies)
    if form.validate_on_submit():
        try:
            services.save_programme_item(current_user, record, form.data, None)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The audit was added to the programme."), "success")
            return redirect(url_for("audits.programme", programme_id=record.id))
    lines = services.programme_lines(record)
    return render_template(
        "audits/programme.html",
        programme=record,
        lines=lines,
        done=sum(1 for line in lines if line.done),
        form=form,
        may_edit=access.can(current_user, access.EDIT, record),
        history=history_of(record),
    ), form_status(form)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required
def edit_programme(programme_id: int):
    record = access.get_visible(AuditProgramme, programme_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = ProgrammeForm(obj=record)
    if form.validate_on_submit():
        try:
            services.update_programme(current_user, record, form.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The programme was saved."), "success")
            return redirect(url_for("audits.programme", programme_id=record.id))
    return render_template("audits/programme_form.html", form=form, programme=record), form_status(
        form
    )


@bp.post("/programmes/<int:programme_id>/archive")
@login_required
def archive_programme(programme_id: int):
    record = access.get_visible(AuditProgramme, programme_id, current_user)
    services.archive_programme(current_user, record)
    db.session.commit()
    flash(_("The programme was archived."), "success")
    return redirect(url_for("audits.programme", programme_id=record.id))


@bp.route("/programme-items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_programme_item(item_id: int):
    item = access.get_visible(ProgrammeItem, item_id, current_user)
    access.authorize(current_user, access.EDIT, item)
    programme = item.programme
    agencies = [a for a in visible_agencies(current_user) if a.city_id == programme.city_id]
    form = ProgrammeItemForm(obj=item, agencies=agencies)
    if request.method == "GET":
        form.kind.data = item.kind.value
    if form.validate_on_submit():
        try:
            services.save_programme_item(current_user, programme, form.data, item)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The programme item was saved."), "success")
            return redirect(url_for("audits.programme", programme_id=programme.id))
    return render_template(
        "audits/programme_item_form.html", form=form, item=item, programme=programme
    ), form_status(form)


@bp.post("/programme-items/<int:item_id>/archive")
@login_required
def archive_programme_item(item_id: int):
    item = access.get_visible(ProgrammeItem, item_id, current_user)
    services.archive_programme_item(current_user, item)
    db.session.commit()
    flash(_("The item was removed from the programme."), "success")
    return redirect(url_for("audits.programme", programme_id=item.programme_id))


# --- an audit ---------------------------------------------------------------------------------


def _auditors(city_id: int) -> list[User]:
    return auditors_of_city(city_id)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    agencies = _planning_agencies()
    item = None
    if request.values.get("item", type=int):
        item = access.get_visible(ProgrammeItem, request.values.get("item", type=int), current_user)
    units = db.session.scalars(
        access.scoped(Unit, current_user)
        .where(Unit.agency_id.in_([a.id for a in agencies]))
        .order_by(Unit.agency_id, Unit.name)
    ).all()
    city_ids = {a.city_id for a in agencies}
    auditors = [u for c in sorted(city_ids) for u in _auditors(c)]
    form = AuditForm(agencies=agencies, units=units, auditors=auditors)
    if request.method == "GET" and item is not None:
        form.agency_id.data = item.agency_id
        form.kind.data = item.kind.value
        form.scope_clauses.data = item.clause_numbers
        form.programme_item_id.data = item.id
    if request.method == "GET" and current_user.id in {u.id for u in auditors}:
        form.lead_auditor_id.data = current_user.id
    if form.validate_on_submit():
        try:
            audit = services.create_audit(current_user, form.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The audit %(reference)s is planned.", reference=audit.reference), "success")
            return redirect(url_for("audits.detail", audit_id=audit.id))
    return render_template("audits/audit_form.html", form=form, item=item), form_status(form)


def _detail_page(audit: Audit, agenda_form: AgendaForm | None = None) -> str:
    """The audit page; `agenda_form` is a refused agenda row, shown again with its errors."""
    auditors = _auditors(services.city_of(audit))
    return render_template(
        "audits/audit.html",
        audit=audit,
        may_edit=access.can(current_user, access.EDIT, audit),
        member_form=MemberForm(auditors=[u for u in auditors if u.id not in audit.team_ids]),
        agenda_form=agenda_form or AgendaForm(auditors=audit.team),
        transitions=services.AUDIT_WORKFLOW.available(audit, current_user),
        lacking=services.findings_lacking_follow_up(audit)
        if audit.status == AuditStatus.REPORTED
        else [],
        tally=services.tally(audit.rows),
        history=history_of(audit),
    )


@bp.get("/<int:audit_id>")
@login_required
def detail(audit_id: int):
    return _detail_page(access.get_visible(Audit, audit_id, current_user))


@bp.route("/<int:audit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    access.authorize(current_user, access.EDIT, audit)
    form = AuditDetailsForm(
        obj=audit, units=audit.agency.units, auditors=_auditors(services.city_of(audit))
    )
    if request.method == "GET":
        form.lead_auditor_id.data = audit.lead_auditor_id or 0
    if form.validate_on_submit():
        try:
            services.update_audit(current_user, audit, form.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The audit was saved."), "success")
            return redirect(url_for("audits.detail", audit_id=audit.id))
    return render_template("audits/audit_edit.html", audit=audit, form=form), form_status(form)


@bp.post("/<int:audit_id>/members")
@login_required
def add_member(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    form = MemberForm(auditors=_auditors(services.city_of(audit)))
    if form.validate_on_submit():
        member = services.add_member(current_user, audit, form.user_id.data)
        db.session.commit()
        flash(_("%(name)s joined the audit team.", name=member.user.name), "success")
    else:
        flash(_("Choose an auditor."), "error")
    return redirect(url_for("audits.detail", audit_id=audit.id))


@bp.post("/members/<int:member_id>/remove")
@login_required
def remove_member(member_id: int):
    member = access.get_visible(AuditTeamMember, member_id, current_user)
    audit_id = member.audit_id
    services.remove_member(current_user, member)
    db.session.commit()
    return redirect(url_for("audits.detail", audit_id=audit_id))


@bp.post("/<int:audit_id>/agenda")
@login_required
def add_agenda_item(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    # a refusal of the change itself is a 403, not an error of the form
    access.authorize(current_user, access.EDIT, audit)
    form = AgendaForm(auditors=audit.team)
    if form.validate_on_submit():
        try:
            services.add_agenda_item(current_user, audit, form.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The row was added to the audit plan."), "success")
            return redirect(url_for("audits.detail", audit_id=audit.id) + "#plan")
    return _detail_page(audit, agenda_form=form), form_status(form)


@bp.post("/agenda/<int:item_id>/remove")
@login_required
def remove_agenda_item(item_id: int):
    item = access.get_visible(AgendaItem, item_id, current_user)
    audit_id = item.audit_id
    services.remove_agenda_item(current_user, item)
    db.session.commit()
    return redirect(url_for("audits.detail", audit_id=audit_id) + "#plan")


#: what the user reads once a transition is made, by its name
TRANSITION_DONE = {
    "start": _l("The audit has started."),
    "report": _l("The audit report was issued."),
    "close": _l("The audit was closed."),
}


@bp.post("/<int:audit_id>/transition/<name>")
@login_required
def transition(audit_id: int, name: str):
    audit = access.get_visible(Audit, audit_id, current_user)
    try:
        done = services.transition(
            current_user, audit, name, confirm_unanswered=request.form.get("confirm") == "1"
        )
    except services.UnansweredRows as error:
        db.session.rollback()
        return render_template(
            "audits/confirm_report.html", audit=audit, count=error.count, name=name
        ), 409
    db.session.commit()
    flash(TRANSITION_DONE[done.name], "success")
    return redirect(url_for("audits.detail", audit_id=audit.id))


@bp.post("/<int:audit_id>/archive")
@login_required
def archive(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    services.archive_audit(current_user, audit)
    db.session.commit()
    flash(_("The audit was cancelled."), "success")
    return redirect(url_for("audits.index"))


# --- checklist --------------------------------------------------------------------------------


def _checklist_page(
    audit: Audit, refused: ChecklistRow | None = None, refused_form: RowForm | None = None
) -> str:
    """The checklist; `refused_form` is the answer to the row `refused` that was not saved,
    shown again in that row as typed, with its errors."""
    return render_template(
        "audits/checklist.html",
        audit=audit,
        conduct=access.can(current_user, services.CONDUCT, audit),
        may_edit=services.may_prepare_checklist(current_user, audit),
        row_form=RowForm(grades=grades.grades(), formdata=None),
        refused=refused,
        refused_form=refused_form,
        add_form=AddRowForm(clauses=services.clauses_in_scope(audit) or audit.standard.clauses),
        copy_form=CopyChecklistForm(audits=services.previous_audits(current_user, audit)),
        evidence_form=EvidenceForm(),
        files_of=files_of,
        grades_by_result={
            r.value: [g.key for g in grades.grades_for(r)] for r in services.FINDING_RESULTS
        },
    )


@bp.get("/<int:audit_id>/checklist")
@login_required
def checklist(audit_id: int):
    return _checklist_page(access.get_visible(Audit, audit_id, current_user))


def _wants_fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@bp.post("/rows/<int:row_id>")
@login_required
def save_row(row_id: int):
    """Save one answer. The page's script sends it in the background and reads JSON; without
    JavaScript a refused answer comes back in its row as typed (nothing saved, nothing lost),
    except a stale one: that row is shown with the answer saved meanwhile, which the message
    names."""
    row = access.get_visible(ChecklistRow, row_id, current_user)
    form = RowForm(grades=grades.grades())
    anchor = url_for("audits.checklist", audit_id=row.audit_id) + f"#row-{row.id}"
    status = 422
    if form.validate_on_submit():
        try:
            services.record_row(current_user, row, form.data, version=form.version.data)
        except PermissionDenied:
            raise
        except StaleRecordError as error:
            db.session.rollback()
            if not _wants_fetch():
                flash(str(error.message), "error")
                return redirect(anchor), 303
            form.form_errors.append(str(error.message))
            status = error.status_code
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            if _wants_fetch():
                finding = row.finding
                return jsonify(
                    {
                        "ok": True,
                        "message": _("Saved."),
                        "finding": finding.number if finding else None,
                        # the next save from the same page is based on this one
                        "version": row.version,
                    }
                )
            flash(_("Saved."), "success")
            return redirect(anchor), 303
    if _wants_fetch():
        field = next((name for name, errors in form.errors.items() if name and errors), None)
        messages = [*form.form_errors, *(str(e) for n, es in form.errors.items() if n for e in es)]
        return jsonify({"ok": False, "message": " ".join(messages), "field": field}), status
    return _checklist_page(row.audit, refused=row, refused_form=form), status


@bp.post("/rows/<int:row_id>/files")
@login_required
def upload_evidence(row_id: int):
    row = access.get_visible(ChecklistRow, row_id, current_user)
    form = EvidenceForm()
    if form.validate_on_submit():
        services.attach_evidence(
            current_user,
            row,
            form.file.data.stream,
            form.file.data.filename,
            form.description.data or "",
        )
        db.session.commit()
        flash(_("The evidence file was attached."), "success")
    else:
        flash(_("Choose a file to attach."), "error")
    return redirect(url_for("audits.checklist", audit_id=row.audit_id) + f"#row-{row.id}"), 303


@bp.post("/<int:audit_id>/checklist/rows")
@login_required
def add_row(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    form = AddRowForm(clauses=audit.standard.clauses)
    if form.validate_on_submit():
        row = services.add_row(current_user, audit, form.clause_id.data, form.text.data)
        db.session.commit()
        return redirect(url_for("audits.checklist", audit_id=audit.id) + f"#row-{row.id}"), 303
    flash(_("Choose a clause and write the question."), "error")
    return redirect(url_for("audits.checklist", audit_id=audit.id)), 303


@bp.post("/<int:audit_id>/checklist/copy")
@login_required
def copy_checklist(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    source = access.get_visible(Audit, request.form.get("source_id", ""), current_user)
    added = services.copy_checklist(current_user, audit, source)
    db.session.commit()
    flash(_("%(count)s row(s) copied.", count=added), "success")
    return redirect(url_for("audits.checklist", audit_id=audit.id)), 303


@bp.post("/<int:audit_id>/checklist/generate")
@login_required
def generate_checklist(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    added = services.add_standard_questions(current_user, audit)
    db.session.commit()
    flash(_("%(count)s question(s) of the standard added.", count=added), "success")
    return redirect(url_for("audits.checklist", audit_id=audit.id)), 303


@bp.get("/<int:audit_id>/checklist/print")
@login_required
def print_checklist(audit_id: int):
    """The paper fallback: a blank checklist with a Ya/Tidak column."""
    audit = access.get_visible(Audit, audit_id, current_user)
    lines = (
        [(r.clause, r.question_text, r.typical_evidence) for r in audit.rows]
        if audit.rows
        else [(q.clause, q.text, q.evidence) for q in services.scope_questions(audit)]
    )
    return render_template("audits/checklist_print.html", audit=audit, lines=lines)


# --- report, findings, compliance -------------------------------------------------------------


@bp.get("/<int:audit_id>/report")
@login_required
def report(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    by_result: dict[str, list[ChecklistRow]] = {}
    for row in audit.rows:
        by_result.setdefault(row.result.value if row.result else "", []).append(row)
    return render_template(
        "audits/report.html",
        audit=audit,
        tally=services.tally(audit.rows),
        by_result=by_result,
        clauses=services.clauses_in_scope(audit),
        files_of=files_of,
    )


@bp.get("/findings/<int:finding_id>")
@login_required
def finding(finding_id: int):
    record = access.get_visible(Finding, finding_id, current_user)
    history = history_of(record)
    return render_template(
        "audits/finding.html",
        finding=record,
        audit=record.audit,
        evidence_files=files_of(record.row),
        history=history,
    )


@bp.get("/compliance")
@login_required
def compliance_index():
    return render_template("audits/compliance_index.html", agencies=visible_agencies(current_user))


@bp.get("/compliance/<int:agency_id>")
@login_required
def compliance(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    return render_template(
        "audits/compliance.html",
        agency=agency,
        figures=services.compliance_by_clause(agency, current_user),
        audits=db.session.scalars(services.visible_audits(current_user, agency_id=agency.id)).all(),
    )


# --- home panel -------------------------------------------------------------------------------


#: roles whose home shows every open audit they may see (a city's overview), not only their own
OVERVIEW_ROLES = (Role.SYSTEM_ADMIN, Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER)


def home_panel_visible(user: User) -> bool:
    return user.has_role(Role.INTERNAL_AUDITOR, Role.QUALITY_OFFICER, *OVERVIEW_ROLES)


def home_panel_context(user: User) -> dict[str, Any]:
    """The audits a user has work on: their team's open audits and their agency's reports; for
    the city's administrators and viewers, every open audit of the city."""
    audits = db.session.scalars(
        services.visible_audits(user).where(Audit.status != AuditStatus.CLOSED)
    ).all()
    if not user.has_role(*OVERVIEW_ROLES):
        audits = [
            a
            for a in audits
            if services.is_team(user, a) or a.agency_id in user.agency_ids(Role.QUALITY_OFFICER)
        ]
    return {"audits": audits[:10]}


# --- agency page panel ------------------------------------------------------------------------


def agency_panel_visible(user: User, agency: Agency) -> bool:
    """Those who may see any of the agency's audits, and those who may plan one."""
    seen = services.visible_audits(user, agency_id=agency.id).limit(1)
    return services.plans_audits_in(user, agency.city_id) or (db.session.scalar(seen) is not None)


def agency_panel_context(user: User, agency: Agency) -> dict[str, Any]:
    audits = db.session.scalars(services.visible_audits(user, agency_id=agency.id)).all()
    return {
        "agency": agency,
        "upcoming": [a for a in audits if a.status not in services.REPORTED_STATES],
        "reported": [a for a in audits if a.status in services.REPORTED_STATES][:3],
        "figures": services.compliance_by_clause(agency, user),
    }
