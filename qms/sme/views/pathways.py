"""The certification pathways: the list, each pathway's page with its next steps, and the forms
of its stages (readiness checklist, site-audit findings, lab results, surveillance, evidence)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.errors import DomainError
from qms.core.forms import field_values
from qms.core.history import history_of
from qms.core.pagination import paginate
from qms.core.timeutil import today
from qms.core.views import (
    commit_and_redirect,
    export_list,
    page_with_form,
    saved,
    saved_then,
)
from qms.extensions import db
from qms.files import operations as files
from qms.files.queries import files_of
from qms.sme import catalogue, exports, labtests, operations, policies, queries, workflow
from qms.sme.certificates import default_issuer
from qms.sme.forms import (
    CloseFindingForm,
    EvidenceForm,
    FindingForm,
    LabTestForm,
    SurveillanceForm,
    TransitionForm,
)
from qms.sme.models import AuditFinding, Pathway, StageRecord, Surveillance
from qms.sme.views import bp
from qms.sme.vocabulary import STAGE_ORDER, Stage


@bp.get("/pathways.<any(csv, xlsx):fmt>")
def pathways_export(fmt: str):
    query = queries.pathway_list(
        current_user,
        stage=request.args.get("stage", ""),
        waiting=request.args.get("waiting", ""),
    )
    return export_list(fmt, query, "sertifikasi-umk", exports.PATHWAY_COLUMNS)


@bp.get("/pathways")
def pathways():
    stage = request.args.get("stage", "")
    waiting = request.args.get("waiting", "")
    return render_template(
        "sme/pathways.html",
        pathways=paginate(
            queries.pathway_list(current_user, stage=stage, waiting=waiting), keyset=True
        ),
        stage=stage,
        waiting=waiting,
        awaiting_lab=queries.AWAITING_LAB,
        stages=[*STAGE_ORDER, Stage.ON_HOLD, Stage.WITHDRAWN],
    )


def _step_hints(record: Pathway, page: dict[str, Any]) -> dict[str, Any]:
    """What the steps' fields say beside them."""
    years = page["default_expiry_years"]
    return {
        "lspro_accreditation": "LSPr-034-IDN",
        "invoice_number": _("The LSPro's fee invoice that came with the agreement"),
        "issuer": default_issuer(record),
        "expires_on": _("Empty: %(years)s years after issue", years=years)
        if years
        else _("As printed on the certificate"),
        "batch": _("Type 1b only: the batch or shipment the certificate covers"),
    }


def _pathway_page(
    record: Pathway,
    transition_form: TransitionForm | None = None,
    refused: tuple[str, int, Any] | None = None,
    finding_form: FindingForm | None = None,
):
    """The pathway page; `refused` is (form name, id of the finding / surveillance / stage it was
    sent for, the form) when an inline form comes back with its errors."""
    transition_form = transition_form or TransitionForm(
        formdata=None, city_id=record.city_id, version=record.version
    )
    if transition_form.on.data is None:
        transition_form.on.data = today()
    page = queries.pathway_page(record, current_user, today())
    return render_template(
        "sme/pathway.html",
        pathway=record,
        **page,
        step_hints=_step_hints(record, page),
        stage_files={s.id: files_of(s) for s, _days in page["stages"]},
        transition_form=transition_form,
        finding_form=finding_form or FindingForm(formdata=None),
        close_form=CloseFindingForm(formdata=None, closed_on=today()),
        surveillance_form=SurveillanceForm(formdata=None, done_on=today()),
        evidence_form=EvidenceForm(formdata=None),
        refused=refused or ("", 0, None),
        history=history_of(record),
    )


@bp.get("/pathways/<int:pathway_id>")
def pathway(pathway_id: int):
    return _pathway_page(access.get_visible(Pathway, pathway_id, current_user))


@bp.post("/pathways/<int:pathway_id>/transition")
def transition(pathway_id: int):
    record = access.get_visible(Pathway, pathway_id, current_user)
    form = TransitionForm(city_id=record.city_id)
    moved = saved(
        form,
        lambda: workflow.transition(
            current_user, record, form.action.data, version=form.version.data, **form.values()
        ),
    )
    if moved is not None:
        flash(_("Done: %(stage)s.", stage=record.stage.label), "success")
        return redirect(url_for("sme.pathway", pathway_id=record.id))
    db.session.refresh(record)
    return _pathway_page(record, transition_form=form), 422


