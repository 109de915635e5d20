"""Qualified auditors (ISO 19011 §7): the city's auditors with what they may do under the rule,
one auditor's qualification (trainings, audits in qms and before, evaluations), and the
evaluation of an auditor after an audit by its lead or the auditee."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core.timeutil import today
from qms.core.views import FormPage, RecordPages, form_flow, refused
from qms.organisations.models import City
from qms.support import auditors, queries
from qms.support.forms import (
    AuditorEvaluationForm,
    AuditorTrainingForm,
    NewQualificationForm,
    QualificationForm,
)
from qms.support.models import AuditorQualification
from qms.support.views import bp


@bp.get("/auditors")
def auditor_list():
    on = today()
    records = queries.rows(queries.qualifications_query(current_user))
    found = auditors.experiences([q.user_id for q in records], on)
    return render_template(
        "support/auditors.html",
        page=records,
        qualifications=[
            (
                q,
                found[q.user_id],
                auditors.team_rule(q.user, on, lead=True, found=found[q.user_id]),
                auditors.team_rule(q.user, on, lead=False, found=found[q.user_id]),
            )
            for q in records
        ],
        evaluations=queries.rows(queries.evaluations_query(current_user), "evaluations_page"),
        may_create=bool(AUDITORS.creatable_owners()),
        may_evaluate=bool(auditors.evaluable_audits(current_user)),
    )


AUDITORS = RecordPages(
    AuditorQualification,
    ".auditor",
    "qualification_id",
    ".auditor_list",
    owner=City,
    owner_field="city_id",
)


@AUDITORS.new_page(
    bp,
    "/auditors/new",
    refusal=_l("Auditors' qualifications are kept by the city administrator."),
)
def new_qualification(cities: list[City]) -> FormPage:
    form = NewQualificationForm()
    form.offer(user_id=[(u.id, u.name) for u in queries.unqualified_auditors(cities)])
    return FormPage(form, auditors.create_qualification, _("Auditor's qualification"))


@bp.get("/auditors/<int:qualification_id>")
def auditor(qualification_id: int):
    record = AUDITORS.get(qualification_id)
    on = today()
    return AUDITORS.page(
        "support/auditor.html",
        "qualification",
        record,
        experience=auditors.experience(record.user_id, on),
        lead_problem=auditors.team_rule(record.user, on, lead=True),
        member_problem=auditors.team_rule(record.user, on, lead=False),
        audits=auditors.audits_of(record.user_id),
        evaluations=queries.rows(queries.evaluations_query(current_user, record.user_id)),
    )


@AUDITORS.form_page(bp, "/auditors/<int:qualification_id>/edit")
def edit_qualification(record: AuditorQualification) -> FormPage:
    return FormPage(QualificationForm(obj=record), auditors.update_qualification, record.user.name)


@AUDITORS.form_page(bp, "/auditors/<int:qualification_id>/trainings/new")
def new_auditor_training(record: AuditorQualification) -> FormPage:
    return FormPage(AuditorTrainingForm(), auditors.add_auditor_training, _("Auditor training"))


@bp.route("/evaluations/new", methods=["GET", "POST"])
def new_auditor_evaluation():
    audits = auditors.evaluable_audits(current_user)
    if not audits:
        return refused(_("Auditors are evaluated by an audit's lead or its auditee."))
    form = AuditorEvaluationForm()
    form.offer(
        audit_id=[(a.id, f"{a.reference} · {a.agency.name}") for a in audits],
        auditor_id=sorted(
            {(u.id, u.name) for a in audits for u in a.team if u.id != current_user.id},
            key=lambda pair: pair[1],
        ),
    )
    back = url_for(".auditor_list")
    return form_flow(
        form,
        lambda values: auditors.evaluate_auditor(current_user, values),
        _("Evaluation of an auditor"),
        back,
        back,
    )
