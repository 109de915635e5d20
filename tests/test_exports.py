"""The shared export writer: cells that a spreadsheet would run as formulas are plain text."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from qms.core.exports import Column, csv_lines, neutralise


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil","klik")', '\'=HYPERLINK("http://evil","klik")'),
        ("+62 812", "'+62 812"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("SOP-DUKCAPIL-003", "SOP-DUKCAPIL-003"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (Decimal("2.5"), Decimal("2.5")),
        (date(2026, 12, 6), "2026-12-06"),
    ],
)
def test_formula_starts_are_neutralised_and_numbers_kept(value, written):
    assert neutralise(value) == written


def test_csv_lines_write_a_bom_headings_and_neutralised_rows():
    columns = [Column("Judul", lambda row: row["title"]), Column("Revisi", lambda row: row["rev"])]
    rows = [{"title": "=1+1", "rev": 2}, {"title": "Penerbitan KTP-el", "rev": -1}]
    text = "".join(csv_lines(columns, rows))
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert parsed == [["Judul", "Revisi"], ["'=1+1", "2"], ["Penerbitan KTP-el", "-1"]]
