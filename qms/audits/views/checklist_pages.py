"""An audit's checklist: the phone-friendly page that saves row by row (in the background with
JavaScript, as a plain form without), evidence files, adding, copying and generating rows, and
the printable blank checklist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from qms.audits import checklist, figures, grades, offline, queries
from qms.audits.forms import AddRowForm, CopyChecklistForm, EvidenceForm, RowForm
from qms.audits.models import FINDING_RESULTS, Audit, AuditStatus, ChecklistRow, RowResult
from qms.audits.policies import CONDUCT, PREPARE
from qms.audits.views import bp
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, StaleRecordError, json_error
from qms.core.views import commit_and_redirect, show_on_form
from qms.extensions import db
from qms.files import operations as files
from qms.files.models import StoredFile
from qms.files.queries import files_of

#: which rows the checklist shows (?show=): all, the unanswered ones, the nonconformities
ROW_FILTERS: dict[str, Callable[[ChecklistRow], bool]] = {
    "": lambda row: True,
    "unanswered": lambda row: row.result is None,
    "nonconform": lambda row: row.result == RowResult.NONCONFORM,
}


def _checklist_page(
    audit: Audit,
    refused: ChecklistRow | None = None,
    refused_form: RowForm | None = None,
    *,
    evidence_form: EvidenceForm | None = None,
    evidence_row: int | None = None,
    attached: int | None = None,
) -> str:
    """The checklist; `refused_form` is the answer to the row `refused` that was not saved
    (refused, or typed when a file was attached without JavaScript), shown again in that row
    as typed, with its errors, whatever the filter; `evidence_form` the refused file of the
    row `evidence_row`; `attached` the row whose file was attached (also from ?attached=)."""
    conduct = access.can(current_user, CONDUCT, audit)
    show = request.args.get("show", "")
    if show not in ROW_FILTERS:
        show = ""

    def row_visible(row: ChecklistRow) -> bool:
        shown_anyway = {refused.id if refused is not None else None, evidence_row}
        return ROW_FILTERS[show](row) or row.id in shown_anyway

    sections = queries.checklist_sections(audit)
    return render_template(
        "audits/checklist.html",
        audit=audit,
        sections=sections,
        done=figures.completion(audit.rows),
        show=show,
        filters=[
            ("", _("All")),
            ("unanswered", _("Unanswered")),
            ("nonconform", _("Nonconformities")),
        ],
        filter_counts={key: sum(map(keep, audit.rows)) for key, keep in ROW_FILTERS.items()},
        row_visible=row_visible,
        section_visible={s.number: any(map(row_visible, s.rows)) for s in sections},
        visible_rows=any(map(row_visible, audit.rows)),
        attached=attached or request.args.get("attached", type=int),
        evidence_form=evidence_form,
        # the row whose file was refused (the form shows its errors there)
        refused_evidence=evidence_row,
        conduct=conduct,
        offline_rules=offline.rules() if conduct else None,
        # the answers are recorded by the team once the audit has started
        answers_later=not conduct and audit.status == AuditStatus.PLANNED,
        may_edit=access.can(current_user, PREPARE, audit),
        row_form=RowForm(grades=grades.grades(), formdata=None),
        refused=refused,
        refused_form=refused_form,
        add_form=AddRowForm(
            clauses=queries.clauses_in_scope(audit) or queries.audit_clauses(audit),
            with_standard=audit.is_integrated,
        ),
        also_clauses=queries.also_clauses(audit),
        copy_form=CopyChecklistForm(audits=queries.previous_audits(current_user, audit)),
        files_of=files_of,
        grades_by_result={r.value: [g.key for g in grades.grades_for(r)] for r in FINDING_RESULTS},
        result_labels={"": _("Not answered yet")}
        | {r.value: str(label) for r, label in RowResult.labels().items()},
    )


@bp.get("/<int:audit_id>/checklist", endpoint="checklist")
def checklist_page(audit_id: int):
    return _checklist_page(access.get_visible(Audit, audit_id, current_user))


def _wants_fetch() -> bool:
    """The page's script sends the row's forms in the background and reads JSON (qms.web
    answers its refusals in JSON too)."""
    return request.headers.get("X-Requested-With") == "fetch"


def _refused_json(form: FlaskForm, status: int) -> tuple[Response, int]:
    """A refused form as the API refuses: every field's errors at once, by field name, and
    the errors of no field as the message."""
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items() if name}
    message = " ".join(map(str, form.form_errors))
    message = message or " ".join(m for ms in fields.values() for m in ms)
    return json_error(status, message, fields)


def _row_json(row: ChecklistRow) -> dict[str, Any]:
    """What the page's script updates in the row after a save: its result (the badge), its
    finding and its version (the next save from the page is based on this one)."""
    finding = row.finding
    return {
        "ok": True,
        "message": _("Saved."),
        "version": row.version,
        "result": row.result.value if row.result else "",
        "finding": finding.number if finding else None,
        "finding_url": url_for("audits.finding", finding_id=finding.id) if finding else None,
    }


@bp.post("/rows/<int:row_id>")
def save_row(row_id: int):
    """Save one answer. The page's script sends it in the background and reads JSON; without
    JavaScript a refused answer comes back in its row as typed (nothing saved, nothing lost),
    except a stale one: that row is shown with the answer saved meanwhile, which the message
    names."""
    row = access.get_editable(ChecklistRow, row_id, current_user)
    form = RowForm(grades=grades.grades())
    anchor = url_for("audits.checklist", audit_id=row.audit_id) + f"#row-{row.id}"
    status = 422
    if form.validate_on_submit():
        try:
            checklist.record_row(current_user, row, form.data, version=form.version.data)
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
                return jsonify(_row_json(row))
            flash(_("Saved."), "success")
            return redirect(anchor), 303
    if _wants_fetch():
        return _refused_json(form, status)
    return _checklist_page(row.audit, refused=row, refused_form=form), status


def attached_json(stored: StoredFile) -> dict[str, Any]:
    """What the page's script lists in the row once a file is attached (whole, or the last
    piece of one sent in pieces)."""
    return {
        "ok": True,
        "message": _("The evidence file was attached."),
        "file": {
            "id": stored.id,
            "name": stored.original_name,
            "description": stored.description,
            "url": url_for("files.download", file_id=stored.id),
        },
    }


@bp.post("/rows/<int:row_id>/files")
def upload_evidence(row_id: int):
    """Attach an evidence file to a row. The page's script sends it in the background, so the
    row's unsaved answer stays as typed, and lists the file in the row. Without JavaScript the
    "Attach" button sends the row's form with the file: the file is attached, and the page
    comes back with the row's answer as typed, still to be saved (nothing of it was saved)."""
    row = access.get_editable(ChecklistRow, row_id, current_user)
    form = EvidenceForm()
    done = False
    if form.validate_on_submit():
        try:
            stored = files.attach(
                current_user,
                row,
                form.file.data.stream,
                form.file.data.filename,
                form.description.data or "",
            )
        except PermissionDenied:
            raise
        except DomainError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            done = True
            if _wants_fetch():
                return jsonify(attached_json(stored))
    if _wants_fetch():
        return _refused_json(form, 422)
    if "result" not in request.form and "notes" not in request.form:
        # the evidence form alone (no answer typed beside it): back to the row
        if done:
            return redirect(
                url_for("audits.checklist", audit_id=row.audit_id, attached=row.id)
                + f"#row-{row.id}"
            ), 303
        typed = None
    else:
        # the row's answer as typed, shown again unsaved (no validation: nothing was saved)
        typed = RowForm(grades=grades.grades())
    page = _checklist_page(
        row.audit,
        refused=row if typed is not None else None,
        refused_form=typed,
        evidence_form=None if done else form,
        evidence_row=row.id,
        attached=row.id if done else None,
    )
    return page, 200 if done else 422


