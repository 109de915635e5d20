"""The reports API: a system holding a token requests a report with the portal's rules, polls
it, downloads its PDF, finds it in its archive and verifies a copy; refusals are JSON and
another agency's officer gets nothing of it. WeasyPrint is replaced by a stand-in here."""

from __future__ import annotations

import hashlib
import io

import pytest

from qms.core.roles import Role
from qms.extensions import db
from qms.reports.models import GeneratedReport
from tests.factories import UnitFactory, user_with_role

#: WeasyPrint is replaced by a stand-in (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("fake_render")


def test_request_poll_download_list_and_verify(api, kupang, fake_render):
    api.as_user(user_with_role(Role.BSN_REVIEWER))
    asked = {"report": "city-directory", "city_id": kupang["city"].id, "locale": "en"}
    made = api.post("/reports", json=asked)
    # rendered in-process without Redis: already done, so 200 with the report
    assert made.status_code == 200, made.get_json()
    report = made.get_json()["data"]
    assert report["status"] == "done" and report["locale"] == "en"
    assert report["report"] == "city-directory" and report["city_id"] == kupang["city"].id
    ident = report["ident"]
    assert report["status_url"] == f"/api/v1/reports/{ident}"

    polled = api.get(f"/reports/{ident}").get_json()["data"]
    assert polled == report
    pdf = api.get(f"/reports/{ident}/pdf")
    content = pdf.get_data()
    pdf.close()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(content).hexdigest() == report["pdf_sha256"]

    again = api.post("/reports", json=asked).get_json()["data"]
    assert again["ident"] == ident and len(fake_render) == 1  # unchanged: the archived one
    UnitFactory(agency=kupang["dukcapil"])
    db.session.commit()
    changed = api.post("/reports", json=asked).get_json()["data"]
    assert changed["ident"] != ident and len(fake_render) == 2

    listed = api.get("/reports?report=city-directory").get_json()["data"]
    assert [r["ident"] for r in listed] == [changed["ident"], ident]
    assert api.get("/reports?status=failed").get_json()["data"] == []
    older = api.get(f"/reports?per_page=1&before={changed['ident']}").get_json()["data"]
    assert [r["ident"] for r in older] == [ident]
    assert api.get("/reports?per_page=0").status_code == 422

    same = api.post("/verify", data={"ident": ident, "file": (io.BytesIO(content), "a.pdf")})
    assert same.get_json()["data"] == {
        "ident": ident,
        "found": True,
        "matches": True,
        "part": "file",  # the PDF itself (an evidence pack's manifest.json would be "manifest")
        "differences": [],  # only for a ZIP that does not match an evidence pack
        "title": "Direktori OPD dan ringkasan kesiapan",  # in the caller's language
        "created_at": report["created_at"],
    }
    forged = api.post("/verify", data={"ident": ident, "file": (io.BytesIO(b"%PDF-1.7 x"), "a")})
    assert forged.get_json()["data"]["matches"] is False
    by_hash = api.post("/verify", data={"file": (io.BytesIO(content), "a.pdf")})
    assert by_hash.get_json()["data"]["ident"] == ident
    unknown = api.post("/verify", data={"ident": "QMS-2026-999999-XXXXXX"}).get_json()["data"]
    assert unknown["found"] is False and unknown["matches"] is None


def test_refusals_are_json_and_scoped(api, kupang):
    officer = user_with_role(Role.QUALITY_OFFICER, agency=kupang["dukcapil"])
    api.as_user(officer)
    theirs = {"report": "agency-compliance", "city_id": kupang["city"].id}
    own = api.post("/reports", json={**theirs, "agency_id": kupang["dukcapil"].id})
    assert own.status_code in (200, 202), own.get_json()
    other = api.post("/reports", json={**theirs, "agency_id": kupang["rsud"].id})
    assert other.status_code == 403 and "error" in other.get_json()
    assert api.post("/reports", json={"report": "no-such-report"}).status_code == 422
    missing = api.post("/reports", json={"city_id": kupang["city"].id}).get_json()
    assert "report" in missing["error"]["fields"]
    bad_period = api.post(
        "/reports",
        json={
            "report": "agency-compliance",
            "city_id": kupang["city"].id,
            "agency_id": kupang["dukcapil"].id,
            "period_start": "2026-05-01",
            "period_end": "2026-01-01",
        },
    )
    assert bad_period.status_code == 422
    assert "period_end" in bad_period.get_json()["error"]["fields"]

    rsud_report = (
        api.as_user(user_with_role(Role.QUALITY_OFFICER, agency=kupang["rsud"]))
        .post("/reports", json={**theirs, "agency_id": kupang["rsud"].id})
        .get_json()["data"]["ident"]
    )
    api.as_user(officer)
    assert api.get(f"/reports/{rsud_report}").status_code == 404
    refused = api.get(f"/reports/{rsud_report}/pdf")
    refused.close()
    assert refused.status_code == 404
    listed = [r["ident"] for r in api.get("/reports").get_json()["data"]]
    assert rsud_report not in listed and len(listed) == 1
    assert api.get(f"/reports?before={rsud_report}").status_code == 404
    assert db.session.scalar(db.select(db.func.count(GeneratedReport.id))) == 2
