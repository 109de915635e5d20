"""Every register's export as CSV and as an Excel workbook: read back with openpyxl (typed
cells, bold frozen headings in the user's language, neutralised formulas), the filters applied,
and only what the user may see."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from qms.core.exports import Column, write_xlsx
from qms.core.roles import Role
from qms.extensions import db
from tests.factories import AgencyFactory, user_with_role
from tests.factories_capa import ComplaintFactory, make_world, raise_nc
from tests.factories_documents import DocumentFactory


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    content = response.get_data()
    response.close()
    return load_workbook(io.BytesIO(content)).active


def _values(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_writer_types_cells_freezes_headings_and_neutralises_formulas():
    columns = [
        Column("Judul", lambda r: r["title"]),
        Column("Tanggal", lambda r: r["day"]),
        Column("Waktu", lambda r: r["at"]),
        Column("Jumlah", lambda r: r["count"]),
        Column("Kosong", lambda r: None),
    ]
    rows = [
        {
            "title": '=HYPERLINK("http://x")',
            "day": date(2026, 3, 2),
            "at": datetime(2026, 3, 2, 9, 30),
            "count": 7,
        },
        {
            "title": "SOP pelayanan KTP-el yang panjang sekali " * 3,
            "day": None,
            "at": None,
            "count": 0,
        },
    ]
    out = io.BytesIO()
    write_xlsx(out, "Uji", columns, rows)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet.title == "Uji" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["Judul", "Tanggal", "Waktu", "Jumlah", "Kosong"]
    assert all(c.font.bold for c in sheet[1])
    first = [c.value for c in sheet[2]]
    assert first[0] == '\'=HYPERLINK("http://x")'  # text, never a formula
    assert sheet["A2"].data_type == "s"
    assert first[1] == datetime(2026, 3, 2) and sheet["B2"].is_date
    assert first[2] == datetime(2026, 3, 2, 9, 30) and sheet["C2"].is_date
    assert first[3] == 7 and sheet["D2"].data_type == "n"
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["D"].width >= len("Jumlah")


@pytest.fixture
def world():
    return make_world()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_register_exports_what_the_user_sees_with_the_filters(client, auth, world, fmt):
    mine = raise_nc(world, statement="Tinjauan manajemen tidak dilaksanakan.")
    raise_nc(world, grade="minor", statement="Formulir tidak terkendali.")
    theirs = raise_nc(world, agency=world.rsud, statement="Kalibrasi tensimeter lewat.")
    db.session.commit()
    auth.login(world.officer)
    response = client.get(f"/capa/register.{fmt}?grade=major")
    if fmt == "xlsx":
        table = _values(_sheet(response))
    else:
        table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["Nomor", "OPD", "Sumber"]  # headings in the user's language
    numbers = [row[0] for row in table[1:]]
    assert numbers == [mine.number]  # the filter applied, another agency's left out
    assert theirs.number not in numbers
    if fmt == "xlsx":
        assert table[1][7] == datetime(2026, 3, 2)  # raised on, a date cell


def test_every_register_exports_as_a_workbook(client, auth, world):
    ComplaintFactory(agency=world.dukcapil)
    DocumentFactory(agency=world.dukcapil)
    raise_nc(world)
    db.session.commit()
    auth.login(world.admin)
    for path, heading in (
        ("/capa/complaints.xlsx", "Kanal"),
        ("/documents/master-list.xlsx", "OPD"),
        ("/audits/list.xlsx", "Nomor audit"),
        ("/planning/objectives.xlsx", "OPD"),
        ("/planning/risks.xlsx", "OPD"),
        ("/support/instruments.xlsx", "OPD"),
    ):
        sheet = _sheet(client.get(path))
        assert sheet.max_row >= 1 and sheet["A1"].value == heading, path
    complaints = _values(_sheet(client.get("/capa/complaints.xlsx")))
    assert len(complaints) == 2


def test_small_business_exports_hold_what_the_user_sees(client, auth):
    from tests.factories_sme import BusinessFactory, coop_officer

    business = BusinessFactory(name="Madu Hutan Timor")
    officer = coop_officer(business.city)
    other = BusinessFactory(name="Usaha Kota Lain")
    db.session.commit()
    auth.login(officer)
    rows = _values(_sheet(client.get("/sme/businesses.xlsx")))
    names = [row[1] for row in rows[1:]]
    assert names == ["Madu Hutan Timor"] and other.name not in names
    assert _sheet(client.get("/sme/pathways.xlsx")).max_row == 1  # headings only
    auth.logout()
    auth.login(user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=business.city)))
    assert _sheet(client.get("/sme/businesses.xlsx")).max_row == 1  # sees no business
