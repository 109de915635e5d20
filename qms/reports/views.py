from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from qms.core import access
from qms.core.errors import DomainError, ValidationFailed
from qms.core.views import show_on_form
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.reports import archive, jobs, policies, portal
from qms.reports import letterhead as letterheads
from qms.reports import verification as verifying
from qms.reports.forms import GenerateForm, LetterheadForm, VerifyForm
from qms.reports.models import ReportStatus
from qms.reports.registry import report_type

bp = Blueprint("reports", __name__, url_prefix="/reports")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")


def _generate_form(scope: portal.PortalScope) -> GenerateForm:
    """Only the types, cities and agencies the user may generate a report for."""
    form = GenerateForm()
    form.report.choices = [SelectChoice(t.key, str(t.title)) for t in scope.types]
    choose = [SelectChoice("", _("— choose a city —"))] if scope.city_first else []
    form.city_id.choices = choose + [SelectChoice(c.id, c.name) for c in scope.cities]
    whole_city = [SelectChoice("", _("— the whole city —"))] if scope.whole_city else []
    form.agency_id.choices = whole_city + [
        SelectChoice(a.id, a.name, optgroup=None if scope.city_first else a.city.name)
        for a in scope.agencies
    ]
    if not form.is_submitted():
        # the city chosen to list its agencies comes back with the type chosen before
        form.report.data = request.args.get("report")
        form.city_id.data = scope.chosen_city.id if scope.chosen_city else None
        form.locale.data = request.args.get("locale") or str(get_locale() or "id")
    return form


def _portal(form: GenerateForm, scope: portal.PortalScope, status: int = 200):
    return render_template(
        "reports/portal.html",
        form=form,
        types=scope.types,
        archive=archive.archive_page(
            current_user, before=request.args.get("archive_before", type=int)
        ),
        takes_period=portal.takes_period,
        scope=scope,
    ), status


def _scope() -> portal.PortalScope:
    # the user itself, not the request's proxy: the scope asks it thousands of times at
    # national scale (each report type of each agency)
    return portal.portal_scope(
        current_user._get_current_object(), request.values.get("city_id", type=int)
    )


@bp.get("/", endpoint="portal")
@login_required
def portal_page():
    scope = _scope()
    return _portal(_generate_form(scope), scope)


#: the service's parameter names and the form's fields
_FIELDS = {"city": "city_id", "agency": "agency_id", "record": "record_reference"}


@bp.post("/generate")
@login_required
def generate():
    """Open to read-only roles too (qms/web.py): it writes to the report archive only. A
    refused combination is shown on the form with the values kept, as any refused input."""
    scope = _scope()
    form = _generate_form(scope)
    if not form.validate():
        return _portal(form, scope, 422)
    rtype = report_type(form.report.data or "")
    if rtype is not None and rtype not in scope.types:  # unknown ones: the service says so
        form.report.errors = [_("Your role may not generate this report.")]
        return _portal(form, scope, 422)
    try:
        rtype, report_request = portal.build_request(
            current_user, form.report.data, **form.request_parameters()
        )
    except DomainError as error:  # invalid parameters, or a combination the user may not have
        errors = getattr(error, "errors", None) or {error.field: [str(error.message)]}
        named = {_FIELDS.get(n, n): m for n, m in errors.items()}
        if "agency_id" in named and not form.agency_id.choices:  # the field is not shown
            named.setdefault("city_id", []).extend(named.pop("agency_id"))
        show_on_form(form, ValidationFailed(named))
        return _portal(form, scope, 422)
    submission = jobs.submit(current_user, rtype, report_request)
    if not submission.needs_render:
        flash(_("The data did not change since this report was made: here it is again."), "info")
    return redirect(url_for("reports.show", ident=submission.report.ident), 303)


