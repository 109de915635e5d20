"""Standards from spreadsheets (`flask qms import-standard`) and SNI ISO 37001:2016 as the
second standard: the importer's YAML is what the loader accepts, every bad row is reported by
its number, awkward sheets are read or refused with a message, the shipped SMAP YAML is a fresh
import of the shipped workbook, both standards load, and an audit against ISO 37001 runs on
its clauses through the compliance figures and the PDF report."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from flask_babel import force_locale
from openpyxl import Workbook
from pypdf import PdfReader

from qms.audits import checklist, figures, operations, workflow
from qms.core.checklists import load_directory, load_file, parse
from qms.core.roles import Role
from qms.extensions import db
from qms.reports import archive, jobs, portal
from qms.reports.models import ReportStatus
from qms.standards import importer
from qms.standards.clause_sheet import ImportRefused
from qms.standards.queries import by_code, current_clauses, quality_standard, standards
from tests.factories import user_with_role
from tests.factories_audits import NC, make_world

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "checklists" / "sources"
STANDARDS = ROOT / "checklists" / "standards"
SMAP = "SNI-ISO-37001-2016"
META = {
    "code": "TEST-STD-1",
    "version": "1",
    "title_id": "Standar uji",
    "title_en": "Test standard",
    "publisher": "BSN",
}
HEADING = [
    "Nomor",
    "Induk",
    "Judul (Indonesia)",
    "Judul (English)",
    "Informasi terdokumentasi",
    "Persyaratan (Indonesia)",
    "Persyaratan (English)",
    "Pertanyaan (Indonesia)",
    "Pertanyaan (English)",
    "Bukti (Indonesia)",
    "Bukti (English)",
]
GOOD_ROWS = [
    ["4", "", "Konteks", "Context", "", "", "", "", "", "", ""],
    ["4.1", "4", "Isu", "Issues", "", "Isu dicatat", "Issues recorded", "T1?", "Q1?", "B1", "E1"],
    ["", "", "", "", "", "", "", "T2?", "Q2?", "", ""],
    ["4.2", "", "Pihak", "Parties", "maintain", "", "", "T3?", "Q3?", "B3", "E3"],
]
EXPECTED = {
    "kind": "standard",
    "code": "TEST-STD-1",
    "version": "1",
    "title": {"id": "Standar uji", "en": "Test standard"},
    "publisher": "BSN",
    "clauses": [
        {
            "number": "4",
            "title": {"id": "Konteks", "en": "Context"},
            "documented_information": "none",
            "clauses": [
                {
                    "number": "4.1",
                    "title": {"id": "Isu", "en": "Issues"},
                    "documented_information": "none",
                    "requirement": {"id": "Isu dicatat", "en": "Issues recorded"},
                    "questions": [
                        {
                            "key": "4.1-01",
                            "text": {"id": "T1?", "en": "Q1?"},
                            "evidence": {"id": "B1", "en": "E1"},
                        },
                        {"key": "4.1-02", "text": {"id": "T2?", "en": "Q2?"}},
                    ],
                },
                {
                    "number": "4.2",
                    "title": {"id": "Pihak", "en": "Parties"},
                    "documented_information": "maintain",
                    "questions": [
                        {
                            "key": "4.2-01",
                            "text": {"id": "T3?", "en": "Q3?"},
                            "evidence": {"id": "B3", "en": "E3"},
                        }
                    ],
                },
            ],
        }
    ],
}


def _xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None):
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    book.save(path)
    return path


def _csv(path: Path, rows: list[list]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _run(path: Path, tmp_path: Path, **kwargs):
    return importer.import_standard(path, tmp_path / "out.yaml", metadata=META, **kwargs)


def test_a_good_sheet_gives_yaml_the_loader_accepts(app, tmp_path):
    source = _xlsx(tmp_path / "good.xlsx", {"Klausul": [HEADING, *GOOD_ROWS]})
    result, text = _run(source, tmp_path)
    assert result.problems == [] and text is not None
    assert result.data == EXPECTED
    out = tmp_path / "test-std-1.yaml"
    out.write_text(text, encoding="utf-8")
    _kind, data = parse(out)  # the same loader as load-checklists
    assert data == EXPECTED
    assert load_file(out) == {"clauses": 3, "questions": 3}
    clause = {c.number: c for c in current_clauses(by_code("TEST-STD-1"))}["4.1"]
    assert clause.requirement_en == "Issues recorded"


def test_a_csv_with_the_same_columns_works(app, tmp_path):
    source = _csv(tmp_path / "good.csv", [HEADING, *GOOD_ROWS])
    result, _text = _run(source, tmp_path)
    assert result.problems == [] and result.data == EXPECTED


def test_every_kind_of_bad_row_is_reported_by_its_number(app, tmp_path):
    rows = [
        HEADING,  # row 1
        ["4", "", "Konteks", "Context", "", "", "", "", "", "", ""],  # 2
        ["", "", "Tanpa nomor", "No number", "", "", "", "T?", "Q?", "", ""],  # 3
        ["4.1", "9", "Isu", "Issues", "", "", "", "T?", "Q?", "", ""],  # 4 unknown parent
        ["4.2", "", "Pihak", "Parties", "", "", "", "T?", "Q?", "", ""],  # 5
        ["4.2", "", "Lagi", "Again", "", "", "", "T?", "Q?", "", ""],  # 6 duplicate
        ["4.3", "", "", "Scope", "", "", "", "T?", "Q?", "", ""],  # 7 empty title
        ["4.4", "", "Sistem", "System", "keep", "", "", "T?", "Q?", "", ""],  # 8 bad tag
        ["4.x", "", "Salah", "Wrong", "", "", "", "T?", "Q?", "", ""],  # 9 bad number
        ["4.5", "", "Risiko", "Risk", "", "", "", "T?", "", "", ""],  # 10 half a question
    ]
    result, text = _run(_csv(tmp_path / "bad.csv", rows), tmp_path)
    assert text is None and result.data is None
    problems = "\n".join(result.problems)
    assert "row 3: missing clause number" in problems
    assert "row 4: unknown parent 9" in problems
    assert "row 6: duplicate clause number 4.2 (first on row 5)" in problems
    assert "row 7: empty title (Indonesian)" in problems
    assert "row 8: bad documented-information tag 'keep'" in problems
    assert "row 9: bad clause number '4.x'" in problems
    assert "row 10: question without its English text" in problems
    assert not (tmp_path / "out.yaml").exists()


def test_merged_headings_empty_rows_formulas_dates_and_a_second_sheet(app, tmp_path):
    groups = ["Nomor", "Induk", "Judul", None, "Pertanyaan audit", None]
    languages = [None, None, "Indonesia", "English", "Indonesia", "English"]
    rows = [
        ["Daftar klausul (judul lembar)"],  # 1: a title merged over the columns
        [],  # 2
        groups,  # 3
        languages,  # 4
        ["4", None, "Konteks", "Context"],  # 5
        [],  # 6: empty rows are skipped
        [],
        ["4.1", None, "Isu", "Issues", "T1?", "Q1?"],  # 8
        ["4.2", None, "Pihak", "=UPPER(C8)", "T2?", "Q2?"],  # 9: a formula
        [datetime(2026, 1, 4), None, "Tanggal", "Date", "T?", "Q?"],  # 10: 4.1 turned date
        [4.3, None, "Angka", "Number", "T?", "Q?"],  # 11: a number for 4.30 or 4.3?
        [5, None, "Kepemimpinan", "Leadership", "T5?", "Q5?"],  # 12: a whole number is fine
    ]
    merges = {"Klausul": ["A1:F1", "A3:A4", "B3:B4", "C3:D3", "E3:F3"]}
    notes = [["Catatan", "isi bebas"]]
    source = _xlsx(tmp_path / "messy.xlsx", {"Catatan": notes, "Klausul": rows}, merges)
    result, text = _run(source, tmp_path)
    assert text is None
    assert any("read the sheet 'Klausul' (sheet 2 of 2)" in n for n in result.notes)
    problems = "\n".join(result.problems)
    assert "row 9: column D (title_en): a formula (=UPPER(C8)) is not evaluated" in problems
    assert "row 10: column A (number): a date (2026-01-04" in problems
    assert "row 11: column A (number): the clause number 4.3 is stored as a number" in problems
    assert len(result.problems) == 3  # empty rows, merged headings and 5 as 5 are fine

    # without the bad rows the same sheet imports, titles and questions in their columns
    fixed = [*rows[:9], rows[11]]
    fixed[8] = ["4.2", None, "Pihak", "Parties", "T2?", "Q2?"]
    source = _xlsx(tmp_path / "fixed.xlsx", {"Catatan": notes, "Klausul": fixed}, merges)
    result, text = _run(source, tmp_path)
    assert result.problems == [] and text is not None
    top = result.data["clauses"]
    assert [c["number"] for c in top] == ["4", "5"]
    assert top[0]["clauses"][1]["title"] == {"id": "Pihak", "en": "Parties"}
    assert top[1]["questions"][0]["text"] == {"id": "T5?", "en": "Q5?"}

    # --sheet names the sheet; one that does not exist is refused with the names
    with pytest.raises(ImportRefused, match="no heading row"):
        _run(source, tmp_path, sheet="Catatan")
    with pytest.raises(ImportRefused, match="the sheets are: Catatan, Klausul"):
        _run(source, tmp_path, sheet="Sheet9")


def test_the_command_refuses_large_and_unreadable_files_without_a_traceback(
    app, tmp_path, monkeypatch
):
    runner = app.test_cli_runner()
    rows = [HEADING, *GOOD_ROWS] + [["", "", "", "", "", "", "", "T?", "Q?", "", ""]] * 50
    source = _csv(tmp_path / "many.csv", rows)
    monkeypatch.setattr(importer, "MAX_ROWS", 20)
    result = runner.invoke(args=["qms", "import-standard", str(source), "--code", "X-1"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit | None)
    assert "more than 20 rows" in result.output
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 100)
    result = runner.invoke(args=["qms", "import-standard", str(source)])
    assert result.exit_code == 1 and "is refused above" in result.output
    workbook = _xlsx(tmp_path / "big.xlsx", {"Klausul": [HEADING, *GOOD_ROWS]})
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 1_000_000)
    monkeypatch.setattr(importer, "MAX_UNPACKED_BYTES", 1000)
    result = runner.invoke(args=["qms", "import-standard", str(workbook)])
    assert result.exit_code == 1 and "unpacks to" in result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip at all")
    result = runner.invoke(args=["qms", "import-standard", str(broken)])
    assert result.exit_code == 1 and "not a readable XLSX workbook" in result.output
    assert "Traceback" not in result.output

    # bad rows: reported by number through the command, nothing written
    out = tmp_path / "out.yaml"
    bad = _csv(tmp_path / "bad.csv", [HEADING, ["4.1", "7", "Isu", "Issues"]])
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 1_000_000)
    result = runner.invoke(
        args=["qms", "import-standard", str(bad), "--out", str(out), "--code", "X-1"]
    )
    assert result.exit_code == 1 and "row 2: unknown parent 7" in result.output
    assert not out.exists()


def test_the_shipped_smap_yaml_is_a_fresh_import_of_the_shipped_workbook(app, tmp_path):
    shipped = (STANDARDS / "sni-iso-37001-2016.yaml").read_text(encoding="utf-8")
    result, text = importer.import_standard(
        SOURCES / "sni-iso-37001-2016.xlsx", tmp_path / "smap.yaml"
    )
    assert result.problems == []
    assert text == shipped
    # and the CSV source the workbook is made from holds the same standard
    details = yaml.safe_load(shipped)
    from_csv, _text = importer.import_standard(
        SOURCES / "sni-iso-37001-2016.csv",
        tmp_path / "smap.yaml",
        metadata={
            "code": details["code"],
            "version": details["version"],
            "title_id": details["title"]["id"],
            "title_en": details["title"]["en"],
            "publisher": details["publisher"],
        },
    )
    assert from_csv.data == details


def test_the_smap_clause_tree_is_iso_37001(app):
    data = yaml.safe_load((STANDARDS / "sni-iso-37001-2016.yaml").read_text(encoding="utf-8"))

    def numbers(items):
        for item in items:
            yield item["number"]
            yield from numbers(item.get("clauses", []))

    found = list(numbers(data["clauses"]))
    for number in ("4.5", "5.1.1", "5.3.2", "5.3.3", "7.5.3", "8.2", "8.7", "8.9", "8.10", "9.4"):
        assert number in found
    assert found[0] == "4" and found[-1] == "10.2"
    assert [n for n in found if "." not in n] == ["4", "5", "6", "7", "8", "9", "10"]
    assert [n for n in found if n.startswith("8.")] == [f"8.{i}" for i in range(1, 11)]


def test_both_standards_load_and_the_quality_standard_is_9001(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["qms", "load-checklists", "--directory", str(STANDARDS)])
    assert result.exit_code == 0, result.output
    assert "loaded sni-iso-37001-2016.yaml: 50 clauses, 85 questions" in result.output
    assert [s.code for s in standards()] == ["SNI-ISO-9001-2015", SMAP]
    assert quality_standard().code == "SNI-ISO-9001-2015"
    # the readiness items are ISO 9001's mandatory documented information only
    from qms.review.readiness import mandatory_clauses

    assert {c.standard.code for c in mandatory_clauses()} == {"SNI-ISO-9001-2015"}


def test_with_only_37001_loaded_there_is_no_quality_standard(app):
    load_file(STANDARDS / "sni-iso-37001-2016.yaml")
    assert quality_standard() is None


def test_the_standards_page_lists_both(app, client, auth, api):
    load_directory(STANDARDS)
    user = user_with_role(Role.BSN_REVIEWER)
    db.session.commit()
    auth.login(user.email)
    page = client.get("/standards").get_data(as_text=True)
    assert "SNI-ISO-9001-2015" in page and SMAP in page
    smap = by_code(SMAP)
    page = client.get(f"/standards/{smap.id}").get_data(as_text=True)
    assert "8.7" in page and "Hadiah, jamuan, donasi dan manfaat serupa" in page
    clauses = api.as_user(user).get(f"/standards/{smap.id}/clauses").get_json()["data"]
    gifts = next(c for c in clauses if c["number"] == "8.7")
    assert gifts["requirement"]["en"].startswith("The agency controls the giving and receiving")
    assert [q["key"] for q in gifts["questions"]] == ["8.7-01", "8.7-02", "8.7-03"]


def test_an_audit_against_37001_runs_on_its_clauses_to_the_pdf_report(app, client, auth):
    load_directory(STANDARDS)
    smap = by_code(SMAP)
    with force_locale("en"):
        world = make_world(standard=by_code("SNI-ISO-9001-2015"))
        audit = operations.create_audit(
            world.city_admin,
            {
                "agency_id": world.dukcapil.id,
                "standard_id": smap.id,
                "kind": "internal",
                "planned_start": date(2026, 11, 10),
                "planned_end": date(2026, 11, 11),
                "scope_clauses": ["8.7", "8.9"],
                "objectives": "Menilai pengendalian gratifikasi dan pelaporan dugaan",
                "lead_auditor_id": world.lead.id,
            },
        )
        assert audit.standard.code == SMAP
        operations.add_member(world.city_admin, audit, world.member.id)
        workflow.transition(world.lead, audit, "start")
        numbers = {row.clause.number for row in audit.rows}
        assert numbers == {"8.7", "8.9"}
        assert len(audit.rows) == 6  # the three questions of each
        for index, row in enumerate(audit.rows):
            values = NC if row.clause.number == "8.7" and index == 0 else {"result": "conform"}
            checklist.record_row(world.lead, row, values)
        workflow.transition(world.lead, audit, "report")
        per_clause = figures.compliance_by_clause(world.dukcapil, world.city_admin)
        by_number = {f.clause.number: f for f in per_clause}
        assert set(by_number) == {"8.7", "8.9"}
        assert by_number["8.7"].clause.standard_id == smap.id
        assert by_number["8.7"].tally.compliance < 1 <= by_number["8.9"].tally.compliance
        db.session.commit()
        auth.login(world.city_admin)
        page = client.get(f"/audits/{audit.id}/report").get_data(as_text=True)
        assert smap.title_en in page or smap.title_id in page
        page = client.get(f"/audits/compliance/{world.dukcapil.id}").get_data(as_text=True)
        assert "8.7" in page and "8.9" in page

        rtype, req = portal.build_request(
            world.city_admin,
            "audit-report",
            locale="en",
            city_id=world.city.id,
            record_id=audit.id,
        )
        report = jobs.submit(world.city_admin, rtype, req).report
        db.session.refresh(report)
        assert report.status is ReportStatus.DONE, report.error
        reader = PdfReader(io.BytesIO(archive.read_pdf(report)))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert "SNI ISO 37001:2016" in text
        assert "8.7" in text and "Gifts, hospitality, donations and similar benefits" in text


def test_the_programme_plans_per_standard(app, client, auth):
    from qms.audits import coverage
    from qms.core.errors import DomainError
    from tests.factories_audits import AuditProgrammeFactory

    load_directory(STANDARDS)
    smap = by_code(SMAP)
    with force_locale("en"):
        world = make_world(standard=quality_standard())
        programme = AuditProgrammeFactory(city=world.city, year=2026)
        values = {"agency_id": world.dukcapil.id, "kind": "internal", "planned_month": 11}
        quality = operations.save_programme_item(
            world.city_admin, programme, {**values, "clause_numbers": ["4", "5", "6", "7"]}, None
        )
        assert quality.standard.code == "SNI-ISO-9001-2015"
        # 7.1.5 is an ISO 9001 clause, not an ISO 37001 one
        with pytest.raises(DomainError) as refused:
            operations.save_programme_item(
                world.city_admin,
                programme,
                {**values, "standard_id": smap.id, "clause_numbers": ["7.1.5"]},
                None,
            )
        assert refused.value.field == "clause_numbers"
        item = operations.save_programme_item(
            world.city_admin,
            programme,
            {**values, "standard_id": smap.id, "clause_numbers": ["8", "9", "10"]},
            None,
        )
        assert item.standard_id == smap.id
        # an audit planned from the item is an ISO 37001 audit
        audit = operations.create_audit(
            world.city_admin,
            {
                "programme_item_id": item.id,
                "planned_start": date(2026, 11, 10),
                "objectives": "Audit SMAP",
                "lead_auditor_id": world.lead.id,
            },
        )
        assert audit.standard_id == smap.id and audit.scope_clauses == ["8", "9", "10"]
        # ... and does not close the quality cycle's gaps: ISO 9001 8-10 are still left out
        gaps = coverage.programme_gaps(programme)
        assert [c.number for c in gaps["Dinas Dukcapil"]][:1] == ["8.1"]
        # the standard of an item with an audit is fixed
        with pytest.raises(DomainError) as fixed:
            operations.save_programme_item(
                world.city_admin,
                programme,
                {**values, "clause_numbers": ["8"], "standard_id": quality_standard().id},
                item,
            )
        assert fixed.value.field == "standard_id"
        db.session.commit()
        auth.login(world.city_admin)
        page = client.get(f"/audits/programmes/{programme.id}").get_data(as_text=True)
        assert f"{SMAP}: 8, 9, 10" in page
        form = client.get(f"/audits/new?item={item.id}").get_data(as_text=True)
        chosen = re.search(
            r'<option[^>]*selected[^>]*value="(\d+)"|<option[^>]*value="(\d+)"[^>]*selected',
            form.split('name="standard_id"')[1],
        )
        assert str(smap.id) in chosen.groups()


def test_the_demo_loads_both_standards_and_plans_a_smap_audit(app):
    from sqlalchemy import func, select

    from qms.audits.models import Audit, AuditStatus
    from qms.demo import seed

    seed()
    count = db.session.scalar(select(func.count(Audit.id)))
    seed()
    assert db.session.scalar(select(func.count(Audit.id))) == count
    assert [s.code for s in standards()] == ["SNI-ISO-9001-2015", SMAP]
    smap_audits = list(
        db.session.scalars(select(Audit).where(Audit.standard_id == by_code(SMAP).id))
    )
    assert len(smap_audits) == 1
    audit = smap_audits[0]
    assert audit.agency.code == "DPMPTSP" and audit.status == AuditStatus.PLANNED
    assert audit.scope_clauses == ["5.3.2", "8.2", "8.7", "8.9"]
    # the integrated audit of Dinas PUPR: reported, with findings against both standards
    integrated = db.session.scalar(select(Audit).where(Audit.reference == "AMI-2026-PUPR"))
    assert integrated.is_integrated and integrated.status == AuditStatus.REPORTED
    assert [s.code for s in integrated.standards] == ["SNI-ISO-9001-2015", SMAP]
    breached = {c.standard.code for f in integrated.active_findings for c in f.clauses}
    assert breached == {"SNI-ISO-9001-2015", SMAP}
    labels = [f.nonconformity.clause_label for f in integrated.active_findings if f.nonconformity]
    assert "SNI ISO 9001:2015 7.5.3.2; SNI ISO 37001:2016 7.5.3" in labels
    assert "SNI ISO 37001:2016 8.2" in labels
    assert audit.programme_item.standard.code == SMAP
