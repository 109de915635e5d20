"""Tables out of the system (CSV today, for Excel users): one writer that every export uses, so
that every export is safe in a spreadsheet and streamed row by row.

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read by a
spreadsheet as a formula (`=HYPERLINK(…)` in a document title): such text is written with a
leading apostrophe, which spreadsheets show as plain text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of an export: its heading (a lazy string, written in the user's language)
    and how a row gives its value."""

    heading: Any
    value: Callable[[Any], Any]


def neutralise(value: Any) -> Any:
    """A value as a spreadsheet should read it: text that could start a formula is made plain
    text; numbers, dates and empty values pass."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(columns: list[Column], rows: Iterable[Any]) -> Iterator[str]:
    """The CSV text line by line: a byte-order mark (so that Excel reads Indonesian letters
    right), the headings, then one line per row as it is read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(v) for v in values])
        return buffer.getvalue()

    yield "\ufeff" + line([str(c.heading) for c in columns])
    for row in rows:
        yield line([c.value(row) for c in columns])


def csv_response(filename: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    """A CSV download, streamed: the rows are read and written one at a time."""
    body = (text.encode("utf-8") for text in csv_lines(columns, rows))
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
