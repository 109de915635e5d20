"""Spreadsheets in: reading an XLSX workbook or a CSV file row by row, finding its heading row,
proposing which column holds which field, and turning cells into values. One reader for every
import (the registers' imports in qms/imports, the standards' importer, the complaints').

Memory stays bounded: a workbook is opened in openpyxl's read-only mode (rows streamed from the
zip, never the whole sheet), a CSV is read line by line. Formulas are never evaluated: without
`data_only` a formula reads as its text and is refused in its cell. A workbook whose contents
unpack to more than the limit is refused before it is parsed (its shared strings are read whole
even in read-only mode).

A feature declares the fields it imports as data (`ImportField`: name, label, parser,
required); `propose_mapping` matches the file's headings against each field's label in
Indonesian and in English (the headings our own exports write), its name and its aliases, in any
case and spacing."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.core.errors import DomainError

#: columns read at most in a row
MAX_COLUMNS = 60
#: the heading row is looked for among the first rows
HEADER_SEARCH_ROWS = 20
#: a cell longer than this is refused in its row
MAX_CELL = 10_000
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
#: Excel counts days from 30 December 1899 (its 1900 leap-year bug included)
EXCEL_EPOCH = date(1899, 12, 30)
#: serial numbers read as dates: 1 January 1950 to 31 December 2099
SERIAL_RANGE = (18264, 73050)

Row = tuple[int, list[Any]]


class SpreadsheetError(DomainError):
    """The file cannot be read at all (not a spreadsheet, too large, no heading row…)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message, field="file")


