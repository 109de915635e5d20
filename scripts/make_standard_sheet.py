"""Write checklists/sources/sni-iso-37001-2016.xlsx from its CSV source beside it: the workbook
a person at BSN or an agency would keep, and the file `flask qms import-standard` turns into
checklists/standards/sni-iso-37001-2016.yaml. The CSV (one row per clause, a row without a
number adds a question to the clause above) is what is edited; this script lays it out as a
spreadsheet with a title row, headings merged over their two languages, a sheet "Standar" with
the standard's code, version, titles and publisher, and a sheet of notes. Deterministic: the
same workbook every run.

    python scripts/make_standard_sheet.py
    FLASK_APP=qms flask qms import-standard checklists/sources/sni-iso-37001-2016.xlsx
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

SOURCES = Path(__file__).resolve().parent.parent / "checklists" / "sources"
NAME = "sni-iso-37001-2016"
STANDARD = [
    ("Kode", "SNI-ISO-37001-2016"),
    ("Versi", "2016"),
    ("Judul ID", "SNI ISO 37001:2016 Sistem manajemen anti penyuapan — Persyaratan dengan panduan"),
    (
        "Judul EN",
        "SNI ISO 37001:2016 Anti-bribery management systems — Requirements with guidance for use",
    ),
    ("Penerbit", "BSN"),
]
#: the heading rows: groups (a group over two columns is merged) and their languages
GROUPS = [
    ("Nomor", 1),
    ("Induk", 1),
    ("Judul", 2),
    ("Tanpa judul", 1),
    ("Informasi terdokumentasi", 1),
    ("Persyaratan", 2),
    ("Pertanyaan audit", 2),
    ("Bukti tipikal", 2),
]
WIDTHS = [8, 8, 36, 36, 10, 16, 60, 60, 70, 70, 50, 50]
NOTES = [
    "Satu baris per klausul: nomor (sebagai teks), induk (kosong: nomor tanpa bagian terakhir), "
    "judul dalam dua bahasa, tag informasi terdokumentasi (none, maintain, retain, "
    "maintain_retain; kosong = none), ringkasan persyaratan dengan kata-kata sendiri.",
    "Baris tanpa nomor yang hanya berisi pertanyaan dan bukti menambah pertanyaan pada klausul "
    "di atasnya. Jangan memakai rumus.",
    "One row per clause; a row without a number that holds only a question adds a question to "
    "the clause above it. No formulas.",
]


def build(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    book = Workbook()
    sheet = book.active
    sheet.title = "Klausul"
    sheet["A1"] = (
        "SNI ISO 37001:2016 — Sistem Manajemen Anti Penyuapan (SMAP): daftar periksa audit"
    )
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(WIDTHS))
    column = 1
    for heading, span in GROUPS:
        sheet.cell(row=3, column=column, value=heading).font = Font(bold=True)
        if span == 2:
            sheet.merge_cells(start_row=3, start_column=column, end_row=3, end_column=column + 1)
            sheet.cell(row=4, column=column, value="Indonesia").font = Font(bold=True)
            sheet.cell(row=4, column=column + 1, value="English").font = Font(bold=True)
        else:
            sheet.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
        column += span
    for offset, row in enumerate(rows):
        for index, value in enumerate(row, start=1):
            if value:
                cell = sheet.cell(row=5 + offset, column=index, value=value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                # clause numbers stay text: 4.10 is not 4.1
                cell.number_format = "@"
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(65 + index)].width = width
    sheet.freeze_panes = "C5"
    standard = book.create_sheet("Standar")
    for key, value in STANDARD:
        standard.append([key, value])
    standard.column_dimensions["A"].width = 12
    standard.column_dimensions["B"].width = 90
    notes = book.create_sheet("Catatan")
    for note in NOTES:
        notes.append([note])
    notes.column_dimensions["A"].width = 120
    fixed = datetime(2026, 12, 7)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = "qms scripts/make_standard_sheet.py"
    book.save(target)
    _fix_zip_times(target)


def _fix_zip_times(target: Path) -> None:
    """The zip entries carry the time they were written: fix it, so that the same CSV gives the
    same bytes (and git sees no change) on every run."""
    import zipfile

    with zipfile.ZipFile(target) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 12, 7, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            out.writestr(fixed, data)


if __name__ == "__main__":
    build(SOURCES / f"{NAME}.csv", SOURCES / f"{NAME}.xlsx")
    print(f"wrote {SOURCES / f'{NAME}.xlsx'}")