@bp.post("/<int:audit_id>/checklist/rows")
def add_row(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    form = AddRowForm(clauses=queries.audit_clauses(audit))
    if form.validate_on_submit():
        row = checklist.add_row(current_user, audit, form.clause_id.data, form.text.data)
        return commit_and_redirect(
            url_for("audits.checklist", audit_id=audit.id) + f"#row-{row.id}", status=303
        )
    flash(_("Choose a clause and write the question."), "error")
    return redirect(url_for("audits.checklist", audit_id=audit.id)), 303


def _rows_added(audit: Audit, message: str) -> Response:
    """Back to the checklist, saying how many rows were added."""
    return commit_and_redirect(url_for("audits.checklist", audit_id=audit.id), message, status=303)


@bp.post("/<int:audit_id>/checklist/copy")
def copy_checklist(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    source = access.get_visible(Audit, request.form.get("source_id", ""), current_user)
    added = checklist.copy_checklist(current_user, audit, source)
    return _rows_added(audit, _("%(count)s row(s) copied.", count=added))


@bp.post("/<int:audit_id>/checklist/generate")
def generate_checklist(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    added = checklist.add_standard_questions(current_user, audit)
    return _rows_added(audit, _("%(count)s question(s) of the standard added.", count=added))


@bp.get("/<int:audit_id>/checklist/print")
def print_checklist(audit_id: int):
    """The paper fallback: a blank checklist with a Ya/Tidak column."""
    audit = access.get_visible(Audit, audit_id, current_user)
    lines = (
        [(r.clause, r.question_text, r.typical_evidence) for r in audit.rows]
        if audit.rows
        else [(q.clause, q.text, q.evidence) for q in queries.scope_questions(audit)]
    )
    return render_template("audits/checklist_print.html", audit=audit, lines=lines)
