"""Tables out of the system, as CSV or as Excel workbooks (XLSX): one writer per format that
every export uses, so that every export is safe in a spreadsheet and never holds the whole
table in memory (CSV is streamed row by row; a workbook is written row by row to a temporary
file by openpyxl's write-only mode, and the finished, compressed workbook sent).

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read by a
spreadsheet as a formula (`=HYPERLINK(…)` in a document title): such text is written with a
leading apostrophe, which spreadsheets show as plain text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from qms.core.labels import label_of, value_labels_of

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the export formats, by the extension their addresses end with
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: rows read before a workbook's column widths are fitted to them
WIDTH_SAMPLE = 200
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """One column of an export: its heading (a lazy string, written in the user's language)
    and how a row gives its value."""

    heading: Any
    value: Callable[[Any], Any]


def field(model: type, name: str, value: Callable[[Any], Any] | None = None) -> Column:
    """A column of a model's attribute under the label the model declares for it; a value
    with declared labels (a status, a kind) is written as its label."""
    labels = value_labels_of(model, name)

    def read(row: Any) -> Any:
        raw = getattr(row, name)
        return labels.get(raw, raw) if labels else raw

    return Column(label_of(model, name) or name, value or read)


def related(model: type, key: str, attribute: str = "name") -> Column:
    """A column naming the record a foreign key ("agency_id") points to, by its `attribute`,
    under the label the model declares for the key; empty where the key points nowhere."""
    relation = key.removesuffix("_id")

    def read(row: Any) -> Any:
        target = getattr(row, relation)
        return getattr(target, attribute) if target is not None else None

    return Column(label_of(model, key) or relation, read)


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


def _cell_value(value: Any) -> Any:
    """A value as a workbook cell holds it: dates as dates, numbers as numbers, text neutralised
    as in CSV."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # a workbook has no time zones
    if isinstance(value, date | int | float | Decimal) and not isinstance(value, bool):
        return value
    return neutralise(value)


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 17
    if isinstance(value, date):
        return 11
    return min(MAX_WIDTH, max((len(line) for line in str(value).splitlines()), default=0))


def write_xlsx(target: IO[bytes], title: str, columns: list[Column], rows: Iterable[Any]) -> None:
    """A workbook of one sheet: bold headings in the user's language, frozen; columns as wide
    as their heading and the first rows need; one row per record, written as it is read."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Sheet")
    sheet.freeze_panes = "A2"
    headings = [str(c.heading) for c in columns]
    records = iter(rows)
    first = [[_cell_value(c.value(row)) for c in columns] for row in islice(records, WIDTH_SAMPLE)]
    for index, heading in enumerate(headings, start=1):
        widths = [_width(heading), *(_width(values[index - 1]) for values in first)]
        sheet.column_dimensions[get_column_letter(index)].width = max(widths) + 2
    bold = Font(bold=True)

    def heading_cell(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return cell

    def cells(values: list[Any]) -> list[Any]:
        typed = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            typed.append(cell)
        return typed

    sheet.append([heading_cell(h) for h in headings])
    for values in first:
        sheet.append(cells(values))
    for row in records:
        sheet.append(cells([_cell_value(c.value(row)) for c in columns]))
    workbook.save(target)


def xlsx_response(filename: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    """An Excel download: the rows written one by one to a temporary file (openpyxl's
    write-only mode keeps none of them in memory), then the finished, compressed workbook
    sent."""
    with tempfile.TemporaryFile() as target:
        write_xlsx(target, filename.rsplit(".", 1)[0], columns, rows)
        target.seek(0)
        content = target.read()
    return Response(
        content,
        mimetype=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def export_response(fmt: str, stem: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    """The export in the format its address asked for ("csv" or "xlsx")."""
    if fmt == "xlsx":
        return xlsx_response(f"{stem}.xlsx", columns, rows)
    return csv_response(f"{stem}.csv", columns, rows)


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
