"""Standards from spreadsheets: a sheet of clauses (XLSX or CSV) turned into the YAML of
checklists/standards/, checked by the same loader as every checklist file
(`qms.core.checklists.parse_text`). Every bad row is reported by its row number, and nothing is
written while any row is bad.

The sheet: one heading row (found among the first rows: a title above it, merged cells, empty
rows are fine), then one row per clause. A clause row has its number (text: "4.1"), its parent
(or empty: the number without its last part), its title in Indonesian and English, whether the
standard gives it no title, its documented-information tag (none, maintain, retain,
maintain_retain; empty is none), a requirement summary in both languages, and may carry its
first audit question with typical evidence. A row without a number that has only a question
(and evidence) adds a question to the clause above it. Question keys follow their order under
the clause ("8.7-01", "8.7-02", …). The README lists the headings accepted.

Formulas are never evaluated (the workbook is read in read-only mode without computed values):
a cell holding one is reported. A date or a fractional number where a clause number is
expected is reported too (a spreadsheet turns "4.10" into 4.1 and "4.1" into a date)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qms.core.checklists import ChecklistError, parse_text
from qms.core.spreadsheets import (
    SpreadsheetError,
    column_letter,
    open_workbook,
    unpacked_size,
)
from qms.standards.clause_sheet import (
    HEADER_SEARCH_ROWS,
    Heading,
    ImportRefused,
    Rows,
    cell_text,
    csv_rows,
    find_heading,
    words_of,
    workbook_rows,
)
from qms.standards.models import DocumentedInformation

#: larger files are refused before they are opened (the SNI ISO 9001 sheet is about 100 KB)
MAX_FILE_BYTES = 5 * 1024 * 1024
#: a workbook is a zip: larger unpacked contents are refused before parsing (the shared strings
#: are read whole even in read-only mode, so a small file could still unpack to gigabytes)
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: rows read at most: a standard has a few hundred clauses and questions, not thousands
MAX_ROWS = 3000
#: documented-information tags as typed, to the loader's values
TAGS = {
    "": "none",
    "none": "none",
    "-": "none",
    "tidak ada": "none",
    "maintain": "maintain",
    "dipelihara": "maintain",
    "retain": "retain",
    "disimpan": "retain",
    "maintain_retain": "maintain_retain",
    "maintain retain": "maintain_retain",
    "maintain and retain": "maintain_retain",
    "maintain+retain": "maintain_retain",
    "maintain, retain": "maintain_retain",
}
TRUE = {"yes", "ya", "y", "true", "benar", "1", "x"}
FALSE = {"", "no", "tidak", "n", "false", "salah", "0"}

META_SHEETS = {"standard", "standar", "metadata"}
META_KEYS = {
    "code": "code",
    "kode": "code",
    "version": "version",
    "versi": "version",
    "title id": "title_id",
    "judul id": "title_id",
    "title en": "title_en",
    "judul en": "title_en",
    "publisher": "publisher",
    "penerbit": "publisher",
}
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)*$")


@dataclass
class ImportResult:
    #: the standard as the YAML holds it; None while any problem stands
    data: dict | None = None
    #: what is wrong, each naming its row ("row 12: …") where it has one
    problems: list[str] = field(default_factory=list)
    #: what the reader did: the sheet read, columns ignored
    notes: list[str] = field(default_factory=list)


# --- building the tree -------------------------------------------------------------------


@dataclass
class _Clause:
    row: int
    item: dict
    parent: str | None
    children: list[_Clause] = field(default_factory=list)
    #: its row was reported: its questions were not read, so "no question" would only repeat it
    refused: bool = False


class _Builder:
    def __init__(self, heading: Heading) -> None:
        self.columns = heading.columns
        self.problems: list[str] = []
        self.clauses: dict[str, _Clause] = {}
        self.roots: list[_Clause] = []
        self.last: _Clause | None = None
        #: the last clause row was refused: the question rows under it are not read (they
        #: would land on the clause above it), its problem is reported already
        self.orphaned = False

    def cell(self, row_number: int, row: list[Any], name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(row):
            return ""
        text, problem = cell_text(row[index], clause_number=name in {"number", "parent"})
        if problem:
            self.problem(row_number, f"column {column_letter(index)} ({name}): {problem}")
        return text

    def problem(self, row_number: int, text: str) -> None:
        self.problems.append(f"row {row_number}: {text}")

    def add(self, row_number: int, row: list[Any]) -> None:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            return
        before = len(self.problems)
        values = {name: self.cell(row_number, row, name) for name in self.columns}
        if len(self.problems) > before:
            self.orphaned = (
                self.orphaned
                or bool(values.get("number"))
                or any(
                    index < len(row) and row[index] is not None
                    for name, index in self.columns.items()
                    if name in {"number", "title_id", "title_en"}
                )
            )
            return
        clause_fields = ("parent", "title_id", "title_en", "untitled", "documented_information")
        clause_fields += ("requirement_id", "requirement_en")
        if not values.get("number"):
            if any(values.get(f) for f in clause_fields):
                self.problem(row_number, "missing clause number")
                self.orphaned = True
            elif self.orphaned:
                return
            elif self.last is None:
                self.problem(row_number, "a question before the first clause")
            else:
                self.question(row_number, values, self.last)
            return
        self.clause(row_number, values)

    def clause(self, row_number: int, values: dict[str, str]) -> None:
        number = values["number"]
        self.orphaned = True
        if not NUMBER.match(number):
            self.problem(row_number, f"bad clause number {number!r} (digits and dots: 8.7)")
            return
        if number in self.clauses:
            first = self.clauses[number].row
            self.problem(row_number, f"duplicate clause number {number} (first on row {first})")
            return
        parent = values.get("parent") or (number.rsplit(".", 1)[0] if "." in number else "")
        ok = True
        linked = not parent
        if parent and parent not in self.clauses:
            self.problem(row_number, f"unknown parent {parent} (no row above has that number)")
            ok = False
        elif parent and not number.startswith(parent + "."):
            self.problem(row_number, f"clause {number} cannot be under {parent}")
            ok = False
        elif parent and self.clauses[parent].item.get("questions"):
            self.problem(
                row_number,
                f"the parent {parent} has questions of its own: a clause has either questions "
                "or sub-clauses",
            )
            ok = False
        else:
            linked = True
        item: dict[str, Any] = {"number": number}
        titles = {}
        for language, name in (("id", "Indonesian"), ("en", "English")):
            titles[language] = values.get(f"title_{language}", "")
            if not titles[language]:
                self.problem(row_number, f"empty title ({name})")
                ok = False
        item["title"] = titles
        untitled = values.get("untitled", "").lower()
        if untitled in TRUE:
            item["untitled"] = True
        elif untitled not in FALSE:
            self.problem(row_number, f"untitled must be yes or no, not {untitled!r}")
            ok = False
        tag = " ".join(values.get("documented_information", "").lower().split())
        if tag not in TAGS:
            allowed = ", ".join(d.value for d in DocumentedInformation)
            self.problem(
                row_number,
                f"bad documented-information tag {values['documented_information']!r} "
                f"(one of {allowed}, or empty for none)",
            )
            ok = False
        item["documented_information"] = TAGS.get(tag, "none")
        requirement = self.pair(row_number, values, "requirement", "requirement summary")
        if requirement:
            item["requirement"] = requirement
        clause = _Clause(row_number, item, parent or None)
        self.clauses[number] = clause
        self.orphaned = False
        if clause.parent and linked:
            self.clauses[clause.parent].children.append(clause)
        elif not clause.parent:
            self.roots.append(clause)
        self.last = clause
        if not ok:
            clause.refused = True
            return
        if any(values.get(f) for f in ("question_id", "question_en", "evidence_id", "evidence_en")):
            self.question(row_number, values, clause)

    def pair(self, row_number: int, values: dict[str, str], name: str, label: str) -> dict | None:
        given = {lang: values.get(f"{name}_{lang}", "") for lang in ("id", "en")}
        if not any(given.values()):
            return None
        for lang, language in (("id", "Indonesian"), ("en", "English")):
            if not given[lang]:
                self.problem(row_number, f"{label} without its {language} text")
                return None
        return given

    def question(self, row_number: int, values: dict[str, str], clause: _Clause) -> None:
        if clause.children:
            self.problem(
                row_number,
                f"clause {clause.item['number']} has sub-clauses: put its questions on them",
            )
            return
        text = self.pair(row_number, values, "question", "question")
        evidence = self.pair(row_number, values, "evidence", "typical evidence")
        if text is None:
            if evidence is not None or not any(values.get(f"question_{x}") for x in ("id", "en")):
                self.problem(row_number, "typical evidence without a question")
            return
        questions = clause.item.setdefault("questions", [])
        entry: dict[str, Any] = {
            "key": f"{clause.item['number']}-{len(questions) + 1:02d}",
            "text": text,
        }
        if evidence:
            entry["evidence"] = evidence
        questions.append(entry)

    def tree(self) -> list[dict]:
        for clause in self.clauses.values():
            if not clause.children and not clause.item.get("questions") and not clause.refused:
                self.problem(clause.row, f"clause {clause.item['number']} has no question")
        return [self._item(c) for c in self.roots]

    def _item(self, clause: _Clause) -> dict:
        item = dict(clause.item)
        questions = item.pop("questions", None)
        if clause.children:
            item["clauses"] = [self._item(c) for c in clause.children]
        elif questions:
            item["questions"] = questions
        return item


# --- the standard's own fields -----------------------------------------------------------


def _metadata(rows: Rows) -> dict[str, str]:
    found: dict[str, str] = {}
    for _number, row in rows:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        key = META_KEYS.get(" ".join(words_of(row[0])))
        text, problem = cell_text(row[1])
        if key and text and not problem:
            found[key] = text
    return found


# --- the whole file ----------------------------------------------------------------------


def _open_workbook(path: Path) -> Any:
    """The workbook by the shared reader (qms.core.spreadsheets): read-only, so the sheets
    stream; without computed values, so a formula reads as its text and is reported."""
    try:
        unpacked = unpacked_size(path)
        if unpacked > MAX_UNPACKED_BYTES:
            raise ImportRefused(
                f"{path.name} unpacks to {unpacked / 1_048_576:.0f} MB; a standard's workbook is "
                f"refused above {MAX_UNPACKED_BYTES // 1_048_576} MB"
            )
        return open_workbook(path)
    except SpreadsheetError as exc:
        cause = exc.__cause__ or exc
        raise ImportRefused(f"{path.name} is not a readable XLSX workbook ({cause})") from exc


def read_standard(
    path: Path, *, sheet: str | None = None, metadata: dict[str, str] | None = None
) -> ImportResult:
    """Read a clause sheet (XLSX or CSV) into the standard's YAML data; the standard's code,
    version, titles and publisher come from `metadata` or a sheet named "Standar"/"Standard"
    of the workbook (rows of key and value: code, version, title id, title en, publisher)."""
    result = ImportResult()
    if not path.is_file():
        raise ImportRefused(f"{path} does not exist")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportRefused(
            f"{path.name} is {size / 1_048_576:.1f} MB; a standard's sheet is refused above "
            f"{MAX_FILE_BYTES // 1_048_576} MB (a standard has hundreds of rows, not thousands)"
        )
    suffix = path.suffix.lower()
    meta: dict[str, str] = {}
    workbook = None
    if suffix == ".csv":
        if sheet:
            raise ImportRefused("a CSV file has no sheets: leave out --sheet")
        rows: Rows = csv_rows(path)
        found = find_heading(rows)
    elif suffix in {".xlsx", ".xlsm"}:
        workbook = _open_workbook(path)
        names = workbook.sheetnames
        meta_name = next((n for n in names if n.strip().lower() in META_SHEETS), None)
        if meta_name is not None:
            meta = _metadata(workbook_rows(workbook[meta_name]))
        if sheet is not None:
            if sheet not in names:
                raise ImportRefused(
                    f"no sheet named {sheet!r}; the sheets are: " + ", ".join(names)
                )
            candidates = [sheet]
        else:
            candidates = [n for n in names if n != meta_name]
        found = None
        for name in candidates:
            rows = workbook_rows(workbook[name])
            found = find_heading(rows)
            if found is not None:
                others = [n for n in names if n not in {name, meta_name}]
                result.notes.append(
                    f"read the sheet {name!r} (sheet {names.index(name) + 1} of {len(names)})"
                    + (
                        f"; not read: {', '.join(repr(n) for n in others)} (choose with --sheet)"
                        if others
                        else ""
                    )
                    + (f"; the standard's details from the sheet {meta_name!r}" if meta else "")
                )
                break
    else:
        raise ImportRefused(f"{path.name}: give an .xlsx or a .csv file")
    try:
        if found is None:
            raise ImportRefused(
                f"no heading row with a clause-number column (“Nomor” or “Number”) in the "
                f"first {HEADER_SEARCH_ROWS} rows" + (f" of the sheet {sheet!r}" if sheet else "")
            )
        heading, pending = found
        result.notes.extend(heading.notes)
        if heading.problems:
            result.problems.extend(f"heading: {p}" for p in heading.problems)
            return result
        builder = _Builder(heading)
        for count, (number, row) in enumerate(itertools.chain(pending, rows), start=1):
            if count > MAX_ROWS:
                raise ImportRefused(
                    f"more than {MAX_ROWS} rows: a standard's sheet is refused above that "
                    "(is it the right file, or the right sheet?)"
                )
            builder.add(number, row)
        clauses = builder.tree()
    finally:
        if workbook is not None:
            workbook.close()
    result.problems.extend(builder.problems)
    meta.update({k: v for k, v in (metadata or {}).items() if v})
    for key in ("code", "version", "title_id", "title_en"):
        if not meta.get(key):
            result.problems.append(
                f"the standard's {key.replace('_', ' ')} is missing: give --{key.replace('_', '-')}"
                " or a row in the sheet “Standar”"
            )
    if result.problems:
        return result
    result.data = {
        "kind": "standard",
        "code": meta["code"],
        "version": meta["version"],
        "title": {"id": meta["title_id"], "en": meta["title_en"]},
        **({"publisher": meta["publisher"]} if meta.get("publisher") else {}),
        "clauses": clauses,
    }
    return result


def counts(data: dict) -> tuple[int, int]:
    """The clauses and questions of a standard's data."""

    def walk(items: list[dict]) -> tuple[int, int]:
        clauses = questions = 0
        for item in items:
            sub = walk(item.get("clauses", []))
            clauses += 1 + sub[0]
            questions += len(item.get("questions", [])) + sub[1]
        return clauses, questions

    return walk(data["clauses"])


def to_yaml(data: dict, source_name: str) -> str:
    header = (
        f"# {data['code']}: generated by `flask qms import-standard` from {source_name}.\n"
        "# Edit the spreadsheet and import it again rather than this file.\n"
    )
    return header + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=1_000_000, default_flow_style=False
    )


def import_standard(
    path: Path,
    out: Path,
    *,
    sheet: str | None = None,
    metadata: dict[str, str] | None = None,
) -> tuple[ImportResult, str | None]:
    """Read the sheet and check the YAML with the loader; answers the result and the YAML text
    (None when refused). Writes nothing: the caller writes the text."""
    result = read_standard(path, sheet=sheet, metadata=metadata)
    if result.data is None:
        return result, None
    text = to_yaml(result.data, path.name)
    try:
        parse_text(text, out)
    except ChecklistError as error:
        result.problems.extend(f"the loader refuses it: {p}" for p in error.problems)
        result.data = None
        return result, None
    return result, text
