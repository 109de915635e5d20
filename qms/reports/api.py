"""/api/v1 reports: another system (BSN's) requests a report with the portal's rules, polls it,
fetches its PDF, lists its archive and verifies a PDF it holds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from qms.api.core import api_route, json_body, ok, validate_form, validate_upload
from qms.api.schema import Resource
from qms.core.forms import REQUIRED, RecordField
from qms.core.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from qms.reports import archive, jobs, policies, portal
from qms.reports import verification as verifying
from qms.reports.forms import GenerateForm, VerifyForm
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.registry import report_type

TAG = "reports"


class ReportOut(Resource):
    labels_from = GeneratedReport

    ident: str
    report: str
    title: str
    status: str
    status_label: str
    city_id: int
    agency_id: int | None
    record_id: int | None
    period_start: date | None
    period_end: date | None
    locale: str
    data_sha256: str
    #: the archived file's SHA-256 (the PDF, or an evidence pack's ZIP)
    pdf_sha256: str | None
    #: "pdf", or "zip" for an evidence pack
    file_type: str
    #: an evidence pack's: the SHA-256 of its manifest.json
    manifest_sha256: str | None
    pages: int | None
    size: int | None
    created_at: datetime
    finished_at: datetime | None
    status_url: str
    download_url: str | None

    @classmethod
    def of(cls, report: GeneratedReport) -> ReportOut:
        rtype = report_type(report.report_key)
        done = report.status is ReportStatus.DONE
        return cls.from_record(
            report,
            ident=report.ident or "",
            report=report.report_key,
            title=str(rtype.title) if rtype else report.report_key,
            status=report.status.value,
            status_label=str(report.status.label),
            record_id=(report.params or {}).get("record_id"),
            status_url=url_for("api.get_report", ident=report.ident),
            download_url=url_for("api.report_pdf", ident=report.ident) if done else None,
        )


class PackDifferenceOut(Resource):
    #: a file's name in the evidence pack
    file: str
    #: "changed", "missing" (archived, not uploaded) or "added" (uploaded, not archived)
    change: str


class VerificationOut(Resource):
    #: the identifier asked about (or of the report the file was found to be)
    ident: str | None
    #: whether an archived, finished report has this identifier (or this file's hash)
    found: bool
    #: with a file: whether it is byte-identical to the archived PDF (or an evidence pack's
    #: ZIP or manifest.json)
    matches: bool | None
    #: what the file matched: "file" (the PDF or ZIP) or "manifest" (a pack's manifest.json)
    part: str | None
    #: for a ZIP that does not match an evidence pack: what was changed, removed or added
    differences: list[PackDifferenceOut]
    title: str | None
    created_at: datetime | None


class ReportRequestForm(GenerateForm):
    """The portal's request, the report and the places named by their keys and ids (the API
    offers no lists to choose from: the request checks them), or a record by its id."""

    report = StringField(_l("Report"), validators=[DataRequired(REQUIRED)])
    city_id = RecordField(_l("City"), validators=[Optional()])
    agency_id = RecordField(_l("Agency"), validators=[Optional()])
    record_id = RecordField(_l("Record"), validators=[Optional()])
    locale = SelectField(
        _l("Language of the report"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        default="id",
    )

    def request_parameters(self) -> dict[str, Any]:
        return {**super().request_parameters(), "record_id": self.record_id.data}


class ArchiveFilterForm(FlaskForm):
    report = StringField(_l("Report"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", "")] + [SelectChoice(s.value, s.value) for s in ReportStatus],
        validators=[Optional()],
    )
    city_id = RecordField(_l("City"), validators=[Optional()])
    agency_id = RecordField(_l("Agency"), validators=[Optional()])
    #: the identifier of the last report of the previous page: the reports older than it
    before = StringField(_l("Older than the report"), validators=[Optional(), Length(max=40)])
    per_page = IntegerField(
        _l("Reports per page"),
        validators=[Optional(), NumberRange(min=1, max=MAX_PER_PAGE)],
        default=DEFAULT_PER_PAGE,
    )


def _report(ident: str) -> GeneratedReport:
    return policies.get_accessible(ident, current_user)


@api_route(
    "/reports",
    ("POST",),
    summary="Request a report (the portal's rules): 202 with its status URL while it is made, "
    "or 200 with the archived one when its data did not change",
    tag=TAG,
    body=ReportRequestForm,
    response=ReportOut,
    status=202,
    also=(200,),
)
def request_report():
    form = validate_form(ReportRequestForm, json_body())
    rtype, report_request = portal.build_request(
        current_user, form.report.data, **form.request_parameters()
    )
    submission = jobs.submit(current_user, rtype, report_request)
    report = submission.report
    return ok(ReportOut.of(report), 202 if report.status is not ReportStatus.DONE else 200)


@api_route(
    "/reports",
    summary="The caller's report archive, newest first: the reports the caller may have "
    "(filters: report, status, city_id, agency_id); the next page with before=<the last "
    "identifier>",
    tag=TAG,
    query=ArchiveFilterForm,
    response=ReportOut,
    many=True,
)
def list_reports():
    form = validate_form(ArchiveFilterForm, request.args.to_dict())
    where = []
    if form.report.data:
        where.append(GeneratedReport.report_key == form.report.data)
    if form.status.data:
        where.append(GeneratedReport.status == ReportStatus(form.status.data))
    if form.city_id.data:
        where.append(GeneratedReport.city_id == form.city_id.data)
    if form.agency_id.data:
        where.append(GeneratedReport.agency_id == form.agency_id.data)
    before = None
    if form.before.data:
        before = _report(verifying.normalise_ident(form.before.data)).id
    page = archive.archive_page(
        current_user, before=before, per_page=form.per_page.data or DEFAULT_PER_PAGE, where=where
    )
    return ok([ReportOut.of(report) for report in page.reports])


@api_route(
    "/reports/<ident>",
    summary="One report: status, parameters, hashes and, once done, its download URL",
    tag=TAG,
    response=ReportOut,
)
def get_report(ident: str):
    return ok(ReportOut.of(_report(ident)))


@api_route(
    "/reports/<ident>/pdf",
    summary="A finished report's PDF, or an evidence pack's ZIP (as archived: its SHA-256 is "
    "pdf_sha256)",
    tag=TAG,
    file=True,
)
def report_pdf(ident: str):
    report = _report(ident)
    if report.status is not ReportStatus.DONE or not archive.has_pdf(report):
        raise NotFound("This report has no PDF (yet): see its status.")
    return archive.send_pdf(report)


@api_route(
    "/verify",
    ("POST",),
    summary="Verify a report: by its identifier, and with an uploaded PDF whether the file is "
    "identical to the archived original (an evidence pack: its ZIP or its manifest.json; "
    "without an identifier, the file is looked up by its SHA-256)",
    tag=TAG,
    multipart=VerifyForm,
    response=VerificationOut,
)
def verify():
    form = validate_upload(VerifyForm)
    upload = form.file.data
    result = verifying.verify_upload(form.ident.data or "", upload.stream if upload else None)
    found = result.report
    rtype = report_type(found.report_key) if found else None
    return ok(
        VerificationOut(
            ident=found.ident if found else (verifying.normalise_ident(form.ident.data) or None),
            found=found is not None,
            matches=result.matches,
            part=result.part,
            differences=[
                PackDifferenceOut(file=d.file, change=d.change) for d in result.differences
            ],
            title=str(rtype.title) if rtype else None,
            created_at=found.created_at if found else None,
        )
    )
