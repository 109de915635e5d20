"""The shared export writer: cells that a spreadsheet would run as formulas are plain text."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from qms.core.exports import Column, csv_lines, neutralise
from qms.core.roles import Role


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


def test_every_csv_export_goes_through_the_shared_writer():
    """No export writes CSV by itself: the neutralising writer is the only csv.writer (demo
    data may write the files it then imports)."""
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "qms"
    writers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "demo.py"
        and ("csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text())
    ]
    assert writers == ["core/exports.py"]


def test_a_formula_in_a_document_title_is_plain_text_in_the_master_list(app, client, auth):
    from tests.factories import AgencyFactory
    from tests.factories_documents import new_document, officer

    agency = AgencyFactory(code="DUKCAPIL")
    author = officer(agency)
    with app.test_request_context():
        new_document(author, agency, title='=HYPERLINK("http://evil.example","klik")')
    auth.login(author)
    exported = client.get("/documents/master-list.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.removeprefix("\ufeff"))))
    titles = [row[2] for row in rows[1:]]
    assert titles == ['\'=HYPERLINK("http://evil.example","klik")']


def test_a_formula_in_a_kecamatan_is_plain_text_in_the_business_dashboard(app, client, auth):
    from tests.factories import user_with_role
    from tests.factories_sme import BusinessFactory

    business = BusinessFactory(kecamatan="=cmd|' /C calc'!A0")
    officer = user_with_role(Role.COOP_OFFICER, city=business.city)
    auth.login(officer)
    exported = client.get("/sme/dashboard.csv").get_data(as_text=True)
    values = [
        cell for row in csv.reader(io.StringIO(exported.removeprefix("\ufeff"))) for cell in row
    ]
    assert "=cmd|' /C calc'!A0" not in values
    assert "'=cmd|' /C calc'!A0" in values
