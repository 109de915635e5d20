"""The register of risks and opportunities (ISO 9001 6.1): the heat map and list, one risk with
its rating, treatments and the corrective actions that updated it, and the treatments' steps."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core import access
from qms.core.timeutil import today
from qms.core.views import FormPage, RecordPages, export_list
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list
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
from qms.planning.views import bp, filters


@bp.get("/risks")
def risks():
    chosen = filters()
    return filtered_list(
        "planning/risks.html",
        chosen,
        risks=queries.rows(queries.risks_query(current_user, chosen)),
        heat=queries.heat_cells(
            figures.heat_map(current_user, agency_id=chosen.agency_id, city_id=chosen.city_id)
        ),
        may_create=bool(RISKS.creatable_owners()),
    )


@bp.get("/risks.<any(csv, xlsx):fmt>")
def risks_export(fmt: str):
    query = queries.risks_query(current_user, filters())
    return export_list(fmt, query, "risiko", exports.RISK_COLUMNS)


RISKS = RecordPages(Risk, ".risk", "risk_id", ".risks", owner=Agency)


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


@RISKS.new_page(bp, "/risks/new", refusal=_l("You may not add to the risk register."))
def new_risk(agencies: list[Agency]) -> FormPage:
    form = NewRiskForm()
    _offer(form, agencies)
    return FormPage(form, operations.create_risk, _("New risk or opportunity"))


def _risk_page(risk: Risk, failed: dict[str, Any] | None = None, status: int = 200):
    failed = failed or {}
    steps = {
        t.id: [
            (step, failed.get((t.id, step.name)) or STEP_FORMS[step.name](formdata=None))
            for step in workflow.available_transitions(t, current_user)
        ]
        for t in risk.treatments
    }
    return RISKS.page(
        "planning/risk.html",
        "risk",
        risk,
        treatment_form=failed.get("treatment") or TreatmentForm(formdata=None),
        review_form=failed.get("review") or ReviewForm(formdata=None),
        steps=steps,
        evidence={t.id: files_of(t) for t in risk.treatments},
        nonconformities=corrective.linked_nonconformities(current_user, risk),
        today=today(),
    ), status


RISKS.record_page(bp, "/risks/<int:risk_id>", _risk_page)


@RISKS.form_page(bp, "/risks/<int:risk_id>/edit")
def edit_risk(record: Risk) -> FormPage:
    form = RiskForm(obj=record, **form_data(record))
    _offer(form, [record.agency])
    return FormPage(form, operations.update_risk, _("Risk or opportunity"))


def _post(risk_id: int, key: Any, form: Any, change) -> Any:
    """A form posted on the risk's page: change(user, risk, values), or the page again with
    the refusal (the form's errors under `key`)."""
    return RISKS.post(
        form, RISKS.get(risk_id), change, lambda risk, status: _risk_page(risk, {key: form}, status)
    )


@bp.post("/risks/<int:risk_id>/review")
def review_risk(risk_id: int):
    return _post(
        risk_id,
        "review",
        ReviewForm(),
        lambda user, record, values: operations.review_risk(user, record, values["next_review_on"]),
    )


@bp.post("/risks/<int:risk_id>/treatments")
def add_treatment(risk_id: int):
    return _post(
        risk_id,
        "treatment",
        TreatmentForm(),
        operations.add_treatment,
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
        lambda user, _risk, values: workflow.transition(user, treatment, name, values),
    )


RISKS.archive_page(bp, "/risks/<int:risk_id>/archive", "archive_risk", operations.archive)
