"""The survey pages of the agency's staff: the list, a survey with its results and follow-up
plan, its steps, and the import of respondents' CSV files. Thin handlers: they parse, call one
operation, commit and render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from qms.core import access
from qms.core.history import history_of
from qms.core.labels import value_labels_of
from qms.core.pagination import paginate
from qms.core.timeutil import today
from qms.core.views import (
    FormPage,
    RecordPages,
    confirm_held_import,
    held_import_page,
    list_filters,
    page_with_form,
    require_login,
    saved_then,
)
from qms.extensions import db
from qms.organisations.models import Agency
from qms.organisations.views import filtered_list
from qms.skm import figures, imports, operations, queries, workflow
from qms.skm.forms import (
    FollowUpDoneForm,
    FollowUpForm,
    NewSurveyForm,
    StepForm,
    SurveyFilterForm,
    SurveyForm,
    UploadForm,
)
from qms.skm.models import FollowUp, Import, Response, Survey
from qms.skm.parsing import COLUMNS, row_error_text
from qms.skm.scoring import GRADE_LABELS
from qms.skm.vocabulary import (
    ELEMENT_LABELS,
    ELEMENTS,
    AgeBand,
    SurveyStatus,
)

bp = Blueprint("skm", __name__, url_prefix="/skm")
require_login(bp)


def template_labels() -> dict[str, Any]:
    """App-wide (registered by init_app): the public pages and the panels render outside this
    blueprint."""
    return {
        "skm_labels": {
            "element": ELEMENT_LABELS,
            "grade": GRADE_LABELS,
            "status": SurveyStatus.labels(),
            "age": AgeBand.labels(),
            **{c: value_labels_of(Response, c) for c in ("gender", "education", "occupation")},
        },
        "skm_elements": ELEMENTS,
    }


@bp.get("/")
def index():
    filters = list_filters(SurveyFilterForm, queries.SurveyFilter)
    surveys = paginate(queries.surveys_query(current_user, filters))
    return filtered_list(
        "skm/index.html",
        filters,
        surveys=surveys,
        results=figures.results(surveys.items),
        may_create=bool(SURVEYS.creatable_owners()),
    )


SURVEYS = RecordPages(Survey, ".survey", "survey_id", ".index", owner=Agency)
IMPORTS = RecordPages(Import, ".import_preview", "import_id")


@SURVEYS.new_page(bp, "/new", refusal=_l("You may not run surveys."))
def new_survey(agencies: list[Agency]) -> FormPage:
    form = NewSurveyForm()
    form.offer(queries.unit_choices(agencies))
    return FormPage(form, operations.create_survey, _("New satisfaction survey"))


def _survey_page(survey: Survey, failed: dict[str, Any] | None = None, status: int = 200):
    failed = failed or {}
    may_edit = SURVEYS.may_edit(survey)
    result = figures.result(survey)
    planned = {f.element for f in survey.follow_ups}
    uploads = access.scoped(Import, current_user).where(Import.survey_id == survey.id)
    suggestions = paginate(
        access.scoped(Response, current_user)
        .where(Response.survey_id == survey.id, Response.suggestion != "")
        .order_by(Response.answered_on.desc(), Response.id.desc()),
        per_page=10,
        param="suggestions_page",
    )
    return render_template(
        "skm/survey.html",
        survey=survey,
        result=result,
        missing_follow_up=[e for e in result.weakest if e not in planned],
        profile=figures.profile(survey),
        suggestions=suggestions,
        imports=db.session.scalars(uploads.order_by(Import.id.desc())).all(),
        steps=workflow.available_transitions(survey, current_user),
        step_form=StepForm(formdata=None),
        may_edit=may_edit,
        may_import=may_edit and operations.collecting_refusal(survey) is None,
        follow_up_form=failed.get("follow_up") or FollowUpForm(formdata=None),
        done_forms={
            f.id: failed.get(f.id) or FollowUpDoneForm(formdata=None)
            for f in survey.follow_ups
            if not f.is_done
        },
        public_form=url_for("skm_public.form", unit_id=survey.unit_id, _external=True),
        today=today(),
        history=history_of(survey),
    ), status


SURVEYS.record_page(bp, "/surveys/<int:survey_id>", _survey_page)


@SURVEYS.form_page(bp, "/surveys/<int:survey_id>/edit")
def edit_survey(record: Survey) -> FormPage:
    form = SurveyForm(obj=record)
    form.offer(queries.unit_choices([record.agency]))
    return FormPage(form, operations.update_survey, record.title)


@bp.post("/surveys/<int:survey_id>/step/<name>")
def step(survey_id: int, name: str):
    record = SURVEYS.get(survey_id)
    if name not in workflow.STEPS:
        return _survey_page(record, status=404)
    if StepForm().validate_on_submit():
        workflow.transition(current_user, record, name)
        db.session.commit()
        flash(_("Saved: %(status)s.", status=SurveyStatus.labels()[record.status]), "success")
    return redirect(SURVEYS.url(record))


SURVEYS.archive_page(bp, "/surveys/<int:survey_id>/archive", "archive", operations.archive)


def _post_on_survey(survey: Survey, key: Any, form: FlaskForm, change) -> Any:
    """A form posted on the survey's page: change(user, survey, values), or the page again
    with the refusal."""
    return SURVEYS.post(
        form,
        survey,
        change,
        lambda survey, status: _survey_page(survey, {key: form}, status),
        anchor="#follow-up",
    )


@bp.post("/surveys/<int:survey_id>/follow-ups")
def add_follow_up(survey_id: int):
    record = SURVEYS.get(survey_id)
    return _post_on_survey(record, "follow_up", FollowUpForm(), operations.add_follow_up)


@bp.post("/follow-ups/<int:follow_up_id>/done")
def follow_up_done(follow_up_id: int):
    follow_up = access.get_visible(FollowUp, follow_up_id, current_user)
    return _post_on_survey(
        follow_up.survey,
        follow_up.id,
        FollowUpDoneForm(),
        lambda user, _survey, values: operations.complete_follow_up(user, follow_up, values),
    )


# --- importing respondents' files ---------------------------------------------------------


@bp.route("/surveys/<int:survey_id>/import", methods=["GET", "POST"])
def upload(survey_id: int):
    record = SURVEYS.editable(survey_id)
    form = UploadForm()
    held = saved_then(
        form,
        lambda: imports.preview_import(
            current_user, record, form.file.data.filename, form.file.data.read()
        ),
        IMPORTS.url,
    )
    return held or page_with_form("skm/import.html", form, survey=record, columns=COLUMNS)


@bp.get("/imports/<int:import_id>")
def import_preview(import_id: int):
    return held_import_page(
        IMPORTS,
        import_id,
        "skm/import_preview.html",
        row_error_text,
        imports.may_confirm,
        step_form=StepForm(formdata=None),
    )


@bp.post("/imports/<int:import_id>/confirm")
def import_confirm(import_id: int):
    return confirm_held_import(
        IMPORTS,
        import_id,
        imports.confirm_import,
        lambda report: _("%(n)s response(s) stored.", n=report["stored"]),
    )
