"""Reading a channel's export (CSV or JSON) into complaint values, row by row: each bad row is
reported with its number and the reason (stored as a code, read in the reader's language)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.capa.models import Channel, Complaint, ComplaintStatus
from qms.core.errors import DomainError
from qms.core.spreadsheets import decode_text, delimiter_of
from qms.organisations.models import Agency

REQUIRED = ("id", "channel", "received_at", "agency", "category", "text")

#: spellings seen in the channels' exports -> our values
CHANNEL_ALIASES = {
    "qlue": Channel.QLUE,
    "lapor": Channel.LAPOR,
    "sp4n-lapor": Channel.LAPOR,
    "sp4n-lapor!": Channel.LAPOR,
    "lapor!": Channel.LAPOR,
    "counter": Channel.COUNTER,
    "loket": Channel.COUNTER,
    "other": Channel.OTHER,
    "lainnya": Channel.OTHER,
}
STATUS_ALIASES = {
    "menunggu": ComplaintStatus.WAITING,
    "waiting": ComplaintStatus.WAITING,
    "baru": ComplaintStatus.WAITING,
    "proses": ComplaintStatus.IN_PROGRESS,
    "diproses": ComplaintStatus.IN_PROGRESS,
    "in_progress": ComplaintStatus.IN_PROGRESS,
    "selesai": ComplaintStatus.RESOLVED,
    "tl": ComplaintStatus.RESOLVED,
    "resolved": ComplaintStatus.RESOLVED,
    "done": ComplaintStatus.RESOLVED,
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)
#: the channels' satisfaction scale
RATINGS = range(1, 6)


def row_error_text(error: dict[str, Any]) -> str:
    """A bad row's reason in the reader's language (stored as a code, shown when read)."""
    value = error.get("value", "")
    messages = {
        "missing": lambda: _("The column “%(value)s” is empty.", value=value),
        "bad_date": lambda: _(
            "The column “%(column)s”: “%(value)s” is not a date (use YYYY-MM-DD HH:MM).",
            column=error.get("column", "–"),
            value=value,
        ),
        "unknown_agency": lambda: _(
            "No agency with the code “%(value)s” in this city.", value=value
        ),
        "not_your_agency": lambda: _("You may not import complaints for “%(value)s”.", value=value),
        "unknown_channel": lambda: _("Unknown channel “%(value)s”.", value=value),
        "unknown_status": lambda: _("Unknown status “%(value)s”.", value=value),
        "bad_rating": lambda: _(
            "The rating must be a whole number from 1 to 5, not “%(value)s”.", value=value
        ),
        "duplicate": lambda: _("The same channel and id as row %(value)s.", value=value),
        "response_before_received": lambda: _("The response date is before the date received."),
        "not_an_object": lambda: _("The entry is not an object with the complaint's fields."),
        "too_long": lambda: _(
            "The column “%(column)s” is longer than %(max)s characters.",
            column=error.get("column", "–"),
            max=MAX_CELL,
        ),
    }
    return messages[error["code"]]()


@dataclass
class Row:
    number: int
    values: dict[str, Any]


def _parse_date(raw: str) -> datetime | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern)
        except ValueError:
            continue
    return None


def decode(data: bytes) -> str:
    """The file's text, or a refusal naming the file field: UTF-8 (with or without a byte
    order mark) and no NUL characters, which no spreadsheet writes and no database stores."""
    if not data:
        raise DomainError(_l("The file is empty."), field="file")
    return decode_text(data, _l("The file must be UTF-8 text (CSV or JSON)."))


def format_of(filename: str, content: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix[1:]
    return "json" if content.lstrip()[:1] in ("[", "{") else "csv"


#: an export's bounds: a cell longer than this is refused in its row, a file with more rows whole
MAX_CELL = 10_000
MAX_ROWS = 50_000


def _too_many(rows: list) -> None:
    if len(rows) > MAX_ROWS:
        raise DomainError(
            _("The file has more than %(max)s rows: split it.", max=MAX_ROWS), field="file"
        )


def read_rows(content: str, file_format: str) -> list[tuple[int, Any]]:
    """(row number, raw entry) pairs. CSV rows are numbered as in a spreadsheet (the header is
    row 1); JSON entries from 1."""
    if file_format == "json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise DomainError(
                _("The file is not valid JSON (line %(line)s).", line=exc.lineno), field="file"
            ) from exc
        except RecursionError as exc:
            raise DomainError(_l("The JSON is nested too deeply."), field="file") from exc
        if isinstance(data, dict):
            data = data.get("complaints")
        if not isinstance(data, list):
            raise DomainError(
                _l('The JSON must be a list of complaints (or {"complaints": [...]}).'),
                field="file",
            )
        _too_many(data)
        return list(enumerate(data, start=1))
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter_of(content))
    rows: list[tuple[int, Any]] = []
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise DomainError(
                _(
                    "The file lacks the columns: %(columns)s. Columns are separated by commas "
                    "or semicolons, with their names in the first row.",
                    columns=", ".join(missing),
                ),
                field="file",
            )
        reader.fieldnames = header
        for number, raw in enumerate(reader, start=2):
            rows.append((number, raw))
            _too_many(rows)
        return rows
    except csv.Error as exc:
        raise DomainError(
            _(
                "Row %(row)s cannot be read: a cell longer than %(max)s characters, or text "
                "that is not CSV.",
                row=rows[-1][0] + 1 if rows else 2,
                max=MAX_CELL,
            ),
            field="file",
        ) from exc


def clean(
    number: int, raw: Any, agencies: dict[str, Agency], allowed: set[int]
) -> tuple[Row | None, list[dict]]:
    """One entry as complaint values, or the reasons it is refused. `agencies` are the city's
    by upper-case code, `allowed` the ids of those the uploader may import for."""
    if not isinstance(raw, dict):
        return None, [{"row": number, "id": "", "code": "not_an_object"}]
    # a JSON export may escape a NUL into a value: it is no text, and no database stores it
    text = {
        k.strip().lower(): ("" if v is None else str(v).replace("\x00", "").strip())
        for k, v in raw.items()
        if k
    }
    errors: list[dict] = []

    def fail(code: str, value: Any = "", column: str = "") -> None:
        error = {"row": number, "id": text.get("id", ""), "code": code, "value": str(value)}
        errors.append({**error, "column": column} if column else error)

    for column in REQUIRED:
        if not text.get(column):
            fail("missing", column)
    for column, value in text.items():
        if len(value) > MAX_CELL:
            fail("too_long", len(value), column)
            text[column] = ""
    channel = CHANNEL_ALIASES.get(text.get("channel", "").lower())
    if text.get("channel") and channel is None:
        fail("unknown_channel", text["channel"])
    dates: dict[str, datetime | None] = {}
    for column in ("received_at", "response_date"):
        dates[column] = _parse_date(text[column]) if text.get(column) else None
        if text.get(column) and dates[column] is None:
            fail("bad_date", text[column], column=column)
    received, responded = dates["received_at"], dates["response_date"]
    if received and responded and responded < received:
        fail("response_before_received")
    agency = agencies.get(text.get("agency", "").upper())
    if text.get("agency") and agency is None:
        fail("unknown_agency", text["agency"])
    elif agency is not None and agency.id not in allowed:
        fail("not_your_agency", text["agency"])
    status = STATUS_ALIASES.get(text.get("status", "").lower()) if text.get("status") else None
    if text.get("status") and status is None:
        fail("unknown_status", text["status"])
    rating = None
    if text.get("rating"):
        try:
            rating = int(text["rating"])
        except ValueError:
            rating = None
        if rating not in RATINGS:
            fail("bad_rating", text["rating"])
    if errors:
        return None, errors
    if status is None:
        status = ComplaintStatus.RESOLVED if responded else ComplaintStatus.WAITING
    return Row(
        number,
        {
            "external_id": text["id"][: Complaint.external_id.type.length],
            "channel": channel,
            "received_at": received,
            "agency_id": agency.id,
            "service": text.get("service", "")[: Complaint.service.type.length],
            "category": text["category"][: Complaint.category.type.length],
            "text": text["text"],
            "location": text.get("location", "")[: Complaint.location.type.length],
            "status": status,
            "responded_at": responded,
            "rating": rating,
        },
    ), []
