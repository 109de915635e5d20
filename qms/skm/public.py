"""The survey's public pages, open without a login (Permenpan-RB 14/2017: anyone may answer,
and the results are published): a unit's form — reached by a link and a QR code at the counter,
anonymous, one response per submission, throttled by client address against floods — and a
unit's published results. Nothing else of the survey is shown here."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from qms.core.errors import DomainError
from qms.core.views import show_on_form
from qms.extensions import db, limiter
from qms.skm import figures, operations, queries
from qms.skm.forms import AnswersForm
from qms.skm.qr import qr_svg

bp = Blueprint("skm_public", __name__, url_prefix="/skm/public")


@bp.get("/units/<int:unit_id>")
def results(unit_id: int):
    unit = queries.public_unit(unit_id)
    published = queries.published_surveys(unit)
    return render_template(
        "skm/public_results.html",
        unit=unit,
        surveys=published,
        results=figures.results(published),
        open_survey=queries.open_survey(unit),
    )


@bp.route("/units/<int:unit_id>/form", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SKM_FORM_LIMIT"], methods=["POST"])
def form(unit_id: int):
    unit = queries.public_unit(unit_id)
    survey = queries.open_survey(unit)
    answers = AnswersForm()
    status = 200
    if survey is not None and answers.validate_on_submit():
        try:
            operations.submit_response(survey, answers.answers())
        except DomainError as error:
            show_on_form(answers, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Thank you: your answers were received."), "success")
            return redirect(url_for(".form", unit_id=unit.id, sent=1))
    elif answers.is_submitted():
        status = 422
    return render_template("skm/public_form.html", unit=unit, survey=survey, form=answers), status


@bp.get("/units/<int:unit_id>/qr.svg")
def qr(unit_id: int):
    unit = queries.public_unit(unit_id)
    address = url_for(".form", unit_id=unit.id, _external=True)
    return Response(qr_svg(address), mimetype="image/svg+xml")
