"""Evidence packs (qms/reports/packs): one ZIP per audit, nonconformity, management review or
agency and period, with the reports, every evidence file they refer to under safe readable
names, and a manifest whose hashes and sizes are the files'; archived, listed and verifiable
like reports; holding only what the requesting user may see."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from rq import SimpleWorker
from sqlalchemy import func, select

from qms.audits import checklist, operations
from qms.audits import workflow as audit_workflow
from qms.capa import operations as capa_operations
from qms.capa import workflow as capa_workflow
from qms.capa.models import Nonconformity
from qms.core.roles import Role
from qms.core.timeutil import today
from qms.extensions import db
from qms.files import operations as files
from qms.files.models import StoredFile
from qms.files.queries import evidence_store
from qms.reports import archive
from qms.reports.models import GeneratedReport, ReportStatus
from qms.reports.packs.names import ZipNames, file_part, safe_part
from tests.factories import user_with_role
from tests.factories_audits import make_world, started_audit
from tests.test_reports_jobs import queue  # noqa: F401  (the RQ queue fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MAJOR = {
    "result": "nonconform",
    "grade": "major",
    "evidence": "SOP KTP-el revisi 1 masih dipasang di loket 2.",
    "statement": "Dokumen kedaluwarsa digunakan di loket.",
}


def _attach(actor, owner, content: bytes, name: str) -> StoredFile:
    return files.attach(actor, owner, io.BytesIO(content), name)


@pytest.fixture
def world(app):
    """A reported audit of Dinas Dukcapil with evidence on two rows (one uploaded as
    "../../etc/passwd", one with a Windows path, two files of the same name), its major
    finding's nonconformity with an action and its evidence; and an audit of Badan Keuangan
    Daerah with evidence of its own, which no Dukcapil pack may hold."""
    with force_locale("en"):
        w = make_world()
        audit = started_audit(w)
        first, second = audit.rows[0], audit.rows[1]
        _attach(w.lead, first, JPEG, "foto-loket.jpg")
        _attach(w.lead, first, JPEG, "foto-loket.jpg")
        _attach(w.lead, first, PNG, "../../etc/passwd")
        _attach(w.lead, second, JPEG, "C:\\Users\\Petrus\\Desktop\\papan informasi.jpg")
        checklist.record_row(w.lead, first, MAJOR)
        for row in audit.rows[1:]:
            checklist.record_row(w.lead, row, {"result": "conform"})
        audit_workflow.transition(w.lead, audit, "report")
        nc = db.session.scalars(select(Nonconformity)).one()
        capa_workflow.transition(w.officer, nc, "record_correction", {"correction": "Dicabut."})
        capa_workflow.transition(
            w.officer,
            nc,
            "analyse_cause",
            {
                "why_steps": ["Tidak ada daftar distribusi."],
                "cause_category": "method",
                "root_cause": "Distribusi dokumen tidak terkendali.",
                "occurs_elsewhere": False,
            },
            today=today(),
        )
        action = capa_operations.add_action(
            w.officer,
            nc,
            {
                "kind": "corrective",
                "description": "Tarik SOP lama dari semua loket",
                "owner": "Sekretaris Dinas",
                "due_date": today() + timedelta(days=14),
            },
        )
        files.store(io.BytesIO(PDF), "berita-acara-penarikan.pdf", action, w.officer)

        other = operations.create_audit(
            w.city_admin,
            {
                "agency_id": w.bakeuda.id,
                "standard_id": w.standard.id,
                "kind": "internal",
                "planned_start": date(2026, 10, 20),
                "planned_end": date(2026, 10, 21),
                "scope_clauses": ["7.5"],
                "objectives": "Menilai kesesuaian",
                "lead_auditor_id": w.member.id,
            },
        )
        audit_workflow.transition(w.member, other, "start")
        _attach(w.member, other.rows[0], PNG, "rahasia-bakeuda.png")
        for row in other.rows:
            checklist.record_row(w.member, row, {"result": "conform"})
        audit_workflow.transition(w.member, other, "report")
        db.session.commit()
        w.audit, w.nc, w.other_audit = audit, nc, other
        yield w


def _request(client, key: str, record_id: int):
    return client.post(f"/reports/pdf/{key}", data={"record_id": record_id, "locale": "en"})


def _pack(client, key: str, record_id: int) -> tuple[GeneratedReport, zipfile.ZipFile, bytes]:
    response = _request(client, key, record_id)
    assert response.status_code == 303, response.data[:300]
    ident = response.headers["Location"].split("/")[-2]
    download = client.get(response.headers["Location"])
    assert download.data is not None  # read (buffered) before its file is closed
    download.close()
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    report = db.session.scalar(select(GeneratedReport).where(GeneratedReport.ident == ident))
    return report, zipfile.ZipFile(io.BytesIO(download.data)), download.data


def _manifest(pack: zipfile.ZipFile) -> list[dict]:
    return json.loads(pack.read("manifest.json"))["files"]


def assert_manifest_is_the_files(pack: zipfile.ZipFile) -> list[dict]:
    """Every manifest line's hash and size are those of the file in the ZIP, every file of
    the ZIP is in the manifest, and the CSV says what the JSON says."""
    entries = _manifest(pack)
    for entry in entries:
        content = pack.read(entry["file"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], entry["file"]
        assert len(content) == entry["size"]
    listed = {e["file"] for e in entries} | {"manifest.json", "manifest.csv"}
    assert set(pack.namelist()) == listed
    rows = list(csv.DictReader(io.StringIO(pack.read("manifest.csv").decode("utf-8-sig"))))
    assert [(r["file"], r["sha256"], int(r["size"])) for r in rows] == [
        (e["file"], e["sha256"], e["size"]) for e in entries
    ]
    document = json.loads(pack.read("manifest.json"))
    csv_hash = hashlib.sha256(pack.read("manifest.csv")).hexdigest()
    assert document["manifest_csv_sha256"] == csv_hash
    return entries


def assert_names_are_safe(pack: zipfile.ZipFile) -> None:
    names = pack.namelist()
    assert len({n.casefold() for n in names}) == len(names)  # no duplicates, whatever the case
    for name in names:
        assert not name.startswith(("/", "\\")) and "\\" not in name and ":" not in name
        assert all(part not in ("", ".", "..") for part in name.split("/")), name


# --- what a pack holds ----------------------------------------------------------------------


def test_an_audit_pack_holds_its_report_evidence_and_manifest(world, client, auth, fake_render):
    auth.login(world.officer)
    report, pack, content = _pack(client, "evidence-pack-audit", world.audit.id)
    assert report.status is ReportStatus.DONE and report.file_type == "zip"
    assert report.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert report.manifest_sha256 == hashlib.sha256(pack.read("manifest.json")).hexdigest()
    entries = assert_manifest_is_the_files(pack)
    assert_names_are_safe(pack)

    ref, ncnum = world.audit.reference, world.nc.number
    first, second = world.audit.rows[0].clause.label, world.audit.rows[1].clause.label
    by_name = {e["file"]: e for e in entries}
    evidence = {n for n, e in by_name.items() if e["kind"] == "evidence"}
    assert evidence == {
        f"{ref}/{first}/foto-loket.jpg",
        f"{ref}/{first}/foto-loket (2).jpg",
        f"{ref}/{first}/passwd.png",  # uploaded as ../../etc/passwd
        f"{ref}/{second}/papan informasi.jpg",  # uploaded with a Windows path
        f"{ref}/{ncnum}/Corrective 1 - Tarik SOP lama dari semua loket/berita-acara-penarikan.pdf",
    }
    assert pack.read(f"{ref}/{first}/passwd.png") == PNG
    photo = by_name[f"{ref}/{first}/foto-loket.jpg"]
    assert photo["uploaded_by"] == world.lead.name and photo["uploaded_at"].endswith("Z")
    assert photo["record"] == f"{ref} · {world.audit.rows[0].clause.number}"
    reports = [e for e in entries if e["kind"] == "report"]
    assert [r["file"].rsplit("/", 1)[0] for r in reports] == [ref, f"{ref}/{ncnum}"]
    assert all(r["file"].endswith(".pdf") and r["record"].startswith("QMS-") for r in reports)
    # each report of the pack is archived on its own, verifiable
    archived = {r.report_key for r in db.session.scalars(select(GeneratedReport))}
    assert {"audit-report", "corrective-action-request", "evidence-pack-audit"} <= archived
    # another agency's file is nowhere
    assert not any("rahasia" in name for name in pack.namelist())
    assert "rahasia" not in pack.read("manifest.json").decode()


def test_a_nonconformity_pack_and_the_archive_listing(world, client, auth, api, fake_render):
    auth.login(world.officer)
    report, pack, _content = _pack(client, "evidence-pack-nonconformity", world.nc.id)
    entries = assert_manifest_is_the_files(pack)
    names = [e["file"] for e in entries]
    assert names[0].startswith(f"{world.nc.number}/") and names[0].endswith(".pdf")
    assert names[1:] == [
        f"{world.nc.number}/Corrective 1 - Tarik SOP lama dari semua loket/"
        "berita-acara-penarikan.pdf"
    ]
    # asked again with nothing changed: the archived pack
    again = _request(client, "evidence-pack-nonconformity", world.nc.id)
    assert report.ident in again.headers["Location"]
    # listed in the archive, on the portal and over the API
    assert report.ident in client.get("/reports/").data.decode()
    page = client.get(f"/reports/{report.ident}").data.decode()
    assert "Unduh paket bukti (ZIP)" in page and report.manifest_sha256 in page
    listed = api.as_user(world.officer).get("/reports?report=evidence-pack-nonconformity")
    (item,) = listed.get_json()["data"]
    assert item["ident"] == report.ident and item["file_type"] == "zip"
    assert item["manifest_sha256"] == report.manifest_sha256


def test_an_agency_pack_holds_the_period_and_nothing_of_other_agencies(
    world, client, auth, fake_render
):
    auth.login(world.city_admin)
    year = today().year
    response = client.post(
        "/reports/generate",
        data={
            "report": "evidence-pack-agency",
            "city_id": world.city.id,
            "agency_id": world.dukcapil.id,
            "period_start": f"{year - 1}-01-01",
            "period_end": f"{year + 1}-12-31",
            "locale": "en",
        },
    )
    assert response.status_code == 303, response.data[:400]
    ident = response.headers["Location"].rsplit("/", 1)[-1]
    download = client.get(f"/reports/{ident}/pdf")
    assert download.data is not None  # read (buffered) before its file is closed
    download.close()
    pack = zipfile.ZipFile(io.BytesIO(download.data))
    entries = assert_manifest_is_the_files(pack)
    assert_names_are_safe(pack)
    reports = [e["file"] for e in entries if e["kind"] == "report"]
    assert len(reports) == 3  # the agency report, the audit report, the PTK
    assert reports[0].count("/") == 0 and "Dinas-Dukcapil" in reports[0]
    assert f"{world.audit.reference}/foto-loket" not in " ".join(pack.namelist())
    assert any(n.startswith(f"{world.audit.reference}/") for n in pack.namelist())
    assert any(n.startswith(f"{world.nc.number}/") for n in pack.namelist())
    assert not any("rahasia" in n for n in pack.namelist())
    # the period is required
    refused = client.post(
        "/reports/generate",
        data={
            "report": "evidence-pack-agency",
            "city_id": world.city.id,
            "agency_id": world.dukcapil.id,
            "locale": "en",
        },
    )
    assert refused.status_code == 422
    packs = select(func.count()).where(GeneratedReport.report_key == "evidence-pack-agency")
    assert db.session.scalar(packs) == 1


def test_a_management_review_pack(app, client, auth, fake_render):
    from tests.factories_plan import make_world as plan_world
    from tests.factories_review import held_review

    with force_locale("en"):
        w = plan_world()
        review = held_review(w)
        db.session.commit()
    auth.login(w.officer)
    response = _request(client, "evidence-pack-management-review", review.id)
    assert response.status_code == 303
    download = client.get(response.headers["Location"])
    assert download.data is not None  # read (buffered) before its file is closed
    download.close()
    pack = zipfile.ZipFile(io.BytesIO(download.data))
    (entry,) = assert_manifest_is_the_files(pack)
    assert entry["kind"] == "report" and entry["file"].startswith(f"{review.title}/")


# --- verification ---------------------------------------------------------------------------


def test_verification_accepts_the_pack_and_its_manifest_and_refuses_a_changed_one(
    world, client, auth, api, fake_render
):
    auth.login(world.officer)
    report, pack, content = _pack(client, "evidence-pack-nonconformity", world.nc.id)
    manifest = pack.read("manifest.json")
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as forged:
        for name in pack.namelist():
            data = pack.read(name)
            forged.writestr(name, data + b"x" if name.endswith("penarikan.pdf") else data)

    def page(data: bytes, ident: str = report.ident) -> str:
        return client.post(
            "/verify/",
            data={"ident": ident, "file": (io.BytesIO(data), "pack.zip")},
            content_type="multipart/form-data",
        ).data.decode()

    # the page in the officer's language (Indonesian)
    assert "ZIP yang diunggah sama persis dengan paket bukti di arsip" in page(content)
    assert "sama persis dengan manifes paket bukti di arsip" in page(manifest, ident="")
    refused = page(changed.getvalue())
    assert "TIDAK sama dengan paket bukti di arsip" in refused
    assert "berita-acara-penarikan.pdf</code>: diubah" in refused

    checker = api.as_user(user_with_role(Role.BSN_REVIEWER))
    same = checker.post("/verify", data={"file": (io.BytesIO(content), "p.zip")}).get_json()
    assert same["data"] | {"created_at": None, "title": None} == {
        "ident": report.ident,
        "found": True,
        "matches": True,
        "part": "file",
        "differences": [],
        "title": None,
        "created_at": None,
    }
    by_manifest = checker.post(
        "/verify", data={"ident": report.ident, "file": (io.BytesIO(manifest), "m.json")}
    ).get_json()["data"]
    assert by_manifest["matches"] is True and by_manifest["part"] == "manifest"
    forged = checker.post(
        "/verify", data={"ident": report.ident, "file": (io.BytesIO(changed.getvalue()), "p")}
    ).get_json()["data"]
    assert forged["found"] is True and forged["matches"] is False and forged["part"] is None
    (changed_file,) = forged["differences"]
    assert changed_file["change"] == "changed" and changed_file["file"].endswith("penarikan.pdf")
    # a file taken out and another put in are named too
    trimmed = io.BytesIO()
    with zipfile.ZipFile(trimmed, "w") as forged_zip:
        for name in pack.namelist():
            if not name.endswith("penarikan.pdf"):
                forged_zip.writestr(name, pack.read(name))
        forged_zip.writestr("../evil.pdf", b"%PDF-1.4")
    answer = checker.post(
        "/verify", data={"ident": report.ident, "file": (io.BytesIO(trimmed.getvalue()), "p")}
    ).get_json()["data"]
    assert {(d["change"], d["file"].rsplit("/", 1)[-1]) for d in answer["differences"]} == {
        ("missing", "berita-acara-penarikan.pdf"),
        ("added", "evil.pdf"),
    }
    assert same["data"]["differences"] == [] and by_manifest["differences"] == []


# --- who may have a pack --------------------------------------------------------------------


def test_another_agency_and_city_get_nothing(world, client, auth, fake_render):
    auth.login(world.officer)
    report, _pack_zip, _content = _pack(client, "evidence-pack-audit", world.audit.id)
    auth.logout()
    outsider_officer = user_with_role(Role.QUALITY_OFFICER, agency=world.other_city_agency)
    for user in (world.other_officer, outsider_officer):
        auth.login(user)
        assert _request(client, "evidence-pack-audit", world.audit.id).status_code == 404
        assert _request(client, "evidence-pack-nonconformity", world.nc.id).status_code == 404
        assert client.get(f"/reports/{report.ident}").status_code == 404
        assert client.get(f"/reports/{report.ident}/pdf").status_code == 404
        refused = client.post(
            "/reports/generate",
            data={
                "report": "evidence-pack-agency",
                "city_id": world.city.id,
                "agency_id": world.dukcapil.id,
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "locale": "en",
            },
        )
        assert refused.status_code == 422
        assert report.ident not in client.get("/reports/").data.decode()
        auth.logout()


def test_a_pack_is_its_askers_alone_and_holds_only_what_they_may_see(
    world, client, auth, fake_render
):
    """An internal auditor of the city may read the audit but not the nonconformities of an
    audit whose team they were not on: their pack of the audit holds no request form and no
    action evidence, and the city administrator's fuller pack is not theirs to list or open."""
    auth.login(world.city_admin)
    fuller, full_zip, _content = _pack(client, "evidence-pack-audit", world.audit.id)
    assert any(world.nc.number in n for n in full_zip.namelist())
    auth.logout()
    auditor = user_with_role(Role.INTERNAL_AUDITOR, agency=world.setda, name="Yakobus")
    auth.login(auditor)
    assert client.get(f"/reports/{fuller.ident}/pdf").status_code == 404
    assert fuller.ident not in client.get("/reports/").data.decode()
    own, own_zip, _content = _pack(client, "evidence-pack-audit", world.audit.id)
    assert own.ident != fuller.ident
    assert not any(world.nc.number in n for n in own_zip.namelist())
    assert len(assert_manifest_is_the_files(own_zip)) == 5  # the report and four photos