# --- cells --------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """A column's letters from its index counted from 0 (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def is_formula(value: Any) -> bool:
    """A cell holding a formula (read-only mode without computed values gives its text)."""
    return (isinstance(value, str) and value.startswith("=") and len(value) > 1) or type(
        value
    ).__name__ in {"ArrayFormula", "DataTableFormula"}


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decode_text(data: bytes, what: Any = None) -> str:
    """A text file's content (UTF-8, with or without a byte-order mark; no NUL characters,
    which no spreadsheet writes and no database stores)."""
    message = what or _l("The file must be UTF-8 text (save the CSV as UTF-8).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(message) from exc
    if "\x00" in text:
        raise SpreadsheetError(message)
    return text


def delimiter_of(text: str) -> str:
    """A comma, the semicolon spreadsheets write in an Indonesian locale (where the comma is the
    decimal mark), or a tab: whichever the first line holding any of them uses most (a title
    line above the headings holds none)."""
    for line in text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]:
        counts = {d: line.count(d) for d in (",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","


# --- files --------------------------------------------------------------------------------


def unpacked_size(source: Path | IO[bytes]) -> int:
    """What a workbook (a zip) unpacks to; SpreadsheetError when it is no zip."""
    try:
        with zipfile.ZipFile(source) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SpreadsheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from exc


def open_workbook(source: Path | IO[bytes]) -> Any:
    """A workbook in read-only mode, formulas as their text (never evaluated)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpreadsheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from exc


def file_format(filename: str, data: bytes) -> str:
    """ "xlsx" or "csv" from the file's name and its first bytes; anything else is refused."""
    suffix = Path(filename or "").suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix in XLSX_SUFFIXES and is_zip:
        return "xlsx"
    if suffix in CSV_SUFFIXES and not is_zip:
        return "csv"
    if suffix == ".xls" or data[:8] == bytes.fromhex("d0cf11e0a1b11ae1"):
        raise SpreadsheetError(
            _l("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or .csv.")
        )
    raise SpreadsheetError(_l("Give an Excel workbook (.xlsx) or a CSV file (.csv)."))


class Spreadsheet:
    """An uploaded file, read row by row: `sheet_names`, and `rows(sheet)` yielding (row
    number as the spreadsheet shows it, the row's values). Close it (or use `with`)."""

    def __init__(self, data: bytes, filename: str, *, max_unpacked: int) -> None:
        if not data:
            raise SpreadsheetError(_l("The file is empty."))
        self.format = file_format(filename, data)
        self._workbook: Any = None
        self._text = ""
        if self.format == "xlsx":
            stream = io.BytesIO(data)
            if unpacked_size(stream) > max_unpacked:
                raise SpreadsheetError(
                    _(
                        "The workbook unpacks to more than %(mb)s MB: split it.",
                        mb=max_unpacked // 1_048_576,
                    )
                )
            stream.seek(0)
            self._workbook = open_workbook(stream)
            self.sheet_names: list[str] = list(self._workbook.sheetnames)
        else:
            self._text = decode_text(data)
            self.sheet_names = []

    def __enter__(self) -> Spreadsheet:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def rows(self, sheet: str | None = None) -> Iterator[Row]:
        if self._workbook is None:
            return self._csv_rows()
        name = sheet or self.sheet_names[0]
        if name not in self.sheet_names:
            raise SpreadsheetError(_("The workbook has no sheet “%(name)s”.", name=name))
        return self._sheet_rows(self._workbook[name])

    def _csv_rows(self) -> Iterator[Row]:
        reader = csv.reader(io.StringIO(self._text), delimiter=delimiter_of(self._text))
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                yield number, list(row[:MAX_COLUMNS])
        except csv.Error as exc:
            raise SpreadsheetError(_("Row %(row)s is not readable CSV.", row=number + 1)) from exc

    @staticmethod
    def _sheet_rows(sheet: Any) -> Iterator[Row]:
        return sheet_rows(sheet)


def sheet_rows(sheet: Any, max_columns: int = MAX_COLUMNS) -> Iterator[Row]:
    """A worksheet's rows, numbered as the spreadsheet shows them, streamed."""
    for number, row in enumerate(
        sheet.iter_rows(min_row=1, max_col=max_columns, values_only=True), start=1
    ):
        yield number, list(row)


# --- headings and the mapping -------------------------------------------------------------


def normalise(heading: Any) -> str:
    """A heading as compared: lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(heading or "").casefold()).split())


@dataclass(frozen=True)
class ImportField:
    """A field a feature imports: its name, label (lazy), how a cell becomes its value
    (`parse` raises CellError), whether it is required, and other headings that name it."""

    name: str
    label: Any
    parse: Callable[[Any], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()
    #: a field only the mapping may name (never proposed from a heading)
    help: Any = None

    def headings(self) -> set[str]:
        """What a heading naming this field looks like, normalised: its label in Indonesian and
        in English, its name, its aliases."""
        names = {normalise(self.name), normalise(self.name.replace("_", " "))}
        for locale in ("en", "id"):
            with force_locale(locale):
                names.add(normalise(str(self.label)))
        names.update(normalise(a) for a in self.aliases)
        names.discard("")
        return names


@dataclass
class Heading:
    #: the heading row's number and each column's heading text (a merged group's text joined)
    row: int
    names: list[str]
    #: rows read past the heading while looking for it (to be read as data)
    pending: list[Row] = field(default_factory=list)


def _cells_text(row: list[Any]) -> list[str]:
    return ["" if is_empty(v) else str(v).strip() for v in row]


def find_heading(rows: Iterator[Row], fields: list[ImportField]) -> Heading | None:
    """The heading row among the first rows: the first that names at least two fields (one when
    the file has one column); a title above it, empty rows and a group heading merged over
    several columns are fine (a merged cell keeps its text in its first column only: the group's
    text is carried over the empty cells beside it and joined to the names under it). When no
    row names a field, the first non-empty row is the heading (the user maps by hand)."""
    previous: list[str] = []
    first: Row | None = None
    seen: list[Row] = []
    for count, (number, row) in enumerate(rows, start=1):
        if count > HEADER_SEARCH_ROWS:
            break
        seen.append((number, row))
        names = _cells_text(row)
        if not any(names):
            previous = []
            continue
        if first is None:
            first = (number, row)
        combined = _with_groups(previous, names)
        if len(propose_mapping(combined, fields)) >= min(2, len([n for n in names if n])):
            rest = [r for r in seen if r[0] > number]
            return Heading(number, combined, rest)
        previous = names
    if first is None:
        return None
    return Heading(first[0], _cells_text(first[1]), [r for r in seen if r[0] > first[0]])


def _with_groups(groups: list[str], names: list[str]) -> list[str]:
    """Each column's heading: its own name, or the group above it (carried over a merged span),
    or both joined when the own name alone names nothing ("Tanggal" over "Terbit")."""
    if not groups:
        return names
    result = []
    group = ""
    for index, name in enumerate(names):
        above = groups[index] if index < len(groups) else ""
        group = above or group
        if not name:
            result.append(group)
        else:
            result.append(f"{group} {name}".strip() if group and above != name else name)
    return result


def propose_mapping(names: list[str], fields: list[ImportField]) -> dict[str, int]:
    """Field name → column index for the headings that name a field (the first column naming a
    field takes it). A heading joined with its group ("Tanggal Berlaku") is tried whole, then
    without its first words, then without its last."""
    known = [(f, f.headings()) for f in fields]
    mapping: dict[str, int] = {}
    for index, name in enumerate(names):
        parts = normalise(name).split(" ")
        candidates = [" ".join(parts[i:]) for i in range(len(parts))]
        candidates += [" ".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
        match = next(
            (
                f.name
                for candidate in candidates
                if candidate
                for f, headings in known
                if f.name not in mapping and candidate in headings
            ),
            None,
        )
        if match is not None:
            mapping[match] = index
    return mapping


# --- values -------------------------------------------------------------------------------


class CellError(Exception):
    """A cell's value is not what its field needs; `message` says why (translated)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def cell_text(value: Any) -> str:
    """A cell as text; a formula is refused (never evaluated), a long text too."""
    if value is None:
        return ""
    if is_formula(value):
        shown = value if isinstance(value, str) else getattr(value, "text", "")
        raise CellError(
            _("a formula (%(formula)s) is not evaluated: type its value", formula=str(shown)[:40])
        )
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\x00", "").strip()
    if len(text) > MAX_CELL:
        raise CellError(_("longer than %(max)s characters", max=MAX_CELL))
    return text


def text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = cell_text(value)
        if len(result) > max_length:
            raise CellError(_("longer than %(max)s characters", max=max_length))
        return result

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[Any], int | None]:
    def parse(value: Any) -> int | None:
        if isinstance(value, bool):
            raise CellError(_("not a whole number"))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        raw = cell_text(value)
        if not raw:
            return None
        try:
            number = (
                int(raw.replace(".", "")) if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw) else int(raw)
            )
        except ValueError as exc:
            raise CellError(_("“%(value)s” is not a whole number", value=raw[:40])) from exc
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise CellError(
                _("%(value)s is outside %(min)s to %(max)s", value=number, min=minimum, max=maximum)
            )
        return number

    return parse


MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "januari", "january"),
            ("feb", "februari", "february", "pebruari"),
            ("mar", "maret", "march"),
            ("apr", "april"),
            ("mei", "may"),
            ("jun", "juni", "june"),
            ("jul", "juli", "july"),
            ("agu", "agt", "agustus", "aug", "august"),
            ("sep", "sept", "september"),
            ("okt", "oktober", "oct", "october"),
            ("nov", "nopember", "november"),
            ("des", "desember", "dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?$"
)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_NAMED = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$")


def _from_serial(number: float) -> date | None:
    if SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return EXCEL_EPOCH + timedelta(days=int(number))
    return None


def parse_date(value: Any) -> date | None:
    """A date from a date cell, an Excel serial number (a date cell formatted as a number, or
    pasted as text), or text: 2026-12-07, 07/12/2026, 7-12-2026, 7 Desember 2026."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        raise CellError(_("a time where a date is expected"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        found = _from_serial(value)
        if found is None:
            raise CellError(_("the number %(value)s is not a date", value=value))
        return found
    raw = cell_text(value)
    if not raw:
        return None
    lowered = raw.casefold()
    try:
        if match := _ISO.match(lowered):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY.match(lowered):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if (match := _NAMED.match(lowered)) and match[2] in MONTHS:
            return date(int(match[3]), MONTHS[match[2]], int(match[1]))
    except ValueError as exc:
        raise CellError(_("“%(value)s” is not a date", value=raw[:40])) from exc
    if re.fullmatch(r"\d{5}(\.\d+)?", raw) and (found := _from_serial(float(raw))):
        return found
    raise CellError(_("“%(value)s” is not a date (write 2026-12-31 or 31/12/2026)", value=raw[:40]))


def choice(labels: dict[Any, Any], aliases: dict[str, Any] | None = None) -> Callable[[Any], Any]:
    """A value of a fixed list, named by its stored value, its label in Indonesian or English
    (as our exports write it) or an alias; empty gives None."""

    def known() -> dict[str, Any]:
        names: dict[str, Any] = {}
        for value, label in labels.items():
            names[normalise(getattr(value, "value", value))] = value
            for locale in ("en", "id"):
                with force_locale(locale):
                    names[normalise(str(label))] = value
        for alias, value in (aliases or {}).items():
            names[normalise(alias)] = value
        return names

    cache: dict[str, dict[str, Any]] = {}

    def parse(value: Any) -> Any:
        raw = cell_text(value)
        if not raw:
            return None
        if "names" not in cache:
            cache["names"] = known()
        found = cache["names"].get(normalise(raw))
        if found is None:
            listed = ", ".join(str(label) for label in labels.values())
            raise CellError(
                _("“%(value)s” is not one of: %(values)s", value=raw[:60], values=listed)
            )
        return found

    return parse


def parse_row(
    row: list[Any], mapping: dict[str, int], fields: list[ImportField]
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """A row's values by field, and the problems: (field name, message) pairs."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, Any]] = []
    for f in fields:
        index = mapping.get(f.name)
        raw = row[index] if index is not None and index < len(row) else None
        try:
            value = f.parse(raw)
        except CellError as error:
            problems.append((f.name, error.message))
            continue
        if f.required and (value is None or value == ""):
            problems.append((f.name, _("empty, but required")))
            continue
        values[f.name] = value
    return values, problems
