"""Reading a sheet of clauses: the text of its cells (a formula, a date or a number stored
where text is expected is reported) and its heading row, found among the first rows whatever
its layout (a title above it, merged group headings, the languages on a row of their own),
with the field each column holds."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from qms.core.spreadsheets import column_letter, delimiter_of, is_formula, sheet_rows

#: columns read at most in a row
MAX_COLUMNS = 40
#: the heading row is looked for among the first rows
HEADER_SEARCH_ROWS = 20

LANGUAGES = {
    "id": "id",
    "ind": "id",
    "indonesia": "id",
    "indonesian": "id",
    "en": "en",
    "eng": "en",
    "english": "en",
    "inggris": "en",
}
#: words of a heading that say nothing ("Judul (Bahasa Indonesia)")
FILLER = {"bahasa", "in", "the", "dalam", "text", "teks"}

#: the fields of a row and the headings (lower case, without the language) that name them
ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("number", "no", "nomor", "clause", "klausul", "clause number", "nomor klausul"),
    "parent": ("parent", "induk", "parent clause", "klausul induk", "parent number"),
    "title": ("title", "judul", "clause title", "judul klausul"),
    "untitled": ("untitled", "tanpa judul", "no title"),
    "documented_information": (
        "documented information",
        "informasi terdokumentasi",
        "documented information tag",
        "tag",
        "tags",
    ),
    "requirement": (
        "requirement",
        "persyaratan",
        "requirement summary",
        "ringkasan persyaratan",
    ),
    "question": ("question", "pertanyaan", "audit question", "pertanyaan audit"),
    "evidence": ("evidence", "bukti", "typical evidence", "bukti tipikal", "contoh bukti"),
}
BILINGUAL = ("title", "requirement", "question", "evidence")
REQUIRED_COLUMNS = ("number", "title_id", "title_en")


class ImportRefused(Exception):
    """The file cannot be read at all (too large, not a spreadsheet, no heading row…)."""


# --- reading cells ------------------------------------------------------------------------


def words_of(heading: str) -> list[str]:
    return re.sub(r"[^0-9a-z]+", " ", heading.lower()).split()


def field_of(heading: str) -> str | None:
    """The field a heading names ("Judul (Indonesia)" → title_id), or None."""
    words = [w for w in words_of(heading) if w not in FILLER]
    language = next((LANGUAGES[w] for w in words if w in LANGUAGES), None)
    rest = " ".join(w for w in words if w not in LANGUAGES)
    for name, aliases in ALIASES.items():
        if rest in aliases:
            if name in BILINGUAL:
                return f"{name}_{language}" if language else f"{name}_?"
            return name
    return None


def is_language(value: Any) -> bool:
    return (
        isinstance(value, str)
        and words_of(value) != []
        and all(w in LANGUAGES or w in FILLER for w in words_of(value))
    )


def cell_text(value: Any, *, clause_number: bool = False) -> tuple[str, str | None]:
    """The text of a cell, and the problem with it (None when fine)."""
    if value is None:
        return "", None
    if is_formula(value):
        shown = value if isinstance(value, str) else getattr(value, "text", "formula")
        return "", f"a formula ({str(shown)[:40]}) is not evaluated: type its value"
    if isinstance(value, bool):
        return "", "a true/false value where text is expected"
    if isinstance(value, datetime | date | time):
        return "", (
            f"a date ({value.isoformat()}) where text is expected: the spreadsheet may have "
            "turned the text into a date; format the column as text and type it again"
        )
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value)), None
        if clause_number:
            return "", (
                f"the clause number {value} is stored as a number, so 4.10 and 4.1 cannot be "
                "told apart: format the column as text and type it again"
            )
        return repr(value), None
    return str(value).strip(), None


# --- reading rows -------------------------------------------------------------------------

Rows = Iterator[tuple[int, list[Any]]]


def csv_rows(path: Path) -> Rows:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"{path.name} is not UTF-8 text: save the CSV as UTF-8 ({exc.reason} at byte "
            f"{exc.start})"
        ) from exc
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text))
    try:
        for number, row in enumerate(reader, start=1):
            yield number, list(row[:MAX_COLUMNS])
    except csv.Error as exc:
        raise ImportRefused(f"{path.name} is not a readable CSV file: {exc}") from exc


def workbook_rows(sheet: Any) -> Rows:
    return sheet_rows(sheet, MAX_COLUMNS)


@dataclass
class Heading:
    columns: dict[str, int]
    problems: list[str]
    notes: list[str]


def find_heading(rows: Rows) -> tuple[Heading, list[tuple[int, list[Any]]]] | None:
    """Read rows until the heading (the row with a clause-number column). A row naming only
    languages under it ("Judul" merged over "Indonesia" and "English") or the heading naming
    languages under a row of groups is part of the heading. Answers the heading and the rows
    read past it, or None when no heading is among the first rows."""
    previous: list[Any] = []
    for count, (_number, row) in enumerate(rows, start=1):
        if count > HEADER_SEARCH_ROWS:
            return None
        if is_heading(row):
            following = next(rows, None)
            if following is not None and has_language(following[1]):
                return heading_of(row, following[1]), []
            groups = previous if has_language(row) else []
            return heading_of(groups, row), [following] if following is not None else []
        previous = row
    return None


def has_language(row: list[Any]) -> bool:
    return any(is_language(v) for v in row)


def is_heading(row: list[Any]) -> bool:
    return any(isinstance(v, str) and field_of(v) == "number" for v in row)


def heading_of(groups: list[Any], names: list[Any]) -> Heading:
    """Columns by field from a heading row; a cell naming only a language takes the group
    heading above it (a merged cell keeps its text in its first column only), and an empty
    cell under a group heading takes that heading."""
    columns: dict[str, int] = {}
    problems: list[str] = []
    notes: list[str] = []
    group = ""
    width = max(len(groups), len(names))
    for index in range(width):
        above = groups[index] if index < len(groups) else None
        name = names[index] if index < len(names) else None
        if isinstance(above, str) and above.strip():
            group = above
        if isinstance(name, str) and name.strip():
            heading = f"{group} {name}" if is_language(name) else name
        elif isinstance(above, str) and above.strip():
            heading = above
        else:
            if name is not None:
                notes.append(f"column {column_letter(index)}: heading {name!r} is not read")
            continue
        found = field_of(heading)
        if found is None:
            notes.append(f"column {column_letter(index)} ({heading.strip()}) is not read")
        elif found.endswith("_?"):
            problems.append(
                f"column {column_letter(index)} ({heading.strip()}) needs a language: "
                "write “(Indonesia)” or “(English)” in its heading"
            )
        elif found in columns:
            problems.append(
                f"column {column_letter(index)} ({heading.strip()}) repeats column "
                f"{column_letter(columns[found])}"
            )
        else:
            columns[found] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    return Heading(columns, problems, notes)