@bp.route("/pathways/<int:pathway_id>/readiness", methods=["GET", "POST"])
def readiness(pathway_id: int):
    record = access.get_visible(Pathway, pathway_id, current_user)
    items = catalogue.readiness_items()
    answers = {a.item_id: a for a in record.readiness_answers}
    errors: list[str] = []
    if request.method == "POST":
        access.authorize(current_user, access.EDIT, record)
        # an item left at "–" stays unanswered; the operation refuses any other unknown status
        given = {
            item.id: (status, request.form.get(f"note-{item.id}", ""))
            for item in items
            if (status := request.form.get(f"status-{item.id}", ""))
        }
        try:
            operations.save_readiness(current_user, record, given)
        except DomainError as error:
            db.session.rollback()
            errors.append(str(error.message))
        else:
            return commit_and_redirect(
                url_for("sme.pathway", pathway_id=record.id),
                _("The readiness assessment was saved."),
            )
    return render_template(
        "sme/readiness.html",
        pathway=record,
        items=items,
        answers=answers,
        errors=errors,
        may_answer=policies.may_write(current_user, record.city_id)
        and workflow.readiness_refusal(record) is None,
    ), 422 if errors else 200


@bp.post("/pathways/<int:pathway_id>/findings")
def add_finding(pathway_id: int):
    record = access.get_editable(Pathway, pathway_id, current_user)
    form = FindingForm()
    added = saved_then(
        form,
        lambda: operations.add_finding(current_user, record, **field_values(form)),
        url_for("sme.pathway", pathway_id=record.id, _anchor="findings"),
        _("The finding was recorded."),
    )
    if added is not None:
        return added
    db.session.refresh(record)
    return _pathway_page(record, finding_form=form), 422


@bp.post("/findings/<int:finding_id>/close")
def close_finding(finding_id: int):
    finding = access.get_editable(AuditFinding, finding_id, current_user)
    form = CloseFindingForm()
    return _saved_inline(
        ("close", finding_id, form),
        finding.pathway_id,
        "findings",
        lambda: operations.close_finding(current_user, finding, **field_values(form)),
        _("The finding was closed."),
    )


def _saved_inline(
    sent: tuple[str, int, Any],
    pathway_id: int,
    anchor: str,
    change: Callable[[], Any],
    message: str,
):
    """An inline form of the pathway page, `sent` as (form name, id of the finding /
    surveillance / stage it was sent for, the form): saved, said and back to its section of
    the page; else the page again with the form's errors, and nothing written."""
    form = sent[2]
    done = saved_then(
        form, change, url_for("sme.pathway", pathway_id=pathway_id, _anchor=anchor), message
    )
    if done is not None:
        return done
    db.session.rollback()
    return _pathway_page(db.session.get(Pathway, pathway_id), refused=sent), 422


@bp.route("/pathways/<int:pathway_id>/lab-tests/new", methods=["GET", "POST"])
def new_lab_test(pathway_id: int):
    record = access.get_editable(Pathway, pathway_id, current_user)
    form = LabTestForm()
    parameters = record.parameters
    values = {p.key: request.form.get(f"result-{p.key}", "") for p in parameters}
    recorded = saved_then(
        form,
        lambda: labtests.record_lab_test(current_user, record, **form.values(), results=values),
        url_for("sme.pathway", pathway_id=record.id, _anchor="tests"),
        _("The lab results were recorded."),
    )
    return recorded or page_with_form(
        "sme/lab_test_form.html", form, pathway=record, parameters=parameters, values=values
    )


@bp.post("/surveillance/<int:surveillance_id>")
def record_surveillance(surveillance_id: int):
    visit = access.get_editable(Surveillance, surveillance_id, current_user)
    pathway_id = visit.certificate.pathway_id
    form = SurveillanceForm()
    return _saved_inline(
        ("surveillance", surveillance_id, form),
        pathway_id,
        "certificates",
        lambda: operations.record_surveillance(
            current_user, visit, done_on=form.done_on.data, notes=form.notes.data or ""
        ),
        _("The surveillance was recorded."),
    )


@bp.post("/stages/<int:stage_id>/files")
def upload_stage_file(stage_id: int):
    record = access.get_editable(StageRecord, stage_id, current_user)
    form = EvidenceForm()
    return _saved_inline(
        ("evidence", stage_id, form),
        record.pathway_id,
        "stages",
        lambda: files.attach(
            current_user,
            record,
            form.file.data.stream,
            form.file.data.filename,
            form.description.data or "",
        ),
        _("The file was attached."),
    )
