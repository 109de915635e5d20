"""Complaint imports (preview, confirmation, re-import) and the escalation rules, checked
against figures computed here independently from the sample file."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.capa.complaints import imports
from qms.capa.complaints.parsing import row_error_text
from qms.capa.models import Complaint, ComplaintImport, NcSource, Nonconformity
from qms.core.errors import DomainError, PermissionDenied
from qms.core.workdays import Calendar
from qms.extensions import db
from tests.factories import AgencyFactory
from tests.factories_capa import make_world

SAMPLE = Path(__file__).resolve().parent.parent / "checklists" / "samples" / "qlue-kupang-2026.csv"
TODAY = date(2026, 4, 1)
AGENCY_CODES = ["DLHK", "DISHUB", "PUPR", "SATPOLPP", "DINSOS", "DINKES", "DAMKAR", "DPMPTSP"]


@pytest.fixture
def world(app):
    with app.test_request_context():
        world = make_world()
        for code in AGENCY_CODES:
            AgencyFactory(city=world.city, code=code, name=f"Dinas {code}")
        yield world


def sample_rows() -> list[dict]:
    with SAMPLE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def good_rows() -> list[dict]:
    """The sample's rows minus the ones deliberately spoiled (see the generator)."""
    spoiled = {14, 28, 42, 57, 72, 87, 101, 122, 152}
    return [r for n, r in enumerate(sample_rows(), start=2) if n not in spoiled]


def test_the_committed_sample_is_what_the_generator_writes():
    """scripts/make_complaint_sample.py is deterministic and the file in the repository is its
    output, so the figures below can be traced back to the generator."""
    script = SAMPLE.parents[2] / "scripts" / "make_complaint_sample.py"
    spec = importlib.util.spec_from_file_location("make_complaint_sample", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generated = [{k: "" if v is None else str(v) for k, v in r.items()} for r in module.rows()]
    assert generated == sample_rows()


def test_the_sample_has_200_rows_and_reports_each_bad_one(world):
    record = imports.preview_import(world.admin, world.city, SAMPLE.name, SAMPLE.read_bytes())
    report = record.report
    assert report["total"] == 200
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (14, "bad_date"),
        (28, "bad_date"),
        (42, "unknown_agency"),
        (57, "missing"),
        (72, "duplicate"),
        (87, "bad_rating"),
        (101, "bad_rating"),
        (122, "unknown_agency"),
        (152, "response_before_received"),
    ]
    assert report["valid"] == report["new"] == 191
    assert "row 71" in row_error_text(report["errors"][4]).replace("baris", "row")
    # each date error names its column (row 14's date received, row 28's response date)
    assert [e["column"] for e in report["errors"][:2]] == ["received_at", "response_date"]
    with force_locale("id"):
        assert row_error_text(report["errors"][1]) == (
            "Kolom “response_date”: “2026-13-05 10:00” bukan tanggal (gunakan TTTT-BB-HH JJ:MM)."
        )
    assert db.session.scalar(select(func.count(Complaint.id))) == 0  # nothing before confirming


def test_confirming_imports_the_good_rows_once_and_reimport_changes_nothing(world):
    first = imports.preview_import(world.admin, world.city, SAMPLE.name, SAMPLE.read_bytes())
    imports.confirm_import(world.admin, first, TODAY)
    assert db.session.scalar(select(func.count(Complaint.id))) == 191
    db.session.commit()
    with pytest.raises(DomainError):
        imports.confirm_import(world.admin, first, TODAY)  # confirmed once only
    db.session.rollback()
    ncs_before = db.session.scalar(select(func.count(Nonconformity.id)))
    again = imports.preview_import(world.admin, world.city, SAMPLE.name, SAMPLE.read_bytes())
    assert (again.report["new"], again.report["updated"], again.report["unchanged"]) == (0, 0, 191)
    report = imports.confirm_import(world.admin, again, TODAY)
    assert report["escalated"] == []
    assert db.session.scalar(select(func.count(Complaint.id))) == 191
    assert db.session.scalar(select(func.count(Nonconformity.id))) == ncs_before