def test_an_officer_gets_the_other_agency_nothing_by_api(world, api, fake_render):
    caller = api.as_user(world.other_officer)
    refused = caller.post(
        "/reports", json={"report": "evidence-pack-audit", "record_id": world.audit.id}
    )
    assert refused.status_code == 422 and "record" in refused.get_json()["error"]["fields"]
    own = caller.post(
        "/reports", json={"report": "evidence-pack-audit", "record_id": world.other_audit.id}
    )
    assert own.status_code == 200, own.get_json()  # its own agency's audit: done in-process
    ident = own.get_json()["data"]["ident"]
    download = caller.get(f"/reports/{ident}/pdf")
    assert download.data is not None  # read (buffered) before its file is closed
    download.close()
    pack = zipfile.ZipFile(io.BytesIO(download.data))
    assert any("rahasia-bakeuda.png" in n for n in pack.namelist())
    assert not any("foto-loket" in n for n in pack.namelist())


def test_bsn_reviewers_and_viewers_download_packs_but_never_write(world, client, auth, fake_render):
    for reader in (world.reviewer, world.viewer):
        auth.login(reader)
        _report, pack, _content = _pack(client, "evidence-pack-audit", world.audit.id)
        assert len(assert_manifest_is_the_files(pack)) == 7
        row = world.audit.rows[0]
        before = db.session.scalar(select(func.count(StoredFile.id)))
        attach = client.post(
            f"/audits/rows/{row.id}/files",
            data={"file": (io.BytesIO(PNG), "x.png")},
            headers={"X-Requested-With": "fetch"},
        )
        assert attach.status_code == 403
        assert db.session.scalar(select(func.count(StoredFile.id))) == before
        auth.logout()


