from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from qms.core.errors import DomainError, ValidationFailed
from qms.organisations import services as organisations
from qms.reports import jobs, services
from qms.reports.forms import GenerateForm, VerifyForm
from qms.reports.models import STATUS_LABELS, ReportStatus
from qms.reports.registry import report_types

bp = Blueprint("reports", __name__, url_prefix="/reports")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")


def _generate_form() -> GenerateForm:
    form = GenerateForm()
    form.report.choices = [SelectChoice(t.key, str(t.title)) for t in report_types()]
    cities = organisations.visible_cities(current_user)
    form.city_id.choices = [SelectChoice(c.id, c.name) for c in cities]
    form.agency_id.choices = [SelectChoice("", _("— the whole city —"))] + [
        SelectChoice(a.id, a.name, optgroup=a.city.name)
        for a in organisations.visible_agencies(current_user)
    ]
    if not form.is_submitted():
        form.locale.data = str(get_locale() or "id")
    return form


def _portal(form: GenerateForm, status: int = 200):
    return render_template(
        "reports/portal.html",
        form=form,
        types=report_types(),
        archive=services.archive_for(current_user),
        status_labels=STATUS_LABELS,
    ), status


@bp.get("/")
@login_required
def portal():
    return _portal(_generate_form())


@bp.post("/generate")
@login_required
def generate():
    """Open to read-only roles too (qms/web.py): it writes to the report archive only."""
    form = _generate_form()
    if not form.validate():
        return _portal(form, 422)
    try:
        rtype, report_request = services.build_request(
            current_user,
            form.report.data,
            city_id=form.city_id.data,
            agency_id=form.agency_id.data,
            period_start=form.period_start.data,
            period_end=form.period_end.data,
            locale=form.locale.data,
        )
    except ValidationFailed as error:
        for name, messages in error.errors.items():
            getattr(form, {"city": "city_id", "agency": "agency_id"}.get(name, name)).errors = [
                *messages
            ]
        return _portal(form, 422)
    submission = jobs.submit(current_user, rtype, report_request)
    if not submission.needs_render:
        flash(_("The data did not change since this report was made: here it is again."), "info")
    return redirect(url_for("reports.show", ident=submission.report.ident), 303)


@bp.get("/<ident>")
@login_required
def show(ident: str):
    report = services.get_accessible(ident, current_user)
    return render_template(
        "reports/show.html", report=report, status_labels=STATUS_LABELS, Status=ReportStatus
    )


@bp.get("/<ident>/status")
@login_required
def status(ident: str):
    report = services.get_accessible(ident, current_user)
    done = report.status is ReportStatus.DONE
    return jsonify(
        {
            "status": report.status.value,
            "label": str(STATUS_LABELS[report.status]),
            "finished": report.is_finished,
            "download_url": url_for("reports.download", ident=report.ident) if done else None,
            "pages": report.pages,
        }
    )


@bp.get("/<ident>/pdf")
@login_required
def download(ident: str):
    report = services.get_accessible(ident, current_user)
    path = services.path_of(report)
    if report.status is not ReportStatus.DONE or not path.is_file():
        return render_template("errors.html", message=_("This report has no PDF."), error=None), 404
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=request.args.get("inline") != "1",
        download_name=report.file_name,
        max_age=0,
    )


# --- public verification -------------------------------------------------------------------


def _verify_page(form: VerifyForm, verification: services.Verification | None, status: int = 200):
    return render_template("reports/verify.html", form=form, verification=verification), status


@verify_bp.get("/", endpoint="index")
def verify_index():
    form = VerifyForm()
    if request.args.get("ident"):
        return redirect(
            url_for("verify.show", ident=services.normalise_ident(request.args["ident"]))
        )
    return _verify_page(form, None)


@verify_bp.get("/<ident>", endpoint="show")
def verify_show(ident: str):
    form = VerifyForm(ident=services.normalise_ident(ident))
    return _verify_page(form, services.verify_upload(ident, None))


@verify_bp.post("/", endpoint="check")
def verify_check():
    """Open to read-only roles too (qms/web.py): comparing a file writes nothing."""
    form = VerifyForm()
    if not form.validate():
        return _verify_page(form, None, 422)
    upload = form.file.data
    try:
        verification = services.verify_upload(
            form.ident.data or "", upload.stream if upload else None
        )
    except DomainError as error:
        form.file.errors = [str(error.message)]
        return _verify_page(form, None, 422)
    return _verify_page(form, verification)