def test_a_later_export_updates_the_known_complaints(world):
    rows = [
        {
            "id": "QL-1",
            "channel": "Qlue",
            "received_at": "2026-03-01 09:00",
            "agency": "DLHK",
            "category": "Sampah",
            "text": "Sampah menumpuk.",
            "status": "menunggu",
        },
    ]
    first = imports.preview_import(world.admin, world.city, "a.json", json.dumps(rows).encode())
    imports.confirm_import(world.admin, first, date(2026, 3, 2))
    rows[0].update(status="selesai", response_date="2026-03-03 10:00", rating="4")
    second = imports.preview_import(world.admin, world.city, "b.json", json.dumps(rows).encode())
    assert (second.report["new"], second.report["updated"]) == (0, 1)
    imports.confirm_import(world.admin, second, date(2026, 3, 4))
    complaint = db.session.scalar(select(Complaint))
    assert (complaint.status.value, complaint.rating, complaint.response_days()) == (
        "resolved",
        4,
        2,
    )


def _expected_escalations(rows: list[dict], today: date, days=5, count=3, window=30):
    """The rules, restated plainly: first the clusters, then the late answers."""
    parsed = []
    for r in rows:
        received = datetime.strptime(r["received_at"], "%Y-%m-%d %H:%M")
        answered = (
            datetime.strptime(r["response_date"], "%Y-%m-%d %H:%M") if r["response_date"] else None
        )
        parsed.append((r["agency"], r["category"].lower(), received, answered))
    clustered = set()
    for agency, category, received, _a in parsed:
        near = [
            j
            for j, (a2, c2, r2, _b) in enumerate(parsed)
            if a2 == agency and c2 == category and timedelta(0) <= received - r2 < timedelta(window)
        ]
        if len(near) >= count:
            clustered.update(near)
    similar = {(parsed[i][0], parsed[i][1]) for i in clustered}
    late = defaultdict(int)
    calendar = Calendar()  # working days; the city has no days off of its own
    for i, (agency, _c, received, answered) in enumerate(parsed):
        end = answered.date() if answered else today
        if i not in clustered and calendar.working_days_between(received.date(), end) > days:
            late[agency] += 1
    return clustered, similar, late


def test_escalation_follows_the_rules(world):
    record = imports.preview_import(world.admin, world.city, SAMPLE.name, SAMPLE.read_bytes())
    imports.confirm_import(world.admin, record, TODAY)
    clustered, similar, late = _expected_escalations(good_rows(), TODAY)
    ncs = db.session.scalars(select(Nonconformity).order_by(Nonconformity.id)).all()
    assert all(nc.source == NcSource.COMPLAINT for nc in ncs)
    keys = sorted(nc.escalation_key for nc in ncs)
    codes = {a.id: a.code for a in world.city.agencies}
    got_similar = {
        (codes[int(k.split(":")[1])], k.split(":", 2)[2]) for k in keys if "similar" in k
    }
    got_late = {codes[int(k.split(":")[1])] for k in keys if "response" in k}
    assert got_similar == similar
    assert got_late == set(late)
    linked = db.session.scalar(
        select(func.count(Complaint.id)).where(Complaint.nonconformity_id.is_not(None))
    )
    assert linked == len(clustered) + sum(late.values())
    # a corrective action's deadline (minor: 60 days), not SP4N-LAPOR's 5-day reply limit
    assert ncs and all(nc.due_date == TODAY + timedelta(days=60) for nc in ncs)


def test_rules_are_configurable(world, app):
    app.config["COMPLAINT_SIMILAR_COUNT"] = 1000
    app.config["COMPLAINT_RESPONSE_DAYS"] = 1000
    record = imports.preview_import(world.admin, world.city, SAMPLE.name, SAMPLE.read_bytes())
    assert imports.confirm_import(world.admin, record, TODAY)["escalated"] == []


def test_new_breaches_join_the_open_nonconformity_of_the_same_rule(world):
    def upload(rows, day):
        data = json.dumps({"complaints": rows}).encode()
        record = imports.preview_import(world.admin, world.city, "x.json", data)
        return imports.confirm_import(world.admin, record, day)

    row = {"channel": "lapor", "agency": "DUKCAPIL", "category": "KTP-el", "text": "Belum jadi."}
    first = upload([{**row, "id": "L-1", "received_at": "2026-03-01"}], date(2026, 3, 10))
    assert len(first["escalated"]) == 1
    # 20 March 2026 and the week after hold Idul Fitri and cuti bersama: 7 working days by 2 April
    second = upload([{**row, "id": "L-2", "received_at": "2026-03-20"}], date(2026, 4, 2))
    assert second["escalated"] == []
    numbers = db.session.scalars(select(Complaint.nonconformity_id)).all()
    assert len(set(numbers)) == 1 and None not in numbers


