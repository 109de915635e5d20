"""The register of risks and opportunities (ISO 9001 6.1): the heat map and list, one risk with
its rating, treatments and the corrective actions that updated it, and the treatments' steps."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.exports import export_response
from qms.core.history import history_of
from qms.core.pagination import streamed
from qms.core.timeutil import today
from qms.core.views import form_page, form_status, save_form
from qms.extensions import db
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.organisations.queries import visible_agencies
from qms.planning import corrective, exports, figures, operations, queries, workflow
from qms.planning.forms import (
    STEP_FORMS,
    NewRiskForm,
    ReviewForm,
    RiskForm,
    TreatmentForm,
    form_data,
)
from qms.planning.models import Risk, Treatment
from qms.planning.views import bp, filters, offer_agencies, refused


@bp.get("/risks")
def risks():
    chosen = filters()
    return render_template(
        "planning/risks.html",
        risks=queries.rows(queries.risks_query(current_user, chosen)),
        heat=queries.heat_cells(figures.heat_map(current_user, agency_id=chosen.agency_id)),
        filters=chosen,
        agencies=visible_agencies(current_user),
        may_create=bool(queries.writable_agencies(current_user, Risk)),
    )


@bp.get("/risks.<any(csv, xlsx):fmt>")
def risks_export(fmt: str):
    rows = streamed(queries.risks_query(current_user, filters()))
    return export_response(fmt, f"risiko-{today().isoformat()}", exports.RISK_COLUMNS, rows)


def _offer(form: RiskForm, agencies: list[Agency]) -> None:
    """The units, context issues and interested parties of these agencies, each named with its
    agency's code when there are several (the operation checks that the ones chosen are the
    risk's agency's own)."""
    offered: tuple[list, list, list] = ([], [], [])
    for agency in agencies:
        prefix = f"{agency.code} · " if len(agencies) > 1 else ""
        units, issues, parties = queries.risk_choices(agency)
        offered[0].extend((u.id, prefix + u.path) for u in units)
        offered[1].extend((i.id, prefix + i.title) for i in issues)
        offered[2].extend((p.id, prefix + p.name) for p in parties)
    form.offer(*offered)


@bp.route("/risks/new", methods=["GET", "POST"])
def new_risk():
    agencies = queries.writable_agencies(current_user, Risk)
    if not agencies:
        return refused(_("You may not add to the risk register."))
    form = NewRiskForm()
    offer_agencies(form, agencies)
    _offer(form, agencies)

    def create(values: dict[str, Any]) -> Risk:
        agency = access.owner_for_create(
            current_user, Risk, Agency, form.agency_id.data, "agency_id"
        )
        return operations.create_risk(current_user, agency, values)

    risk = save_form(form, create)
    if risk is not None:
        return redirect(url_for(".risk", risk_id=risk.id))
    return form_page(form, _("New risk or opportunity"), url_for(".risks"))


def _risk_page(risk: Risk, failed: dict[str, Any] | None = None, status: int = 200):
    failed = failed or {}
    may_edit = access.can(current_user, access.EDIT, risk) and not risk.is_archived
    steps = {
        t.id: [
            (step, failed.get((t.id, step.name)) or STEP_FORMS[step.name](formdata=None))
            for step in workflow.available_transitions(t, current_user)
        ]
        for t in risk.treatments
    }
    return render_template(
        "planning/risk.html",
        risk=risk,
        may_edit=may_edit,
        treatment_form=failed.get("treatment") or TreatmentForm(formdata=None),
        review_form=failed.get("review") or ReviewForm(formdata=None),
        steps=steps,
        evidence={t.id: files_of(t) for t in risk.treatments},
        nonconformities=corrective.linked_nonconformities(current_user, risk),
        today=today(),
        history=history_of(risk),
    ), status


@bp.get("/risks/<int:risk_id>")
def risk(risk_id: int):
    return _risk_page(access.get_visible(Risk, risk_id, current_user))


@bp.route("/risks/<int:risk_id>/edit", methods=["GET", "POST"])
def edit_risk(risk_id: int):
    record = access.get_visible(Risk, risk_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = RiskForm(obj=record, **form_data(record))
    _offer(form, [record.agency])
    changed = save_form(form, lambda values: operations.update_risk(current_user, record, values))
    if changed is not None:
        return redirect(url_for(".risk", risk_id=record.id))
    return form_page(form, _("Risk or opportunity"), url_for(".risk", risk_id=record.id))


def _post(risk_id: int, key: Any, form: Any, change) -> Any:
    """A form posted on the risk's page: the change, or the page again with the refusal."""
    record = access.get_visible(Risk, risk_id, current_user)
    if save_form(form, lambda values: change(record, values)) is not None:
        return redirect(url_for(".risk", risk_id=risk_id))
    record = access.get_visible(Risk, risk_id, current_user)  # as it is, after a rollback
    return _risk_page(record, {key: form}, form_status(form))


@bp.post("/risks/<int:risk_id>/review")
def review_risk(risk_id: int):
    return _post(
        risk_id,
        "review",
        ReviewForm(),
        lambda record, values: operations.review_risk(
            current_user, record, values["next_review_on"]
        ),
    )


@bp.post("/risks/<int:risk_id>/treatments")
def add_treatment(risk_id: int):
    return _post(
        risk_id,
        "treatment",
        TreatmentForm(),
        lambda record, values: operations.add_treatment(current_user, record, values),
    )


@bp.post("/treatments/<int:treatment_id>/step/<name>")
def treatment_step(treatment_id: int, name: str):
    treatment = access.get_visible(Treatment, treatment_id, current_user)
    form_class = STEP_FORMS.get(name)
    if form_class is None:
        return _risk_page(treatment.risk, status=404)
    return _post(
        treatment.risk_id,
        (treatment.id, name),
        form_class(),
        lambda _record, values: workflow.transition(current_user, treatment, name, values),
    )


@bp.post("/risks/<int:risk_id>/archive")
def archive_risk(risk_id: int):
    record = access.get_visible(Risk, risk_id, current_user)
    operations.archive(current_user, record)
    db.session.commit()
    flash(_("Archived."), "success")
    return redirect(url_for(".risks"))
