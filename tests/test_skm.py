"""The satisfaction survey: the respondents' CSV and the three API paths (upload with its row
report, nothing stored until confirmed, the same file twice stored once; the result), the
public form and results (anonymous, one response per submission, throttled), the steps and the
follow-up plan, who sees and writes what, and the history."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from qms.core.history import history_of
from qms.core.timeutil import today
from qms.extensions import db
from qms.skm import workflow
from qms.skm.models import FollowUp, Import, Response, Survey
from qms.skm.vocabulary import Channel, SurveyStatus
from tests.factories_plan import make_survey, make_world, survey_with

HEADER = (
    "tanggal,jenis_kelamin,umur,pendidikan,pekerjaan,jenis_layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9,saran"
)
CSV = "\n".join(
    [
        HEADER,
        "2025-02-03,L,34,SMA,swasta,KTP-el,3,3,2,4,3,3,4,2,3,Blangko sering habis",
        "10/02/2025,P,20-29,S1,pns,Kartu Keluarga,4,3,3,4,3,4,4,3,3,",
        "2025-02-04,P,45,,,KTP-el,3,3,0,4,3,3,3,2,3,",  # a score of 0
        "2025-02-05,L,51,SD,lainnya,Akta,3,3,2,4,5,3,3,2,3,",  # a score of 5
        "2025-02-06,L,29,SMP,pelajar,KTP-el,3,3,2,4,3,,3,2,3,",  # u6 missing
        "2025-02-30,P,33,SMA,wirausaha,KTP-el,3,3,2,4,3,3,3,2,3,",  # no such date
        "2025-08-01,P,33,SMA,wirausaha,KTP-el,3,3,2,4,3,3,3,2,3,",  # after the period
        "2025-02-07,X,33,SMA,wirausaha,KTP-el,3,3,2,4,3,3,3,2,3,",  # no such gender
    ]
)


@pytest.fixture
def world(app):
    return make_world()


def _responses() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def test_the_three_api_paths(world, api):
    api.as_user(world.officer)
    created = api.post(
        "/skm/surveys",
        json={
            "agency_id": world.agency.id,
            "unit_id": world.unit.id,
            "period_start": "2025-01-01",
            "period_end": "2025-06-30",
            "population": 1000,
        },
    )
    assert created.status_code == 201, created.get_json()
    survey_id = created.get_json()["data"]["id"]
    assert created.get_json()["data"]["title"] == "SKM Loket KTP-el 2025"

    upload = api.post(
        f"/skm/surveys/{survey_id}/responses",
        data={"file": (io.BytesIO(CSV.encode()), "rekap.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201
    report = upload.get_json()["data"]
    assert (report["total"], report["valid"], report["stored"]) == (8, 2, 0)
    reasons = {(e["row"], e["code"], e["column"]) for e in report["errors"]}
    assert reasons == {
        (4, "bad_score", "u3"),
        (5, "bad_score", "u5"),
        (6, "missing", "u6"),
        (7, "bad_date", "tanggal"),
        (8, "outside_period", "tanggal"),
        (9, "unknown", "jenis_kelamin"),
    }
    assert any("1 sampai 4" in e["message"] or "1 to 4" in e["message"] for e in report["errors"])
    assert _responses() == 0  # nothing stored before the confirmation

    confirmed = api.post(f"/skm/surveys/{survey_id}/responses/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["data"]["stored"] == 2
    assert _responses() == 2

    # the same file again: reported as imported already, and its confirmation stores nothing
    again = api.post(
        f"/skm/surveys/{survey_id}/responses",
        data={"file": (io.BytesIO(CSV.encode()), "rekap-lagi.csv")},
        content_type="multipart/form-data",
    )
    assert again.get_json()["data"]["already_imported"] == report["id"]
    assert api.post(f"/skm/surveys/{survey_id}/responses/confirm").get_json()["data"]["stored"] == 0
    assert _responses() == 2
    nothing = api.post(f"/skm/surveys/{survey_id}/responses/confirm")
    assert nothing.status_code == 422

    # a JSON array with the same field names
    items = [
        {"tanggal": "2025-03-01", **{f"u{i}": 4 for i in range(1, 10)}, "umur": 40},
        {"tanggal": "2025-03-02", **{f"u{i}": 2 for i in range(1, 10)}, "saran": "Antre lama"},
        {"tanggal": "2025-03-02", "u1": 5},
        "not a response",
    ]
    sent = api.post(f"/skm/surveys/{survey_id}/responses", json=items)
    assert sent.status_code == 201
    assert (sent.get_json()["data"]["total"], sent.get_json()["data"]["valid"]) == (4, 2)
    assert api.post(f"/skm/surveys/{survey_id}/responses/confirm").get_json()["data"]["stored"] == 2
    channels = dict(
        db.session.execute(select(Response.channel, func.count()).group_by(Response.channel)).all()
    )
    assert channels == {Channel.FILE: 2, Channel.API: 2}

    result = api.get(f"/skm/surveys/{survey_id}/result").get_json()["data"]
    assert set(result) == {"respondents", "nrr", "ikm", "grade", "minimum_sample"}
    assert result["respondents"] == 4 and set(result["nrr"]) == {f"u{i}" for i in range(1, 10)}
    assert result["grade"] in {"A", "B", "C", "D"} and result["minimum_sample"] == 278


def test_a_survey_takes_its_unit_and_period_checked(world, api):
    api.as_user(world.officer)
    base = {
        "agency_id": world.agency.id,
        "unit_id": world.unit.id,
        "period_start": "2025-07-01",
        "period_end": "2025-12-31",
        "population": 500,
    }
    for changes, field in (
        ({"unit_id": world.other_unit.id}, "unit_id"),
        ({"period_end": "2025-06-01"}, "period_end"),
        ({"population": 0}, "population"),
        ({"agency_id": world.other.id}, "agency_id"),
    ):
        refused = api.post("/skm/surveys", json={**base, **changes})
        assert refused.status_code == 422, changes
        assert field in refused.get_json()["error"]["fields"], changes
    assert db.session.scalar(select(func.count(Survey.id))) == 0


def test_the_public_form_is_anonymous_checked_and_throttled(world, client, web_app):
    survey = make_survey(world, period=(today() - timedelta(days=30), today() + timedelta(days=30)))
    db.session.commit()
    url = f"/skm/public/units/{world.unit.id}/form"
    page = client.get(url)
    assert page.status_code == 200 and 'name="u9"' in page.get_data(as_text=True)
    answers = {f"u{i}": "3" for i in range(1, 10)} | {"jenis_kelamin": "P", "saran": "Bagus"}
    sent = client.post(url, data=answers)
    assert sent.status_code == 302 and _responses() == 1
    response = db.session.scalar(select(Response))
    assert response.channel == Channel.FORM and response.suggestion == "Bagus"
    bad = client.post(url, data={**answers, "u4": "5"})
    assert bad.status_code == 422 and _responses() == 1
    missing = client.post(url, data={k: v for k, v in answers.items() if k != "u7"})
    assert missing.status_code == 422 and _responses() == 1
    # a flood from one address is cut off
    web_app.config["SKM_FORM_LIMIT"] = "5 per minute"
    statuses = [client.post(url, data=answers).status_code for _ in range(8)]
    assert 429 in statuses and _responses() < 1 + 8
    # closed: the form says so and takes nothing
    survey = db.session.get(Survey, survey.id)
    workflow.transition(world.officer, survey, "close")
    db.session.commit()
    assert "Tidak ada survei" in client.get(url).get_data(as_text=True) or "No survey" in (
        client.get(url).get_data(as_text=True)
    )


def test_anonymous_visitors_see_only_published_results_and_the_form(world, client):
    survey = survey_with(world, [(3,) * 9, (4,) * 9], population=100)
    follow_up_element = "u1"
    db.session.commit()
    results = f"/skm/public/units/{world.unit.id}"
    assert survey.title not in client.get(results).get_data(as_text=True)
    assert client.get(f"/skm/surveys/{survey.id}").status_code == 302  # to the login
    assert client.get("/skm/").status_code == 302
    assert client.get(f"/api/v1/skm/surveys/{survey.id}/result").status_code == 401
    workflow.transition(world.officer, survey, "close")
    workflow.transition(world.officer, survey, "publish")
    db.session.add(
        FollowUp(
            survey_id=survey.id,
            element=follow_up_element,
            action="Papan persyaratan",
            owner="Kabid",
            due_on=date(2025, 9, 1),
        )
    )
    db.session.commit()
    page = client.get(results).get_data(as_text=True)
    assert survey.title in page and "87,50" in page and "Papan persyaratan" in page
    qr = client.get(f"/skm/public/units/{world.unit.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert client.get("/skm/public/units/999999").status_code == 404


def test_steps_follow_up_and_access(world, client, auth, api):
    survey = survey_with(world, [(2, 3, 1, 4, 3, 3, 4, 2, 3)] * 3, population=100)
    db.session.commit()
    for outsider in (world.other_officer, world.stranger, world.coop):
        auth.login(outsider)
        assert client.get(f"/skm/surveys/{survey.id}").status_code == 404
        assert survey.title not in client.get("/skm/").get_data(as_text=True)
        api.as_user(outsider)
        assert api.get(f"/skm/surveys/{survey.id}/result").status_code == 404
        auth.logout()
    for reader in world.readers:
        auth.login(reader)
        assert client.get(f"/skm/surveys/{survey.id}").status_code == 200
        client.post(f"/skm/surveys/{survey.id}/step/close")
        assert db.session.get(Survey, survey.id).status == SurveyStatus.COLLECTING
        api.as_user(reader)
        assert api.post(f"/skm/surveys/{survey.id}/responses", json=[{"u1": 1}]).status_code == 403
        auth.logout()

    auth.login(world.officer)
    assert client.post(f"/skm/surveys/{survey.id}/step/close").status_code == 302
    page = client.get(f"/skm/surveys/{survey.id}").get_data(as_text=True)
    assert "U3" in page and "follow-up" in page
    home = client.get("/").get_data(as_text=True)
    assert survey.title in home  # awaiting a follow-up plan
    refused = client.post(
        f"/skm/surveys/{survey.id}/follow-ups",
        data={"element": "u3", "action": "", "owner": "Kabid", "due_on": "2025-08-01"},
    )
    assert refused.status_code == 422
    for element in ("u3", "u1", "u8"):
        client.post(
            f"/skm/surveys/{survey.id}/follow-ups",
            data={
                "element": element,
                "action": "Perbaikan",
                "owner": "Kabid",
                "due_on": "2025-08-01",
            },
        )
    assert db.session.scalar(select(func.count(FollowUp.id))) == 3
    assert survey.title not in client.get("/").get_data(as_text=True)
    assert client.post(f"/skm/surveys/{survey.id}/step/publish").status_code == 302
    survey = db.session.get(Survey, survey.id)
    assert survey.status == SurveyStatus.PUBLISHED
    assert [e.note for e in history_of(survey)] == [None, "transition:close", "transition:publish"]
    follow_up = db.session.scalar(select(FollowUp))
    assert history_of(follow_up)[0].action == "create"
    # the import of a file is in the history too, once confirmed
    assert db.session.scalar(select(func.count(Import.id))) == 0


def test_suggestions_flow_into_the_complaints_page(world, client, auth):
    survey = make_survey(world)
    db.session.add(
        Response(
            survey_id=survey.id,
            answered_on=date(2025, 2, 1),
            channel=Channel.FORM,
            suggestion="Mohon kabar lewat WhatsApp",
            **{f"u{i}": 3 for i in range(1, 10)},
        )
    )
    db.session.commit()
    auth.login(world.officer)
    assert "Mohon kabar lewat WhatsApp" in client.get("/capa/complaints").get_data(as_text=True)
    auth.logout()
    auth.login(world.other_officer)
    assert "Mohon kabar lewat WhatsApp" not in client.get("/capa/complaints").get_data(as_text=True)


def test_the_upload_page_holds_the_file_for_confirmation_or_says_why_not(world, client, auth):
    survey = survey_with(world, [(3, 3, 3, 3, 3, 3, 3, 3, 3)], population=100)
    db.session.commit()
    auth.login(world.officer)
    url = f"/skm/surveys/{survey.id}/import"
    assert client.get(url).status_code == 200
    held = client.post(url, data={"file": (io.BytesIO(CSV.encode()), "rekap.csv")})
    record = db.session.scalar(select(Import))
    assert held.status_code == 302 and held.location.endswith(f"/skm/imports/{record.id}")
    assert record.confirmed_at is None and _responses() == 1  # the one it had

    workflow.transition(world.officer, db.session.get(Survey, survey.id), "close")
    db.session.commit()
    refused = client.post(url, data={"file": (io.BytesIO(CSV.encode()), "lagi.csv")})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count(Import.id))) == 1
