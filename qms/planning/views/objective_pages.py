"""Quality objectives (ISO 9001 6.2, 9.1.1): the list per agency and year, one objective with
its plan, its periods (target against actual, as a chart) and the nonconformities its misses
raised, and the measurement of a period."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core import access
from qms.core.registry import indicator_sources
from qms.core.views import FormPage, RecordPages, export_list
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list
from qms.planning import exports, figures, measuring, operations, queries
from qms.planning.forms import MeasurementForm, NewObjectiveForm, ObjectiveForm, form_data
from qms.planning.models import Objective
from qms.planning.views import bp, filters


@bp.get("/objectives")
def objectives():
    chosen = filters()
    listed = queries.rows(queries.objectives_query(current_user, chosen))
    return filtered_list(
        "planning/objectives.html",
        chosen,
        objectives=listed,
        latest=figures.latest_measurements([o.id for o in listed]),
        may_create=bool(OBJECTIVES.creatable_owners()),
    )


@bp.get("/objectives.<any(csv, xlsx):fmt>")
def objectives_export(fmt: str):
    query = queries.objectives_query(current_user, filters())
    return export_list(fmt, query, "sasaran-mutu", exports.OBJECTIVE_COLUMNS)


OBJECTIVES = RecordPages(Objective, ".objective", "objective_id", ".objectives", owner=Agency)


@OBJECTIVES.new_page(bp, "/objectives/new", refusal=_l("You may not set quality objectives."))
def new_objective(agencies: list[Agency]) -> FormPage:
    return FormPage(NewObjectiveForm(), measuring.create_objective, _("New quality objective"))


def _objective_page(objective: Objective, form: MeasurementForm | None = None, status=200):
    may_measure = OBJECTIVES.may_edit(objective) and not objective.is_automatic
    form = form or MeasurementForm(formdata=None)
    nonconformities = {
        m.nonconformity
        for m in objective.measurements
        if m.nonconformity is not None and access.can(current_user, access.VIEW, m.nonconformity)
    }
    return OBJECTIVES.page(
        "planning/objective.html",
        "objective",
        objective,
        rows=queries.period_rows(objective),
        chart=queries.chart(objective),
        figure=indicator_sources.get(objective.automatic_source or ""),
        periods=queries.measurable_periods(objective) if may_measure else [],
        form=form,
        may_measure=may_measure,
        nonconformities=sorted(nonconformities, key=lambda nc: nc.id),
    ), status


OBJECTIVES.record_page(bp, "/objectives/<int:objective_id>", _objective_page)


@OBJECTIVES.form_page(bp, "/objectives/<int:objective_id>/edit")
def edit_objective(record: Objective) -> FormPage:
    form = ObjectiveForm(obj=record, **form_data(record))
    return FormPage(form, measuring.update_objective, _("Quality objective"))


@bp.post("/objectives/<int:objective_id>/measurements")
def measure(objective_id: int):
    form = MeasurementForm()
    return OBJECTIVES.post(
        form,
        OBJECTIVES.get(objective_id),
        measuring.record_measurement,
        lambda objective, status: _objective_page(objective, form, status),
        anchor="#periods",
    )


OBJECTIVES.archive_page(
    bp, "/objectives/<int:objective_id>/archive", "archive_objective", operations.archive
)
