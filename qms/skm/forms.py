"""Forms of the survey pages, the public form and the API (whose request schemas are generated
from them). The answer form's fields are named as the CSV's columns, so that a JSON response,
a CSV row and the public form are one shape (parsing.py checks all three alike)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from qms.core.forms import (
    BAD_DATE,
    REQUIRED,
    ChoiceField,
    DayField,
    RecordField,
    WholeNumberField,
    choices,
    column_field,
    field_values,
    max_length,
    optional_choice,
    text_field,
)
from qms.organisations.forms import AgencyFilterForm, owner_agency_field
from qms.skm.models import FollowUp, Response, Survey
from qms.skm.operations import MAX_POPULATION
from qms.skm.parsing import MAX_SUGGESTION
from qms.skm.vocabulary import (
    ELEMENT_LABELS,
    ELEMENTS,
    SCORE_LABELS,
    AgeBand,
    Education,
    Gender,
    Occupation,
    SurveyStatus,
)

BAD_SCORE = _l("Choose a score from 1 to 4.")


class SkmForm(FlaskForm):
    def values(self) -> dict[str, Any]:
        return field_values(self, "agency_id")


class SurveyForm(SkmForm):
    unit_id = column_field(RecordField, Survey, "unit_id", DataRequired(REQUIRED))
    title = StringField(
        _l("Title (empty: named after the unit and year)"), validators=[Optional(), max_length(255)]
    )
    period_start = column_field(DayField, Survey, "period_start", InputRequired(BAD_DATE))
    period_end = column_field(DayField, Survey, "period_end", InputRequired(BAD_DATE))
    population = column_field(
        WholeNumberField,
        Survey,
        "population",
        InputRequired(REQUIRED),
        NumberRange(min=1, max=MAX_POPULATION, message=_l("Enter the number of people served.")),
    )

    def offer(self, units: list[tuple[int, str]]) -> None:
        self.unit_id.choices = choices([("", "–"), *units])


class NewSurveyForm(SurveyForm):
    agency_id = owner_agency_field(Survey)


class ScoreField(ChoiceField):
    """An element's score; the API takes it as a number."""

    json_schema = {"type": "integer", "minimum": 1, "maximum": 4}


class AgeField(ChoiceField):
    """The respondent's age band; the API (and a CSV) may give the age in years instead."""

    json_schema = {
        "oneOf": [
            {"type": "integer", "minimum": 10, "maximum": 120},
            {"type": "string", "enum": [band.value for band in AgeBand]},
        ]
    }


def _score(element: str) -> ScoreField:
    return ScoreField(
        ELEMENT_LABELS[element],
        choices=[("", "–"), *SCORE_LABELS.items()],
        coerce=str,
        validators=[DataRequired(BAD_SCORE)],
    )


class AnswersForm(SkmForm):
    """One respondent's answers: the public form (dated today) and, with `tanggal`, an item of
    the API's JSON array. Every value is checked by parsing.clean, as a CSV row is."""

    jenis_kelamin = optional_choice(Response, "gender", Gender.labels())
    umur = column_field(
        AgeField,
        Response,
        "age",
        choices=[("", "–"), *((band.value, band.value) for band in AgeBand)],
    )
    pendidikan = optional_choice(Response, "education", Education.labels())
    pekerjaan = optional_choice(Response, "occupation", Occupation.labels())
    jenis_layanan = text_field(Response, "service")
    u1 = _score("u1")
    u2 = _score("u2")
    u3 = _score("u3")
    u4 = _score("u4")
    u5 = _score("u5")
    u6 = _score("u6")
    u7 = _score("u7")
    u8 = _score("u8")
    u9 = _score("u9")
    saran = column_field(
        TextAreaField, Response, "suggestion", Optional(), max_length(MAX_SUGGESTION)
    )

    def answers(self) -> dict[str, Any]:
        """The raw answers, as a CSV row gives them."""
        return {name: self[name].data or "" for name in self._fields if name != "csrf_token"}


class ResponseItem(AnswersForm):
    """A response sent to the API: the answers and the day they were given (the CSV's
    `tanggal`, YYYY-MM-DD)."""

    tanggal = DayField(_l("Date (tanggal)"), validators=[InputRequired(BAD_DATE)])


class UploadForm(FlaskForm):
    file = FileField(_l("Respondents' CSV file"), validators=[FileRequired(REQUIRED)])


class FollowUpForm(SkmForm):
    element = column_field(
        ChoiceField,
        FollowUp,
        "element",
        DataRequired(REQUIRED),
        choices=[(e, ELEMENT_LABELS[e]) for e in ELEMENTS],
    )
    action = column_field(TextAreaField, FollowUp, "action", DataRequired(REQUIRED))
    owner = text_field(FollowUp, "owner", required=True, length=200)
    due_on = column_field(DayField, FollowUp, "due_on", InputRequired(BAD_DATE))


class FollowUpDoneForm(SkmForm):
    result = column_field(TextAreaField, FollowUp, "result", DataRequired(REQUIRED))
    done_on = DayField(_l("Done on (empty: today)"), validators=[Optional()])


class StepForm(FlaskForm):
    """A survey's step carries nothing but the CSRF token."""


class SurveyFilterForm(AgencyFilterForm):
    status = optional_choice(Survey, "status", SurveyStatus.labels())