@bp.post("/pdf/<key>")
@login_required
def quick(key: str):
    """The "Download PDF" buttons of record, agency and home pages: the report about that
    record (record_id), agency (agency_id) or city (city_id), in the page's language. A POST,
    as the portal's form is: it may add to the archive (asking twice for unchanged data serves
    the archived PDF), so another site cannot make a logged-in user render reports. Straight to
    the PDF when it is ready, else to its page."""
    agency_id = request.form.get("agency_id", type=int)
    agency = access.get_visible(Agency, agency_id, current_user) if agency_id else None
    try:
        rtype, report_request = portal.build_request(
            current_user,
            key,
            city_id=agency.city_id if agency else request.form.get("city_id", type=int),
            agency_id=agency_id,
            record_id=request.form.get("record_id", type=int),
            locale=request.form.get("locale") or str(get_locale() or "id"),
        )
    except ValidationFailed:
        abort(404)
    report = jobs.submit(current_user, rtype, report_request).report
    if report.status is ReportStatus.DONE:
        return redirect(url_for("reports.download", ident=report.ident), 303)
    return redirect(url_for("reports.show", ident=report.ident), 303)


@bp.get("/<ident>")
@login_required
def show(ident: str):
    report = policies.get_accessible(ident, current_user)
    return render_template("reports/show.html", report=report, Status=ReportStatus)


@bp.get("/<ident>/status")
@login_required
def status(ident: str):
    report = policies.get_accessible(ident, current_user)
    done = report.status is ReportStatus.DONE
    return jsonify(
        {
            "status": report.status.value,
            "label": str(report.status.label),
            "finished": report.is_finished,
            "download_url": url_for("reports.download", ident=report.ident) if done else None,
            "pages": report.pages,
        }
    )


@bp.get("/<ident>/pdf")
@login_required
def download(ident: str):
    report = policies.get_accessible(ident, current_user)
    if report.status is not ReportStatus.DONE or not archive.has_pdf(report):
        return render_template("errors.html", message=_("This report has no PDF."), error=None), 404
    return archive.send_pdf(report, inline=request.args.get("inline") == "1")


# --- public verification -------------------------------------------------------------------


def _verify_page(form: VerifyForm, verification: verifying.Verification | None, status: int = 200):
    return render_template("reports/verify.html", form=form, verification=verification), status


@verify_bp.get("/", endpoint="index")
def verify_index():
    form = VerifyForm()
    if request.args.get("ident"):
        return redirect(
            url_for("verify.show", ident=verifying.normalise_ident(request.args["ident"]))
        )
    return _verify_page(form, None)


@verify_bp.get("/<ident>", endpoint="show")
def verify_show(ident: str):
    form = VerifyForm(ident=verifying.normalise_ident(ident))
    verification = verifying.verify_upload(ident, None)
    return _verify_page(form, verification, 200 if verification.report else 404)


@verify_bp.post("/", endpoint="check")
def verify_check():
    """Open to read-only roles too (qms/web.py): comparing a file writes nothing."""
    form = VerifyForm()
    if not form.validate():
        return _verify_page(form, None, 422)
    upload = form.file.data
    try:
        verification = verifying.verify_upload(
            form.ident.data or "", upload.stream if upload else None
        )
    except DomainError as error:
        form.file.errors = [str(error.message)]
        return _verify_page(form, None, 422)
    return _verify_page(form, verification)


# --- the city's letterhead ------------------------------------------------------------------


@bp.route("/letterhead/<int:city_id>", methods=["GET", "POST"])
@login_required
def letterhead(city_id: int):
    """The city's letterhead as its reports print it; its administrator changes it here."""
    city = access.get_visible(City, city_id, current_user)
    record = letterheads.record_of(city)
    may_change = letterheads.may_change(current_user, city)
    form = LetterheadForm(obj=record)
    status = 200
    if request.method == "POST":
        if not may_change:
            abort(403)
        if form.validate():
            upload = form.emblem_file.data
            has_file = upload is not None and getattr(upload, "filename", "")
            try:
                letterheads.save(
                    current_user,
                    city,
                    form.values(),
                    emblem=upload.stream if has_file else None,
                    emblem_name=upload.filename if has_file else "",
                )
            except DomainError as error:
                show_on_form(form, error)
                status = 422
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("reports.letterhead", city_id=city.id), 303)
        else:
            status = 422
    return render_template(
        "reports/letterhead.html",
        city=city,
        form=form,
        record=record,
        preview=letterheads.letterhead_for(city),
        may_change=may_change,
    ), status
