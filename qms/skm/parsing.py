"""Reading respondents' answers, row by row, whatever brought them: a CSV file (the usual
export of a paper tally or an online form), a JSON array through the API, or the public form.
Every bad row is reported with its number and the reason (stored as a code, read in the
reader's language); the same rules check all three.

The CSV has one row per respondent and these columns (the header row names them):

    tanggal, jenis_kelamin, umur, pendidikan, pekerjaan, jenis_layanan, u1, …, u9, saran

`tanggal` the day of the answer (YYYY-MM-DD, or DD/MM/YYYY as Indonesian spreadsheets write
it), within the survey's period; `jenis_kelamin` L or P; `umur` the age in years or a band
(<20, 20-29, …, 60+); `pendidikan` SD, SMP, SMA/SMK, D1–D3, D4/S1, S2, S3 or "tidak sekolah";
`pekerjaan` PNS, TNI/POLRI, swasta, wirausaha, pelajar/mahasiswa or lainnya; `jenis_layanan` the
service used; `u1` … `u9` the nine elements, each a whole number 1–4; `saran` suggestions. The
profile columns and `saran` may be left empty; `tanggal` and every element are required.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.core.errors import DomainError
from qms.skm.models import Response, Survey
from qms.skm.vocabulary import (
    AGES,
    EDUCATION_ALIASES,
    ELEMENTS,
    OCCUPATION_ALIASES,
    SCORES,
    AgeBand,
    Gender,
    age_band,
)

GENDER_ALIASES = {
    "l": Gender.MALE,
    "laki-laki": Gender.MALE,
    "p": Gender.FEMALE,
    "perempuan": Gender.FEMALE,
}

#: the columns of the respondents' CSV, in order
COLUMNS = (
    "tanggal",
    "jenis_kelamin",
    "umur",
    "pendidikan",
    "pekerjaan",
    "jenis_layanan",
    *ELEMENTS,
    "saran",
)
REQUIRED = ("tanggal", *ELEMENTS)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
#: the longest suggestion kept (a paste of a whole document is not a suggestion)
MAX_SUGGESTION = 4000


def row_error_text(error: dict[str, Any]) -> str:
    """A bad row's reason in the reader's language."""
    value, column = error.get("value", ""), error.get("column", "")
    messages = {
        "missing": lambda: _("The column “%(column)s” is empty.", column=column),
        "bad_score": lambda: _(
            "“%(column)s” must be a whole number from 1 to 4, not “%(value)s”.",
            column=column,
            value=value,
        ),
        "bad_date": lambda: _(
            "“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY).", value=value
        ),
        "outside_period": lambda: _(
            "The date %(value)s lies outside the survey's period.", value=value
        ),
        "unknown": lambda: _(
            "“%(value)s” is not a value of the column “%(column)s”.", value=value, column=column
        ),
        "not_an_object": lambda: _("The entry is not an object with the respondent's answers."),
    }
    return messages[error["code"]]()


@dataclass
class Row:
    number: int
    values: dict[str, Any]


def decode(data: bytes) -> str:
    """The file's text, or a refusal naming the file field (UTF-8, no NUL)."""
    if not data:
        raise DomainError(_l("The file is empty."), field="file")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(_l("The file must be UTF-8 text (CSV)."), field="file") from exc
    if "\x00" in content:
        raise DomainError(_l("The file must be UTF-8 text (CSV)."), field="file")
    return content


def read_rows(content: str, file_format: str) -> list[tuple[int, Any]]:
    """(row number, raw entry) pairs: CSV rows numbered as in a spreadsheet (the header is
    row 1), JSON entries from 1."""
    if file_format == "json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, list):
            raise DomainError(_l("Send a JSON array of responses."), field="body")
        return list(enumerate(data, start=1))
    try:
        sample = content[:2048]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
        header = [(h or "").strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise DomainError(
                _("The file lacks the columns: %(columns)s.", columns=", ".join(missing)),
                field="file",
            )
        reader.fieldnames = header
        return list(enumerate(reader, start=2))
    except csv.Error as exc:
        raise DomainError(_l("The file must be UTF-8 text (CSV)."), field="file") from exc


def _date(raw: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def _age(raw: str) -> AgeBand | None:
    if raw.isdigit():
        return age_band(int(raw)) if int(raw) in AGES else None
    try:
        return AgeBand(raw.replace(" ", ""))
    except ValueError:
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).replace("\x00", "").strip()


def clean(number: int, raw: Any, survey: Survey) -> tuple[Row | None, list[dict]]:
    """One respondent's answers as response values, or the reasons they are refused."""
    if not isinstance(raw, dict):
        return None, [{"row": number, "code": "not_an_object"}]
    text = {_text(k).lower(): _text(v) for k, v in raw.items() if k is not None}
    errors: list[dict] = []

    def fail(code: str, column: str, value: Any = "") -> None:
        errors.append({"row": number, "code": code, "column": column, "value": str(value)[:80]})

    values: dict[str, Any] = {"survey_id": survey.id}
    for column in REQUIRED:
        if not text.get(column):
            fail("missing", column)
    for element in ELEMENTS:
        raw_score = text.get(element, "")
        if raw_score:
            score = int(raw_score) if raw_score.isdigit() else None
            if score not in SCORES:
                fail("bad_score", element, raw_score)
            values[element] = score
    if text.get("tanggal"):
        day = _date(text["tanggal"])
        if day is None:
            fail("bad_date", "tanggal", text["tanggal"])
        elif not survey.period_start <= day <= survey.period_end:
            fail("outside_period", "tanggal", day.isoformat())
        values["answered_on"] = day
    readers = {
        "jenis_kelamin": ("gender", lambda v: GENDER_ALIASES.get(v.lower())),
        "umur": ("age", _age),
        "pendidikan": ("education", lambda v: EDUCATION_ALIASES.get(v.lower())),
        "pekerjaan": ("occupation", lambda v: OCCUPATION_ALIASES.get(v.lower())),
    }
    for column, (field, read) in readers.items():
        value = text.get(column, "")
        values[field] = read(value) if value else None
        if value and values[field] is None:
            fail("unknown", column, value)
    if errors:
        return None, errors
    values["service"] = text.get("jenis_layanan", "")[: Response.service.type.length]
    values["suggestion"] = text.get("saran", "")[:MAX_SUGGESTION]
    return Row(number, values), []
