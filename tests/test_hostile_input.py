"""Input no request may carry is refused before it reaches the database: control characters in
any text (422 naming the field), ids beyond a 64-bit integer (404), JSON nested too deep, dates
no record can carry; and an unexpected error still answers the API in JSON."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from qms import create_app
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency
from tests.factories import AgencyFactory, CityFactory, user_with_role

HUGE = 2**63
BEYOND_INTEGER = 2**31


def agencies_count() -> int:
    return db.session.scalar(select(func.count(Agency.id)))


@pytest.mark.parametrize("value", ["a\x00b", "tab\x07bell", "\x1b[31m"])
def test_control_characters_in_a_login_form_are_refused_not_looked_up(client, value):
    response = client.post("/login", data={"email": value, "password": "x"})
    assert response.status_code == 422
    assert "email" in response.get_data(as_text=True)


def test_a_nul_in_the_anonymous_verify_path_is_refused(client):
    assert client.get("/verify/QMS-2026-%00").status_code in (404, 422)
    assert client.get("/verify?ident=QMS%00").status_code == 422


def test_a_nul_in_any_json_field_is_refused_with_the_field_named(api):
    city = CityFactory()
    api.as_user(user_with_role(Role.CITY_ADMIN, city=city))
    for body, field in (
        ({"city_id": city.id, "code": "DISHUB", "name": "Dinas\x00 Perhubungan"}, "name"),
        ({"city_id": city.id, "code": "DISHUB", "name": "Dinas", "x\x00": 1}, "x\x00"),
    ):
        response = api.post("/agencies", json={"kind": "dinas", **body})
        assert response.status_code == 422
        assert list(response.get_json()["error"]["fields"]) == [field]
    assert agencies_count() == 0


def test_tabs_and_new_lines_stay_allowed(api):
    city = CityFactory()
    api.as_user(user_with_role(Role.CITY_ADMIN, city=city))
    response = api.post(
        "/agencies",
        json={
            "city_id": city.id,
            "code": "DISHUB",
            "name": "Dinas",
            "kind": "dinas",
            "address": "Jl. El Tari\nKupang\t85111",
        },
    )
    assert response.status_code == 201


def test_json_nested_too_deep_is_refused(api):
    city = CityFactory()
    api.as_user(user_with_role(Role.CITY_ADMIN, city=city))
    deep = "[" * 100_000 + "]" * 100_000
    response = api.client.post(
        "/api/v1/agencies",
        data=deep,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["message"]
    nested: list = []
    for _ in range(40):
        nested = [nested]
    response = api.post("/agencies", json={"city_id": city.id, "name": nested})
    assert response.status_code == 422
    assert agencies_count() == 0


def test_ids_beyond_an_id_column_are_404_on_pages_and_api(client, auth, api):
    agency = AgencyFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=agency.city)
    api.as_user(admin)
    assert api.get(f"/agencies/{HUGE}").status_code == 404
    assert api.get(f"/agencies/{HUGE}").get_json()["error"]["status"] == 404
    assert api.get(f"/agencies/{BEYOND_INTEGER}").status_code == 404
    assert api.get(f"/agencies?page={HUGE}").status_code == 422
    auth.login(admin)
    assert client.get(f"/agencies/{HUGE}").status_code == 404
    assert client.get(f"/agencies/{agency.id}").status_code == 200


def test_every_date_field_refuses_a_year_no_record_can_carry(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from qms.core.forms import DayField, MomentField

    class ReviewForm(FlaskForm):
        reviewed_on = DayField()
        held_at = MomentField()

    with app.test_request_context():
        form = ReviewForm(
            formdata=MultiDict({"reviewed_on": "1202-03-04", "held_at": "3026-01-01 08:00"}),
            meta={"csrf": False},
        )
        assert not form.validate()
        assert form.errors == {
            "reviewed_on": ["Masukkan tanggal antara 1900 dan 2100."],
            "held_at": ["Masukkan tanggal antara 1900 dan 2100."],
        }
        fine = ReviewForm(
            formdata=MultiDict({"reviewed_on": "2026-12-06", "held_at": "2026-12-06 08:00"}),
            meta={"csrf": False},
        )
        assert fine.validate() and fine.reviewed_on.data.year == 2026


def test_an_unexpected_database_error_still_answers_the_api_in_json(app, test_settings):
    web = create_app("testing", {**test_settings, "PROPAGATE_EXCEPTIONS": False})

    @web.get("/api/v1/_broken")
    def broken():
        db.session.execute(text("SELECT * FROM no_such_table"))

    client = web.test_client()
    response = client.get("/api/v1/_broken")
    assert response.status_code == 500
    assert response.get_json()["error"]["status"] == 500
    page = client.get("/_also_broken")
    assert page.status_code == 404
    _dispose(web)


def test_production_sends_hsts(test_settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", test_settings["SQLALCHEMY_DATABASE_URI"])
    web = create_app(
        "production",
        {**test_settings, "SECRET_KEY": "a-long-random-production-secret-for-this-test"},
    )
    response = web.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    development_app = create_app("testing", test_settings)
    development = development_app.test_client().get("/login")
    assert "Strict-Transport-Security" not in development.headers
    _dispose(web, development_app)


def _dispose(*apps) -> None:
    """Close the connections of the extra apps a test made (a connection left to the garbage
    collector warns in whichever test runs next)."""
    for extra in apps:
        with extra.app_context():
            db.engine.dispose()


# --- complaint files and uploads ---------------------------------------------------------

HEADER = "channel;id;agency;category;received_at;text\n"


def _preview(world, content: bytes, name: str = "export.csv"):
    from qms.capa.complaints import imports

    return imports.preview_import(world.admin, world.city, name, content)


@pytest.fixture
def complaint_world(app):
    from tests.factories_capa import make_world

    with app.test_request_context():
        yield make_world()


def test_a_semicolon_separated_complaint_file_is_read(complaint_world):
    content = HEADER + "lapor;L-1;DUKCAPIL;KTP-el;2026-03-01;Belum jadi.\n"
    record = _preview(complaint_world, content.encode())
    assert record.report["valid"] == 1 and record.report["errors"] == []


def test_oversized_cells_and_deep_json_are_refused_with_the_row_named(complaint_world):
    from qms.capa.complaints.parsing import MAX_CELL
    from qms.core.errors import DomainError

    long_text = "x" * (MAX_CELL + 1)
    record = _preview(
        complaint_world,
        (HEADER + f"lapor;L-1;DUKCAPIL;KTP-el;2026-03-01;{long_text}\n").encode(),
    )
    assert [(e["row"], e["code"], e["column"]) for e in record.report["errors"]] == [
        (2, "too_long", "text")
    ]
    huge = "y" * 200_000
    with pytest.raises(DomainError, match="Baris 3") as refused:
        _preview(
            complaint_world,
            (HEADER + "lapor;L-1;DUKCAPIL;KTP-el;2026-03-01;ok\n"
             + f"lapor;L-2;DUKCAPIL;KTP-el;2026-03-01;{huge}\n").encode(),
        )  # fmt: skip
    assert refused.value.field == "file"
    deep = ("[" * 50_000 + "]" * 50_000).encode()
    with pytest.raises(DomainError) as too_deep:
        _preview(complaint_world, deep, "export.json")
    assert too_deep.value.field == "file"


def test_file_names_lose_control_and_bidirectional_characters():
    from qms.files.operations import readable_name

    assert readable_name("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert readable_name("../../etc/pa\u2066ss\x00wd") == "passwd"
    assert readable_name("\u200f") == "file"
    assert readable_name("Laporan SOP KTP-el.pdf") == "Laporan SOP KTP-el.pdf"
