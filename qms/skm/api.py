"""/api/v1 of the satisfaction survey, so that other systems (an online form, a kiosk, a
regional dashboard) can feed and read it:

- `POST /skm/surveys`: a survey of an agency's unit over a period, with the population served;
- `POST /skm/surveys/{id}/responses`: respondents' answers, as a multipart CSV `file` in the
  column format of parsing.py, or as a JSON array of responses with the same field names;
  answers the row report, nothing stored until
- `POST /skm/surveys/{id}/responses/confirm`: the caller's upload waiting for confirmation is
  stored (the same content twice stores nothing the second time);
- `GET /skm/surveys/{id}/result`: respondents, NRR per element, IKM, grade, minimum sample;

and the list and one survey."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from flask import request
from flask_login import current_user
from pydantic import Field

from qms.api.core import api_route, ok, validate_upload
from qms.api.records import Owner, Records
from qms.api.schema import Archived, Resource, Timestamp
from qms.core import access
from qms.core.errors import ValidationFailed
from qms.extensions import db
from qms.organisations.models import Agency
from qms.skm import figures, imports, operations, queries
from qms.skm.forms import NewSurveyForm, ResponseItem, SurveyFilterForm, UploadForm
from qms.skm.models import Import, Survey
from qms.skm.parsing import row_error_text
from qms.skm.scoring import Result
from qms.skm.vocabulary import SurveyStatus

TAG = "skm"
Grade = Annotated[str | None, Field(description="A, B, C or D (null without responses)")]


class SurveyOut(Resource):
    labels_from = Survey

    id: int
    agency_id: int
    unit_id: int
    title: str
    period_start: date
    period_end: date
    population: int
    status: SurveyStatus
    respondents: Annotated[int, Field(description="Responses stored")]
    ikm: Annotated[float | None, Field(description="The index, 25–100 (null: no responses)")]
    grade: Grade
    archived: Archived

    @classmethod
    def of(cls, survey: Survey, result: Result | None = None) -> SurveyOut:
        """The survey as the API gives it; `result`, its figures when already computed (a
        page computes all of its surveys' in one query)."""
        result = result if result is not None else figures.result(survey)
        return cls.from_record(
            survey,
            respondents=result.respondents,
            ikm=float(result.ikm) if result.ikm is not None else None,
            grade=result.grade,
        )

    @classmethod
    def page_of(cls, surveys: Sequence[Survey]) -> list[SurveyOut]:
        results = figures.results(surveys)
        return [cls.of(s, results[s.id]) for s in surveys]


class ResultOut(Resource):
    """The survey's figures (Permenpan-RB 14/2017), computed from the responses stored."""

    respondents: int
    nrr: Annotated[
        dict[str, float | None],
        Field(description="u1 … u9: each element's mean score, 1–4, three decimals"),
    ]
    ikm: Annotated[float | None, Field(description="25 × the mean of the nine NRR, two decimals")]
    grade: Grade
    minimum_sample: Annotated[
        int, Field(description="Respondents needed for the population (Krejcie–Morgan)")
    ]

    @classmethod
    def of(cls, survey: Survey) -> ResultOut:
        result = figures.result(survey)
        return cls(
            respondents=result.respondents,
            nrr={e: float(v) if v is not None else None for e, v in result.nrr.items()},
            ikm=float(result.ikm) if result.ikm is not None else None,
            grade=result.grade,
            minimum_sample=result.minimum_sample,
        )


class RowErrorOut(Resource):
    row: Annotated[int, Field(description="CSV: as a spreadsheet numbers it (header 1); JSON: 1…")]
    code: str
    column: Annotated[str | None, Field(description="The column refused")]
    value: Annotated[str | None, Field(description="The value refused")]
    message: Annotated[str, Field(description="The reason, in the caller's language")]


class UploadOut(Resource):
    """An upload of responses and its row report."""

    labels_from = Import

    id: int
    survey_id: int
    filename: str
    total: int
    valid: int
    errors: list[RowErrorOut]
    already_imported: Annotated[
        int | None, Field(description="The import that already stored this content")
    ]
    confirmed_at: Timestamp | None
    stored: Annotated[int, Field(description="Responses stored by the confirmation")]

    @classmethod
    def of(cls, record: Import) -> UploadOut:
        report = record.report
        return cls.from_record(
            record,
            total=report.get("total", 0),
            valid=report.get("valid", 0),
            errors=[
                RowErrorOut(
                    row=e["row"],
                    code=e["code"],
                    column=e.get("column"),
                    value=e.get("value"),
                    message=row_error_text(e),
                )
                for e in report.get("errors", [])
            ],
            already_imported=report.get("already_imported"),
            stored=record.stored or 0,
        )


surveys = Records("/skm/surveys", Survey, SurveyOut, TAG, "survey_id")


@surveys.list(filters=SurveyFilterForm, build=SurveyOut.page_of)
def list_surveys(user: Any, form: SurveyFilterForm) -> Any:
    """The satisfaction surveys the caller may see"""
    return queries.surveys_query(user, queries.SurveyFilter(**form.values()))


@surveys.create(NewSurveyForm, owner=Owner(Agency, "agency_id"))
def create_survey(user: Any, agency: Agency, form: NewSurveyForm) -> Survey:
    """Start a survey of an agency's service unit over a period, with the population it serves
    then"""
    return operations.create_survey(user, agency, form.values())


surveys.get("get_survey", "One survey")
surveys.get(
    "survey_result",
    "The survey's result: respondents, NRR per element, IKM (25–100), grade (A–D) and the "
    "minimum sample for its population",
    suffix="/result",
    response=ResultOut,
)


@api_route(
    "/skm/surveys/<int:survey_id>/responses",
    ("POST",),
    summary="Upload respondents' answers: a CSV file (columns tanggal, jenis_kelamin, umur, "
    "pendidikan, pekerjaan, jenis_layanan, u1 … u9, saran) or a JSON array of responses with "
    "the same field names. Answers the row report; nothing is stored until "
    "/responses/confirm",
    tag=TAG,
    multipart=UploadForm,
    body=ResponseItem,
    body_is_list=True,
    response=UploadOut,
    status=201,
)
def upload_responses(survey_id: int):
    survey = access.get_visible(Survey, survey_id, current_user)
    if request.is_json:
        entries = request.get_json(silent=True)
        if not isinstance(entries, list):
            raise ValidationFailed({"body": ["Send a JSON array of responses."]})
        data = json.dumps(entries, ensure_ascii=False, sort_keys=True).encode("utf-8")
        record = imports.preview_import(
            current_user, survey, "responses.json", data, file_format="json"
        )
    else:
        upload = validate_upload(UploadForm).file.data
        record = imports.preview_import(current_user, survey, upload.filename or "", upload.read())
    db.session.commit()
    return ok(UploadOut.of(record))


@surveys.act("responses/confirm", response=UploadOut)
def confirm_responses(user: Any, survey: Survey, _form: None) -> Import:
    """Store the caller's last upload of responses to this survey, having seen its row report
    (the same content twice stores nothing the second time)"""
    record = imports.pending_import(user, survey)
    imports.confirm_import(user, record)
    return record