def test_officers_import_only_for_their_agency_and_only_the_uploader_confirms(world):
    data = json.dumps(
        [
            {
                "id": "Q-1",
                "channel": "qlue",
                "received_at": "2026-03-01 08:00",
                "agency": "DUKCAPIL",
                "category": "KTP-el",
                "text": "Antre lama.",
            },
            {
                "id": "Q-2",
                "channel": "qlue",
                "received_at": "2026-03-01 08:00",
                "agency": "RSUD",
                "category": "Antrean",
                "text": "Antre lama.",
            },
        ]
    ).encode()
    record = imports.preview_import(world.officer, world.city, "x.json", data)
    assert [(e["row"], e["code"]) for e in record.report["errors"]] == [(2, "not_your_agency")]
    with pytest.raises(PermissionDenied):
        imports.confirm_import(world.officer2, record, TODAY)
    with pytest.raises(PermissionDenied):
        imports.preview_import(world.viewer, world.city, "x.json", data)
    with pytest.raises(PermissionDenied):
        imports.preview_import(world.auditor, world.city, "x.json", data)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "x.csv"),
        (b"\xff\xfe\x00", "x.csv"),
        (b"id,channel\n1,qlue\n", "x.csv"),
        (b"[1", "x.json"),
    ],
)
def test_unreadable_files_are_refused_whole(world, content, name):
    with pytest.raises(DomainError):
        imports.preview_import(world.admin, world.city, name, content)


def test_the_import_pages_preview_then_confirm(world, client, auth):
    auth.login(world.admin)
    page = client.post(
        "/capa/complaints/import",
        data={"city_id": world.city.id, "file": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name)},
        content_type="multipart/form-data",
    )
    assert page.status_code == 302
    preview = client.get(page.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "PDAM" in html and ">152<" in html
    assert db.session.scalar(select(func.count(Complaint.id))) == 0
    confirm_url = page.headers["Location"] + "/confirm"
    assert client.post(confirm_url).status_code == 302
    assert db.session.scalar(select(func.count(Complaint.id))) == 191
    listing = client.get("/capa/complaints")
    assert listing.status_code == 200 and "QL-" in listing.get_data(as_text=True)


def test_the_import_api(world, api):
    api.as_user(world.admin)
    response = api.post(
        "/complaint-imports", json={"filename": "s.csv", "content": SAMPLE.read_text("utf-8")}
    )
    assert response.status_code == 201
    body = response.get_json()["data"]
    assert body["report"]["errors"][0]["row"] == 14 and body["report"]["errors"][0]["message"]
    confirmed = api.post(f"/complaint-imports/{body['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["data"]["confirmed"]
    listed = api.get("/complaints?per_page=200").get_json()["data"]
    assert len(listed) == 191
    assert (
        api.as_user(world.viewer).post("/complaint-imports", json={"content": "x"}).status_code
        == 403
    )


def test_an_import_for_a_city_the_caller_may_not_import_for_is_refused(world, api):
    """Kupang's admin names another city: refused on city_id, never imported into Kupang."""
    upload = {"file": (io.BytesIO(SAMPLE.read_bytes()), "qlue.csv")}
    other_city = world.other_city_agency.city_id
    refused = api.as_user(world.admin).post(
        "/complaint-imports", data={**upload, "city_id": str(other_city)}
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["city_id"]
    upload = {"file": (io.BytesIO(SAMPLE.read_bytes()), "qlue.csv")}
    taken = api.post("/complaint-imports", data={**upload, "city_id": str(world.city.id)})
    assert taken.status_code == 201 and taken.get_json()["data"]["city_id"] == world.city.id
    assert taken.get_json()["data"]["report"]["escalated"] is None
    assert db.session.scalar(select(func.count(ComplaintImport.id))) == 1