# --- bad input and damaged stores -----------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "extension", "kept"),
    [
        ("../../etc/passwd", "png", "passwd.png"),
        ("C:\\Windows\\System32\\bukti.jpg", "jpg", "bukti.jpg"),
        ("/etc/shadow.pdf", "pdf", "shadow.pdf"),
        ("..", "png", "file.png"),
        ("...", "pdf", "file.pdf"),
        ("CON.png", "png", "_CON.png"),
        ("foto.exe", "jpg", "foto.exe.jpg"),
        ("scan.JPEG", "jpg", "scan.JPEG"),
        ("invoice\u202efdp.pdf", "pdf", "invoicefdp.pdf"),
        ("a:b*c?d.pdf", "pdf", "a-b-c-d.pdf"),
        ("x" * 300 + ".pdf", "pdf", "x" * 96 + ".pdf"),
    ],
)
def test_file_names_are_safe_and_keep_their_extension(uploaded, extension, kept):
    assert file_part(uploaded, extension) == kept


def test_folders_are_safe_and_names_unique():
    assert (
        safe_part("../..") == "-"
        and safe_part("..") == "_"
        and safe_part(" 8.5.1 Produksi/layanan ") == ("8.5.1 Produksi-layanan")
    )
    names = ZipNames()
    assert names.add(["AUD-1", ".."], "a.pdf") == "AUD-1/_/a.pdf"
    assert names.add(["AUD-1", ".."], "A.pdf") == "AUD-1/_/A (2).pdf"
    assert names.add(["AUD-1", ".."], "a.pdf") == "AUD-1/_/a (3).pdf"
    assert names.add([], "readme") == "readme" and names.add([], "README") == "README (2)"


