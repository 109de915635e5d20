"""Quality objectives (ISO 9001 6.2, 9.1.1): the list per agency and year, one objective with
its plan, its periods (target against actual, as a chart) and the nonconformities its misses
raised, and the measurement of a period."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.exports import export_response
from qms.core.history import history_of
from qms.core.pagination import streamed
from qms.core.registry import indicator_sources
from qms.core.timeutil import today
from qms.core.views import form_page, form_status, save_form
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.queries import visible_agencies
from qms.planning import exports, figures, measuring, operations, queries
from qms.planning.forms import MeasurementForm, NewObjectiveForm, ObjectiveForm, form_data
from qms.planning.models import Objective
from qms.planning.views import bp, filters, offer_agencies, refused


@bp.get("/objectives")
def objectives():
    chosen = filters()
    listed = queries.rows(queries.objectives_query(current_user, chosen))
    return render_template(
        "planning/objectives.html",
        objectives=listed,
        latest=figures.latest_measurements([o.id for o in listed]),
        filters=chosen,
        agencies=visible_agencies(current_user),
        may_create=bool(queries.writable_agencies(current_user, Objective)),
    )


@bp.get("/objectives.<any(csv, xlsx):fmt>")
def objectives_export(fmt: str):
    rows = streamed(queries.objectives_query(current_user, filters()))
    stem = f"sasaran-mutu-{today().isoformat()}"
    return export_response(fmt, stem, exports.OBJECTIVE_COLUMNS, rows)


@bp.route("/objectives/new", methods=["GET", "POST"])
def new_objective():
    agencies = queries.writable_agencies(current_user, Objective)
    if not agencies:
        return refused(_("You may not set quality objectives."))
    form = NewObjectiveForm()
    offer_agencies(form, agencies)

    def create(values: dict[str, Any]) -> Objective:
        agency = access.owner_for_create(
            current_user, Objective, Agency, form.agency_id.data, "agency_id"
        )
        return measuring.create_objective(current_user, agency, values)

    objective = save_form(form, create)
    if objective is not None:
        return redirect(url_for(".objective", objective_id=objective.id))
    return form_page(form, _("New quality objective"), url_for(".objectives"))


def _objective_page(objective: Objective, form: MeasurementForm | None = None, status=200):
    may_measure = (
        access.can(current_user, access.EDIT, objective)
        and not objective.is_archived
        and not objective.is_automatic
    )
    form = form or MeasurementForm(formdata=None)
    nonconformities = {
        m.nonconformity
        for m in objective.measurements
        if m.nonconformity is not None and access.can(current_user, access.VIEW, m.nonconformity)
    }
    return render_template(
        "planning/objective.html",
        objective=objective,
        rows=queries.period_rows(objective),
        chart=queries.chart(objective),
        figure=indicator_sources.get(objective.automatic_source or ""),
        periods=queries.measurable_periods(objective) if may_measure else [],
        form=form,
        may_measure=may_measure,
        may_edit=access.can(current_user, access.EDIT, objective) and not objective.is_archived,
        nonconformities=sorted(nonconformities, key=lambda nc: nc.id),
        history=history_of(objective),
    ), status


@bp.get("/objectives/<int:objective_id>")
def objective(objective_id: int):
    return _objective_page(access.get_visible(Objective, objective_id, current_user))


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
def edit_objective(objective_id: int):
    record = access.get_visible(Objective, objective_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = ObjectiveForm(obj=record, **form_data(record))
    changed = save_form(
        form, lambda values: measuring.update_objective(current_user, record, values)
    )
    if changed is not None:
        return redirect(url_for(".objective", objective_id=record.id))
    return form_page(form, _("Quality objective"), url_for(".objective", objective_id=record.id))


@bp.post("/objectives/<int:objective_id>/measurements")
def measure(objective_id: int):
    record = access.get_visible(Objective, objective_id, current_user)
    form = MeasurementForm()
    if save_form(form, lambda values: measuring.record_measurement(current_user, record, values)):
        return redirect(url_for(".objective", objective_id=record.id) + "#periods")
    record = access.get_visible(Objective, objective_id, current_user)
    return _objective_page(record, form, form_status(form))


@bp.post("/objectives/<int:objective_id>/archive")
def archive_objective(objective_id: int):
    record = access.get_visible(Objective, objective_id, current_user)
    operations.archive(current_user, record)
    db.session.commit()
    flash(_("Archived."), "success")
    return redirect(url_for(".objectives"))
