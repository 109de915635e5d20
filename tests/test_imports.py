"""Registers in from spreadsheets (qms/imports, qms/core/spreadsheets.py): the document master
list, the nonconformity log and the small-business list, uploaded as XLSX or CSV, their columns
mapped (proposed from the headings, confirmed by the user), every row reported, and imported only
when the uploader confirms; the same file twice stores nothing twice; numbers kept where they
fit the agency's pattern and reported where they do not; only where the user may write."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from qms.capa.models import NcStatus, Nonconformity
from qms.core.history import HistoryEntry
from qms.documents.models import Document, DocumentStatus, DocumentType
from qms.extensions import db
from qms.imports.models import ImportBatch
from qms.sme.models import Business
from tests.factories import AgencyFactory, CityFactory
from tests.factories_capa import make_world
from tests.factories_documents import multipart
from tests.factories_sme import BusinessFactory, coop_officer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def upload(client, kind: str, data: bytes, name: str, owner_id: int | None = None):
    fields = {} if owner_id is None else {"owner_id": str(owner_id)}
    return client.post(f"/imports/{kind}/new", **multipart(fields, data, name))


def batch_of(response) -> ImportBatch:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    batch_id = int(response.headers["Location"].split("/imports/")[1].split("/")[0])
    return db.session.get(ImportBatch, batch_id)


def map_and_check(client, batch: ImportBatch, changes: dict | None = None):
    mapping = {f"map-{k}": str(v) for k, v in batch.mapping.items()}
    mapping.update(changes or {})
    response = client.post(f"/imports/{batch.id}/mapping", data=mapping)
    db.session.refresh(batch)
    return response


def full_import(client, kind, data, name, owner_id=None) -> ImportBatch:
    batch = batch_of(upload(client, kind, data, name, owner_id))
    assert map_and_check(client, batch).status_code == 302
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 302
    db.session.refresh(batch)
    return batch


DOC_HEADINGS = ["Kode", "Judul", "Jenis", "Revisi", "Tanggal berlaku", "Status"]


@pytest.fixture
def world():
    return make_world()


def test_a_master_list_is_mapped_reported_and_imported_only_on_confirmation(client, auth, world):
    data = workbook(
        (
            "Daftar Induk",
            [
                ["DAFTAR INDUK DOKUMEN DINAS DUKCAPIL"],  # a title above the headings
                [],
                DOC_HEADINGS,
                ["SOP-DUKCAPIL-007", "Penerbitan KTP-el", "SOP", 2, date(2025, 3, 3), "Berlaku"],
                ["LAMA/01", "Formulir permohonan", "Formulir", 0, "03/02/2024", ""],
                [None, None, None, None, None, None],
                ["IK-DUKCAPIL-001", "=CONCAT(A1,B1)", "Instruksi kerja", 1, 45000, ""],
                ["SOP-DUKCAPIL-008", "Tanpa tanggal", "SOP", 1, "kemarin", ""],
            ],
        )
    )
    auth.login(world.officer)
    batch = batch_of(upload(client, "documents", data, "daftar-induk.xlsx"))
    assert batch.heading_row == 3 and batch.agency_id == world.dukcapil.id
    assert batch.mapping == {
        "code": 0,
        "title": 1,
        "doc_type": 2,
        "revision": 3,
        "effective_on": 4,
        "status": 5,
    }
    page = client.get(f"/imports/{batch.id}/mapping").get_data(as_text=True)
    assert "Tanggal berlaku" in page
    assert db.session.scalar(select(func.count(Document.id))) == 0

    assert map_and_check(client, batch).status_code == 302
    report = batch.report
    assert (report["total"], report["empty"], report["valid"], report["new"]) == (4, 1, 2, 2)
    errors = {(e["row"], e["column"].split(" ")[0]): e["message"] for e in report["errors"]}
    assert "rumus (=CONCAT(A1,B1)) tidak dihitung" in errors[(7, "B")]  # never evaluated
    assert "kemarin" in errors[(8, "E")]
    assert [n["given"] for n in report["renumbering"]] == ["LAMA/01"]
    assert db.session.scalar(select(func.count(Document.id))) == 0  # nothing stored yet
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "LAMA/01" in page and "kemarin" in page

    assert client.post(f"/imports/{batch.id}/confirm").status_code == 302
    documents = {d.title: d for d in db.session.scalars(select(Document))}
    kept = documents["Penerbitan KTP-el"]
    assert kept.code == "SOP-DUKCAPIL-007" and kept.seq == 7
    assert kept.status == DocumentStatus.EFFECTIVE
    assert kept.current_revision.number == 2
    assert kept.current_revision.effective_on == date(2025, 3, 3)
    renumbered = documents["Formulir permohonan"]
    assert renumbered.code == "FRM-DUKCAPIL-001"
    assert renumbered.current_revision.effective_on == date(2024, 2, 3)
    db.session.refresh(batch)
    assert batch.report["renumbering"][0]["number"] == "FRM-DUKCAPIL-001"
    # the history is written as for any create
    created = db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.record_type == "documents", HistoryEntry.record_id == kept.id
        )
    ).all()
    assert [e.action for e in created][:1] == ["create"]
    assert created[0].actor_id == world.officer.id
    # the next document of the type follows the kept number
    from qms.documents.operations import DocumentValues, create_document

    nxt = create_document(
        world.officer, world.dukcapil, DocumentType.PROCEDURE, DocumentValues("X")
    )
    assert nxt.code == "SOP-DUKCAPIL-008"

    # the same file again: nothing twice (the renumbered one is known by its old code too)
    again = full_import(client, "documents", data, "daftar-induk.xlsx")
    assert (again.report["present"], again.report["imported"]) == (2, 0)
    assert db.session.scalar(select(func.count(Document.id))) == 3
    # confirming a batch a second time (a double click) is refused and stores nothing
    refused = client.post(f"/imports/{batch.id}/confirm", follow_redirects=True)
    assert refused.status_code == 200
    assert "sudah dikonfirmasi" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 3


# --- the demo's own exports, back into an empty agency -------------------------------------


@pytest.fixture
def demo(demo_seeded):
    from qms.organisations.models import Agency

    return {a.code: a for a in db.session.scalars(select(Agency))}


def exported_rows(client, path: str, fmt: str) -> list[list]:
    response = client.get(path.replace("{fmt}", fmt))
    assert response.status_code == 200, path
    data = response.get_data()
    response.close()
    if fmt == "csv":
        return [row for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def _plain(value):
    """A cell as compared: a date (or a timestamp's date) as ISO text, the rest as text."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text[:10] if len(text) >= 19 and text[4] == "-" and text[10] in "T " else text


def comparable(rows: list[list], leave_out: set[str], key: str) -> list[dict]:
    headings = [str(h) for h in rows[0]]
    records = [
        {h: _plain(v) for h, v in zip(headings, row, strict=False) if h not in leave_out}
        for row in rows[1:]
    ]
    return sorted(records, key=lambda r: (r[key], sorted(r.items())))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_demos_master_list_and_register_come_back_into_an_empty_agency(client, auth, demo, fmt):
    from qms.demo import DEMO_PASSWORD

    dukcapil = demo["DUKCAPIL"]
    empty = AgencyFactory(city=dukcapil.city, code="BARU", name="Dinas Baru")
    db.session.commit()
    assert auth.login("admin.kupang@demo.qms.id", DEMO_PASSWORD).status_code == 302

    documents = f"/documents/master-list.{{fmt}}?agency_id={dukcapil.id}"
    original = exported_rows(client, documents, fmt)
    assert len(original) > 5
    data = client.get(documents.replace("{fmt}", fmt)).get_data()
    batch = batch_of(upload(client, "documents", data, f"daftar.{fmt}", empty.id))
    assert batch.agency_id == empty.id
    # every column the export writes is proposed, but the agency's (the rows go to the one chosen)
    assert set(batch.mapping) == {
        "code", "title", "doc_type", "revision", "effective_on", "next_review_on", "status",
        "review_period_months", "retention_years",
    }  # fmt: skip
    assert map_and_check(client, batch).status_code == 302
    assert batch.report["error_count"] == 0, batch.report["errors"]
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 302
    db.session.refresh(batch)
    # another agency's codes do not fit this one's pattern: each got its own, and is reported
    assert batch.report["imported"] == batch.report["renumbered"] == len(original) - 1
    back = exported_rows(client, f"/documents/master-list.{{fmt}}?agency_id={empty.id}", fmt)
    leave_out = {str(original[0][0]), str(original[0][1])}  # the agency, the code
    assert comparable(back, leave_out, str(original[0][2])) == comparable(
        original, leave_out, str(original[0][2])
    )
    assert all(
        str(row[1]).endswith(tuple(f"-BARU-{n:03d}" for n in range(1, 99))) for row in back[1:]
    )

    register = f"/capa/register.{{fmt}}?agency_id={dukcapil.id}"
    original = exported_rows(client, register, fmt)
    assert len(original) > 3
    data = client.get(register.replace("{fmt}", fmt)).get_data()
    batch = full_import(client, "nonconformities", data, f"kts.{fmt}", empty.id)
    assert batch.report["error_count"] == 0, batch.report["errors"]
    assert batch.report["imported"] == len(original) - 1
    back = exported_rows(client, f"/capa/register.{{fmt}}?agency_id={empty.id}", fmt)
    headings = [str(h) for h in original[0]]
    status = headings[9]
    leave_out = {headings[0], headings[1], status}  # number, agency; the status below
    statement = headings[6]
    assert comparable(back, leave_out, statement) == comparable(original, leave_out, statement)
    closed = {str(r[6]) for r in original[1:] if str(r[9]) in ("Ditutup", "Closed")}
    assert closed  # the demo has closed ones: they come back closed, the others open
    for row in back[1:]:
        assert (str(row[9]) in ("Ditutup", "Closed")) == (str(row[6]) in closed)
    imported = db.session.scalars(select(Nonconformity).where(Nonconformity.agency_id == empty.id))
    assert {nc.status for nc in imported} <= {NcStatus.OPEN, NcStatus.CLOSED}

    # the same files again store nothing twice
    again = full_import(client, "nonconformities", data, f"kts.{fmt}", empty.id)
    assert (again.report["imported"], again.report["present"]) == (0, len(original) - 1)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_demos_small_businesses_come_back_into_an_empty_city(client, auth, demo, fmt):
    from qms.demo import DEMO_PASSWORD
    from tests.conftest import empty_tables

    assert auth.login("koperasi@demo.qms.id", DEMO_PASSWORD).status_code == 302
    data = client.get(f"/sme/businesses.{fmt}").get_data()
    original = exported_rows(client, "/sme/businesses.{fmt}", fmt)
    assert len(original) > 20
    auth.logout()
    empty_tables()  # a NIB is unique nationally: the businesses go to a city without them
    city = CityFactory(name="Kota Baru")
    officer = coop_officer(city)
    db.session.commit()
    auth.login(officer)
    batch = full_import(client, "businesses", data, f"umk.{fmt}")
    assert batch.city_id == city.id and batch.agency_id is None
    assert batch.report["error_count"] == 0, batch.report["errors"]
    assert batch.report["imported"] == len(original) - 1
    back = exported_rows(client, "/sme/businesses.{fmt}", fmt)
    products = str(original[0][-1])  # added in qms, not imported
    nib = str(original[0][0])
    assert comparable(back, {products}, nib) == comparable(original, {products}, nib)
    again = full_import(client, "businesses", data, f"umk.{fmt}")
    assert (again.report["imported"], again.report["present"]) == (0, len(original) - 1)
    assert db.session.scalar(select(func.count(Business.id))) == len(original) - 1


# --- who may import ------------------------------------------------------------------------

MASTER = [DOC_HEADINGS, ["SOP-DUKCAPIL-001", "Penerbitan KTP-el", "SOP", 1, "2025-03-03", ""]]


def test_only_the_agencys_keepers_import_and_only_the_uploader_confirms(client, auth, world):
    data = csv_bytes(MASTER)
    # another city's quality officer: offered only their own agency; Dukcapil is refused
    auth.login(world.stranger)
    page = client.get("/imports/documents/new").get_data(as_text=True)
    assert "Dinas Dukcapil Kota Kupang" not in page
    refused = upload(client, "documents", data, "x.csv", world.dukcapil.id)
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0
    auth.logout()
    # another agency's officer in the same city: the same
    auth.login(world.rsud_officer)
    assert upload(client, "documents", data, "x.csv", world.dukcapil.id).status_code == 422
    auth.logout()
    # read-only roles and those who keep no register of the kind
    for user, kind in (
        (world.bsn, "documents"),
        (world.viewer, "nonconformities"),
        (world.auditor, "nonconformities"),  # raises nonconformities, keeps no log
        (world.officer, "businesses"),
    ):
        auth.login(user)
        assert client.get(f"/imports/{kind}/new").status_code == 403, (user.name, kind)
        refused = upload(client, kind, data, "x.csv", world.dukcapil.id)
        # a read-only role is stopped by the global guard before the page
        assert refused.status_code == (303 if user.is_read_only else 403)
        auth.logout()
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0

    auth.login(world.officer)
    assert client.get("/imports/nothing/new").status_code == 404
    batch = batch_of(upload(client, "documents", data, "x.csv"))
    auth.logout()
    # a colleague does not see it; the city admin reads the report but does not confirm it
    auth.login(world.officer2)
    assert client.get(f"/imports/{batch.id}").status_code == 404
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 404
    auth.logout()
    auth.login(world.admin)
    assert client.get(f"/imports/{batch.id}").status_code == 200
    assert client.post(f"/imports/{batch.id}/mapping", data={}).status_code == 302
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 403
    auth.logout()
    assert db.session.scalar(select(func.count(Document.id))) == 0
    # the uploader must confirm the columns before the rows can be imported
    auth.login(world.officer)
    assert client.post(f"/imports/{batch.id}/confirm").status_code in (303, 422)
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert map_and_check(client, batch).status_code == 302
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 302
    assert client.post(f"/imports/{batch.id}/confirm").status_code in (303, 409)
    assert db.session.scalar(select(func.count(Document.id))) == 1


def test_a_city_admin_chooses_the_agency_and_a_nonconformity_log_keeps_fitting_numbers(
    client, auth, world
):
    data = workbook(
        (
            "KTS",
            [
                ["No. KTS", "Sumber", "Kategori", "Uraian ketidaksesuaian", "Tanggal", "Status"],
                ["KTS-2025-DUKCAPIL-004", "AMI", "Mayor", "Tanpa RTM.", "2025-05-02", "Ditutup"],
                ["KTS-2025-DUKCAPIL-002", "Keluhan", "Minor", "Antre lama.", date(2025, 6, 1), ""],
                ["KTS-2024-DUKCAPIL-009", "AMI", "Minor", "Tahun lain.", "2025-01-10", ""],
                ["NC/2025/77", "Audit internal", "Sedang", "Kategori salah.", "2025-01-10", ""],
            ],
        )
    )  # fmt: skip
    auth.login(world.admin)
    page = client.get("/imports/nonconformities/new").get_data(as_text=True)
    assert "Dinas Dukcapil Kota Kupang" in page and "RSUD S.K. Lerik" in page
    assert "Kota Lain" not in page
    batch = full_import(client, "nonconformities", data, "kts.xlsx", world.dukcapil.id)
    assert batch.mapping == {
        "number": 0, "source": 1, "grade": 2, "statement": 3, "raised_on": 4, "status": 5
    }  # fmt: skip
    assert [(e["row"], e["column"][:1]) for e in batch.report["errors"]] == [(5, "C")]
    assert [(n["row"], n["number"]) for n in batch.report["renumbering"]] == [
        (4, "KTS-2025-DUKCAPIL-005")
    ]
    found = {nc.statement: nc for nc in db.session.scalars(select(Nonconformity))}
    assert found["Tanpa RTM."].number == "KTS-2025-DUKCAPIL-004"
    assert found["Tanpa RTM."].status == NcStatus.CLOSED
    assert found["Antre lama."].number == "KTS-2025-DUKCAPIL-002"
    assert found["Antre lama."].status == NcStatus.OPEN
    assert found["Antre lama."].raised_by_id == world.admin.id
    # the year's counter moved past the kept numbers: the next one raised is 006
    from qms.capa.operations import raise_nonconformity

    nxt = raise_nonconformity(
        world.officer,
        world.dukcapil,
        {
            "source": "staff_report",
            "grade": "minor",
            "statement": "X",
            "raised_on": date(2025, 7, 1),
        },
    )
    assert nxt.number == "KTS-2025-DUKCAPIL-006"


# --- bad spreadsheets: handled or refused with a message, never a 500 ----------------------


def _merged_heading_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Petunjuk"
    sheet.append(["Isi sheet berikutnya."])
    data = book.create_sheet("Daftar")
    data.append(["Daftar induk dokumen"])
    data.merge_cells("A1:F1")
    data.append(["Dokumen", None, None, "Revisi", "Tanggal", None])
    data.merge_cells("A2:C2")
    data.merge_cells("E2:F2")
    data.append(["Kode", "Judul", "Jenis", "Nomor", "Berlaku", "Tinjauan berikutnya"])
    data.append(["SOP-DUKCAPIL-001", "KTP-el", "SOP", 1, 46000, "2027-01-05"])
    data.append([])
    data.append(["SOP-DUKCAPIL-002", "KK", "SOP", 1, "5 Maret 2025", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_merged_headings_a_second_sheet_empty_rows_and_serial_dates(client, auth, world):
    auth.login(world.officer)
    batch = batch_of(upload(client, "documents", _merged_heading_workbook(), "daftar.xlsx"))
    # the first sheet names no field: the second is read, its heading under a merged group
    assert (batch.sheet, batch.heading_row) == ("Daftar", 3)
    assert batch.mapping["code"] == 0 and batch.mapping["next_review_on"] == 5
    # "Tanggal" merged over "Berlaku": proposed as the effective date; "Nomor" under "Revisi"
    assert batch.mapping.get("effective_on") == 4 and batch.mapping.get("revision") == 3
    assert map_and_check(client, batch).status_code == 302
    assert (batch.report["total"], batch.report["empty"], batch.report["error_count"]) == (2, 1, 0)
    assert batch.report["sheets"] == ["Petunjuk", "Daftar"]
    report = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "Petunjuk" in report  # named as not read
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 302
    days = {d.code: d.current_revision.effective_on for d in db.session.scalars(select(Document))}
    assert days == {"SOP-DUKCAPIL-001": date(2025, 12, 9), "SOP-DUKCAPIL-002": date(2025, 3, 5)}


def test_the_user_changes_the_mapping_and_another_sheet_can_be_chosen(client, auth, world):
    auth.login(world.officer)
    batch = batch_of(upload(client, "documents", _merged_heading_workbook(), "daftar.xlsx"))
    # a required field left out, or one column for two fields: refused, named
    response = map_and_check(client, batch, {"map-code": ""})
    assert response.status_code == 422 and "Kode" in response.get_data(as_text=True)
    response = map_and_check(client, batch, {"map-title": "0"})
    assert response.status_code == 422 and "Kolom A" in response.get_data(as_text=True)
    assert batch.mapped_at is None
    # the sheet chosen by hand: the instructions sheet has no such columns
    response = client.post(f"/imports/{batch.id}/mapping", data={"sheet": "Petunjuk"})
    db.session.refresh(batch)
    assert response.status_code == 302 and batch.sheet == "Petunjuk" and batch.mapping == {}
    assert map_and_check(client, batch).status_code == 422
    assert client.post(f"/imports/{batch.id}/confirm").status_code in (303, 422)
    assert db.session.scalar(select(func.count(Document.id))) == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("daftar.pdf", b"%PDF-1.7 nothing", ".xlsx"),
        ("daftar.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 100, ".xls"),
        ("daftar.xlsx", b"PK\x03\x04 not really a zip", "Excel"),
        ("daftar.xlsx", b"Kode,Judul\n", ".xlsx"),
        ("daftar.csv", "Kode;Judul\nA;\xe9".encode("latin-1"), "UTF-8"),
        ("daftar.csv", b"", ""),
        ("daftar.csv", b"\n\n\n", ""),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_refused_on_the_form(
    client, auth, world, name, data, message
):
    auth.login(world.officer)
    response = upload(client, "documents", data, name)
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_an_oversized_file_and_a_workbook_unpacking_too_far_are_refused(
    client, auth, world, web_app
):
    auth.login(world.officer)
    web_app.config["IMPORT_MAX_MB"] = 1
    big = csv_bytes([DOC_HEADINGS] + [["X" * 100] * 6] * 2000)
    response = upload(client, "documents", big, "besar.csv")
    assert response.status_code == 422 and "1 MB" in response.get_data(as_text=True)
    web_app.config["IMPORT_MAX_MB"] = 10
    web_app.config["IMPORT_MAX_UNPACKED_MB"] = 1
    bomb = workbook(("A", [DOC_HEADINGS] + [["Y" * 200] * 6] * 2000))
    assert len(bomb) < 1_048_576
    response = upload(client, "documents", bomb, "bom.xlsx")
    assert response.status_code == 422 and "1 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_fifty_thousand_rows_are_read_and_one_more_is_refused_by_its_row(
    client, auth, world, web_app
):
    web_app.config["IMPORT_MAX_ROWS"] = 50_000
    rows = [DOC_HEADINGS] + [
        [f"SOP-DUKCAPIL-{n:05d}", f"Dokumen {n}", "SOP", "", "", ""] for n in range(1, 50_001)
    ]
    auth.login(world.officer)
    batch = batch_of(upload(client, "documents", csv_bytes(rows), "besar.csv"))
    assert map_and_check(client, batch).status_code == 302
    # SOP-DUKCAPIL-00001 does not fit the pattern SOP-DUKCAPIL-001 (reported, the first 1,000
    # listed); SOP-DUKCAPIL-10000 does
    assert (batch.report["total"], batch.report["valid"], batch.report["renumbered"]) == (
        50_000, 50_000, 9_999,
    )  # fmt: skip
    assert len(batch.report["renumbering"]) == 1000
    rows.append(["SOP-X", "Satu lagi", "SOP", "", "", ""])
    batch = batch_of(upload(client, "documents", csv_bytes(rows), "terlalu-besar.csv"))
    response = map_and_check(client, batch)
    assert response.status_code == 422
    assert "50002" in response.get_data(as_text=True).replace(".", "").replace(",", "")
    assert batch.mapped_at is None


# --- queries do not grow with the rows -----------------------------------------------------


def _statements(action) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def test_the_report_looks_rows_up_in_batches_not_one_by_one(app, world):
    from qms.imports import operations
    from qms.imports.registry import importer_for

    importer = importer_for("nonconformities")
    counts = []
    for size in (10, 450):
        rows = [["Nomor", "Sumber", "Kategori", "Uraian", "Tanggal"]] + [
            [f"KTS-2025-DUKCAPIL-{n:03d}", "Audit internal", "Minor", f"Temuan {n}", "2025-02-01"]
            for n in range(1, size + 1)
        ]
        batch = operations.upload(world.admin, importer, world.dukcapil, "kts.csv", csv_bytes(rows))
        db.session.flush()
        counts.append(
            _statements(lambda b=batch: operations.set_mapping(world.admin, b, dict(b.mapping)))
        )
        assert batch.report["valid"] == size
    assert counts[0] == counts[1] <= 6, counts


def test_a_row_the_register_refuses_on_confirmation_is_reported_and_nothing_of_it_kept(
    client, auth
):
    elsewhere = BusinessFactory(nib="9120000000999", name="Usaha Kota Lain")
    city = CityFactory(name="Kota Baru")
    officer = coop_officer(city)
    db.session.commit()
    rows = [
        ["NIB", "Nama usaha", "Pemilik", "Alamat", "Kecamatan", "Kelurahan", "Skala",
         "Jumlah pekerja", "Terdaftar di dinas pada"],
        ["9120000000999", "Madu Timor", "Maria", "Jl. A", "Oebobo", "Oebufu", "Mikro", 3,
         "2025-01-02"],
        ["9120000000123", "Garam Kupang", "Yosef", "Jl. B", "Alak", "Namosain", "Kecil", 12,
         "02/01/2025"],
        ["91200", "NIB pendek", "Ana", "Jl. C", "Alak", "Namosain", "Mikro", 1, "2025-01-02"],
    ]  # fmt: skip
    auth.login(officer)
    batch = full_import(client, "businesses", csv_bytes(rows), "umk.csv")
    assert batch.report["imported"] == 1
    refused = {e["row"]: e for e in batch.report["errors"]}
    assert set(refused) == {2, 4}
    assert refused[2]["column"].startswith("A") and "NIB" in refused[2]["message"]
    names = set(db.session.scalars(select(Business.name)))
    assert names == {elsewhere.name, "Garam Kupang"}


def test_a_semicolon_csv_with_a_title_line_reads_as_its_columns(client, auth, world):
    text = "DAFTAR INDUK DOKUMEN\n\nKode;Judul;Jenis\nSOP-DUKCAPIL-003;Arsip;SOP\n"
    auth.login(world.officer)
    batch = full_import(client, "documents", text.encode(), "daftar.csv")
    assert (batch.heading_row, batch.mapping) == (3, {"code": 0, "title": 1, "doc_type": 2})
    assert batch.report["imported"] == 1 and batch.report["renumbered"] == 0


def test_the_api_uploads_checks_and_confirms_as_the_pages_do(client, api, world):
    data = csv_bytes(MASTER)

    def post_file(user, owner_id):
        api.as_user(user)
        return api.client.post(
            "/api/v1/imports/documents",
            headers=api._headers(),
            **multipart({"owner_id": str(owner_id)}, data, "daftar.csv"),
        )

    assert post_file(world.rsud_officer, world.dukcapil.id).status_code == 422
    assert post_file(world.bsn, world.dukcapil.id).status_code == 403
    created = post_file(world.officer, world.dukcapil.id)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()["data"]
    assert body["mapping"] == {"code": 0, "title": 1, "doc_type": 2, "revision": 3,
                               "effective_on": 4, "status": 5}  # fmt: skip
    assert body["checked"] is False and body["report"] is None
    batch_id = body["id"]
    api.as_user(world.officer2)
    assert api.get(f"/imports/{batch_id}").status_code == 404
    api.as_user(world.officer)
    checked = api.post(f"/imports/{batch_id}/check").get_json()["data"]
    assert checked["report"]["new"] == 1 and checked["confirmed"] is False
    assert db.session.scalar(select(func.count(Document.id))) == 0
    confirmed = api.post(f"/imports/{batch_id}/confirm").get_json()["data"]
    assert confirmed["confirmed"] and confirmed["report"]["imported"] == 1
    assert api.post(f"/imports/{batch_id}/confirm").status_code == 409
    assert db.session.scalar(select(Document.code)) == "SOP-DUKCAPIL-001"