def test_a_file_missing_from_the_store_is_named_in_the_manifest(world, client, auth, fake_render):
    action = world.nc.actions[0]
    (stored,) = db.session.scalars(
        select(StoredFile).where(
            StoredFile.owner_id == action.id, StoredFile.owner_type == "corrective_actions"
        )
    )
    evidence_store().discard(stored.storage_name)
    auth.login(world.officer)
    _report, pack, _content = _pack(client, "evidence-pack-nonconformity", world.nc.id)
    entries = _manifest(pack)
    missing = [e for e in entries if e["kind"] == "evidence"]
    assert len(missing) == 1 and missing[0]["file"] == ""
    assert "missing from the file store" in missing[0]["note"]
    assert len(pack.namelist()) == 3  # the PTK and the two manifests


# --- real PDFs ------------------------------------------------------------------------------


def test_the_reports_in_a_pack_are_real_pdfs(world, client, auth):
    auth.login(world.officer)
    _report, pack, _content = _pack(client, "evidence-pack-nonconformity", world.nc.id)
    entries = assert_manifest_is_the_files(pack)
    (form,) = [e for e in entries if e["kind"] == "report"]
    reader = PdfReader(io.BytesIO(pack.read(form["file"])))
    assert len(reader.pages) >= 1
    text = " ".join(page.extract_text() for page in reader.pages)
    assert world.nc.number in text and "Dokumen kedaluwarsa digunakan di loket." in text
    archived = db.session.scalar(
        select(GeneratedReport).where(GeneratedReport.ident == form["record"])
    )
    assert archive.read_pdf(archived) == pack.read(form["file"])


# --- built in the background ----------------------------------------------------------------

REDIS_URL = os.environ.get("QMS_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="QMS_TEST_REDIS_URL is not set")
def test_a_pack_is_queued_and_the_worker_builds_it(world, client, auth, queue, fake_render):  # noqa: F811
    auth.login(world.officer)
    response = _request(client, "evidence-pack-audit", world.audit.id)
    assert response.status_code == 303 and not response.headers["Location"].endswith("/pdf")
    pack_report = db.session.scalar(
        select(GeneratedReport).where(GeneratedReport.report_key == "evidence-pack-audit")
    )
    assert pack_report.status is ReportStatus.QUEUED and queue.count == 1
    assert client.get(f"/reports/{pack_report.ident}/status").get_json()["download_url"] is None

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    db.session.expire_all()
    assert pack_report.status is ReportStatus.DONE, pack_report.error
    status = client.get(f"/reports/{pack_report.ident}/status").get_json()
    download = client.get(status["download_url"])
    assert download.data is not None  # read (buffered) before its file is closed
    download.close()
    pack = zipfile.ZipFile(io.BytesIO(download.data))
    assert len(assert_manifest_is_the_files(pack)) == 7
