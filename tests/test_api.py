"""The JSON API: token authentication, scoping like the HTML side, writes validated by the same
forms and services, JSON errors, and an OpenAPI document that lists every route."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from qms.accounts.models import ApiToken
from qms.core.history import history_of
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from tests.factories import AgencyFactory, CityFactory, UnitFactory, user_with_role

NEW_AGENCY = {"code": "dishub", "name": "Dinas Perhubungan", "kind": "dinas"}


def agencies_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Agency))


# --- authentication ---------------------------------------------------------------------------


def test_no_token_is_401_in_json(client):
    response = client.get("/api/v1/agencies")
    assert response.status_code == 401
    assert "token" in response.get_json()["error"]["message"]


def test_session_cookie_alone_does_not_authenticate_the_api(client, auth):
    auth.login(user_with_role(Role.SYSTEM_ADMIN))
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/agencies").status_code == 401


def test_revoked_token_is_refused(client, api):
    user = user_with_role(Role.BSN_REVIEWER)
    api.as_user(user)
    assert api.get("/cities").status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    from qms.accounts.authentication import revoke_token

    revoke_token(user, token)
    assert api.get("/cities").status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, api):
    user = user_with_role(Role.BSN_REVIEWER)
    api.as_user(user)
    user.active = False
    assert api.get("/cities").status_code == 401


def test_tokens_are_stored_hashed(app, api):
    api.as_user(user_with_role(Role.BSN_REVIEWER))
    plain = api.token
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    assert all(plain not in str(value) for value in rows[0])
    assert plain[4:] not in str(tuple(rows[0]))


def test_tokens_page_shows_a_new_token_once(client, auth):
    user = user_with_role(Role.BSN_REVIEWER)  # read-only roles may still manage their tokens
    auth.login(user)
    created = client.post("/account/tokens", data={"name": "laporan"}).get_data(as_text=True)
    token = db.session.scalar(select(ApiToken))
    assert token.prefix in created and "qms_" in created
    assert token.prefix + "…" in client.get("/account/tokens").get_data(as_text=True)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None


# --- reading ----------------------------------------------------------------------------------


def test_officer_reads_own_agency_only(api):
    city = CityFactory()
    own, other = AgencyFactory(city=city), AgencyFactory(city=city)
    api.as_user(user_with_role(Role.QUALITY_OFFICER, agency=own))
    listing = api.get("/agencies").get_json()["data"]
    assert [a["id"] for a in listing] == [own.id]
    assert api.get(f"/agencies/{own.id}").status_code == 200
    missing = api.get(f"/agencies/{other.id}")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["status"] == 404
    assert api.get(f"/agencies/{other.id}/units").status_code == 404


def test_units_read_as_a_flat_tree(api):
    parent = UnitFactory()
    child = UnitFactory(agency=parent.agency, parent=parent)
    api.as_user(user_with_role(Role.CITY_ADMIN, city=parent.agency.city))
    units = api.get(f"/agencies/{parent.agency_id}/units").get_json()["data"]
    assert {(u["id"], u["parent_id"]) for u in units} == {(parent.id, None), (child.id, parent.id)}
    assert api.get(f"/units/{child.id}").get_json()["data"]["name"] == child.name


def test_standards_and_clauses(api, app):
    from pathlib import Path

    from qms.core.checklists import load_directory

    load_directory(Path(app.config["CHECKLISTS_DIR"]))
    api.as_user(user_with_role(Role.BSN_REVIEWER))
    standards = api.get("/standards").get_json()["data"]
    assert standards[0]["code"] == "SNI-ISO-9001-2015"
    clauses = api.get(f"/standards/{standards[0]['id']}/clauses").get_json()["data"]
    numbers = [c["number"] for c in clauses]
    assert numbers[0] == "4" and "7.1.5" in numbers and numbers[-1] == "10.3"
    assert all(c["questions"] for c in clauses if c["number"] == "9.2.2")


# --- writing ----------------------------------------------------------------------------------


def test_city_admin_creates_changes_and_archives_an_agency(api):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    api.as_user(admin)
    created = api.post("/agencies", json={**NEW_AGENCY, "city_id": city.id})
    assert created.status_code == 201
    data = created.get_json()["data"]
    assert data["code"] == "DISHUB" and data["city_id"] == city.id and data["active"] is True

    patched = api.patch(f"/agencies/{data['id']}", json={"head_name": "Kadis", "active": False})
    assert patched.status_code == 200
    assert patched.get_json()["data"]["name"] == "Dinas Perhubungan"  # untouched
    assert patched.get_json()["data"]["active"] is False

    archived = api.post(f"/agencies/{data['id']}/archive")
    assert archived.get_json()["data"]["archived"] is True
    agency = db.session.get(Agency, data["id"])
    assert [(e.action, e.actor_id) for e in history_of(agency)] == [
        ("create", admin.id),
        ("update", admin.id),
        ("archive", admin.id),
    ]
    assert history_of(agency)[1].changes == {"head_name": ["", "Kadis"], "active": [True, False]}
    again = api.post(f"/agencies/{data['id']}/archive")
    assert again.status_code == 422


def test_invalid_agency_gets_422_with_field_errors_in_the_users_language(api):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    api.as_user(admin)
    response = api.post("/agencies", json={"city_id": city.id, "code": "a b", "kind": "pasar"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"code", "name", "kind"}
    assert fields["name"] == ["Kolom ini wajib diisi."]
    admin.locale = "en"
    english = api.post("/agencies", json={"city_id": city.id, "code": "X"})
    assert english.get_json()["error"]["fields"]["name"] == ["This field is required."]
    assert api.post("/agencies", json=NEW_AGENCY).get_json()["error"]["fields"] == {
        "city_id": ["This field is required."]
    }
    AgencyFactory(city=city, code="DISHUB")
    clash = api.post("/agencies", json={**NEW_AGENCY, "city_id": city.id})
    assert clash.status_code == 422 and "code" in clash.get_json()["error"]["fields"]
    assert agencies_count() == 1


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", '"text"'], ids=["garbage", "array", "string"]
)
def test_malformed_json_is_400(api, body):
    city = CityFactory()
    api.as_user(user_with_role(Role.CITY_ADMIN, city=city))
    response = api.client.post(
        "/api/v1/agencies",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Isi permintaan harus berupa objek JSON."
    assert agencies_count() == 0
    missing = api.get("/agencies/999999")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["message"].startswith("Data ini tidak ada")


def test_officer_may_not_create_or_change_agencies(api):
    city = CityFactory()
    own = AgencyFactory(city=city)
    other = AgencyFactory(city=city)
    api.as_user(user_with_role(Role.QUALITY_OFFICER, agency=own))
    refused = api.post("/agencies", json={**NEW_AGENCY, "city_id": city.id})
    assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"city_id"}
    assert api.patch(f"/agencies/{own.id}", json={"name": "Baru"}).status_code == 403
    assert api.patch(f"/agencies/{other.id}", json={"name": "Baru"}).status_code == 404
    assert api.post(f"/agencies/{other.id}/archive").status_code == 404
    assert db.session.get(Agency, own.id).name != "Baru" and agencies_count() == 2


def test_city_admin_of_another_city_is_refused_that_city(api):
    theirs = CityFactory()
    foreign = AgencyFactory(city=theirs)
    api.as_user(user_with_role(Role.CITY_ADMIN, city=CityFactory()))
    refused = api.post("/agencies", json={**NEW_AGENCY, "city_id": theirs.id})
    assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"city_id"}
    # beyond any id, and beyond PostgreSQL's integer column (which errs rather than misses)
    for beyond in (2**70, 2**31, 76876292862792):
        unknown = api.post("/agencies", json={**NEW_AGENCY, "city_id": beyond})
        assert unknown.status_code == 422
        assert set(unknown.get_json()["error"]["fields"]) == {"city_id"}
    assert api.patch(f"/agencies/{foreign.id}", json={"name": "X"}).status_code == 404
    assert agencies_count() == 1


@pytest.mark.parametrize("role", [Role.BSN_REVIEWER, Role.MANAGEMENT_VIEWER])
def test_read_only_roles_writes_are_refused(api, role):
    city = CityFactory()
    agency = AgencyFactory(city=city)
    unit = UnitFactory(agency=agency)
    api.as_user(user_with_role(role, city=None if role == Role.BSN_REVIEWER else city))
    assert api.get(f"/agencies/{agency.id}").status_code == 200
    for response in (
        api.post("/agencies", json={**NEW_AGENCY, "city_id": city.id}),
        api.patch(f"/agencies/{agency.id}", json={"name": "X"}),
        api.post(f"/agencies/{agency.id}/archive"),
        api.post(f"/agencies/{agency.id}/units", json={"name": "X", "kind": "bidang"}),
        api.patch(f"/units/{unit.id}", json={"name": "X"}),
    ):
        assert response.status_code == 403
        assert response.get_json()["error"]["message"]
    assert agencies_count() == 1 and db.session.get(Agency, agency.id).name != "X"


def test_officer_manages_units_of_own_agency(api):
    agency = AgencyFactory()
    api.as_user(user_with_role(Role.QUALITY_OFFICER, agency=agency))
    parent = api.post(f"/agencies/{agency.id}/units", json={"name": "Bidang A", "kind": "bidang"})
    assert parent.status_code == 201, parent.get_json()
    parent_id = parent.get_json()["data"]["id"]
    child = api.post(
        f"/agencies/{agency.id}/units",
        json={"name": "Seksi A1", "kind": "seksi", "parent_id": parent_id},
    )
    child_id = child.get_json()["data"]["id"]
    assert child.get_json()["data"]["parent_id"] == parent_id
    loop = api.patch(f"/units/{parent_id}", json={"parent_id": child_id})
    assert loop.status_code == 422 and "parent_id" in loop.get_json()["error"]["fields"]
    moved = api.patch(f"/units/{child_id}", json={"parent_id": None, "name": "Seksi Mandiri"})
    assert moved.get_json()["data"] == {**moved.get_json()["data"], "parent_id": None}
    assert api.post(f"/units/{child_id}/archive").get_json()["data"]["archived"] is True
    bad = api.post(f"/agencies/{agency.id}/units", json={"name": "", "kind": "bidang"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 2


# --- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_lists_exactly_the_api_routes(client, web_app):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routed = set()
    for rule in web_app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(
                    f"<{name}>", f"{{{name}}}"
                )
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    for operations in document["paths"].values():
        for operation in operations.values():
            for key in ("summary", "operationId", "responses", "tags"):
                assert operation[key]
    refs = {
        ref.rsplit("/", 1)[1]
        for ref in str(document).split("'$ref': '")[1:]
        for ref in [ref.split("'")[0]]
        if ref.startswith("#/components/schemas/")
    }
    assert refs <= set(document["components"]["schemas"])
    # each component is named by its resource alone: two resources of one name would be
    # told apart by their module path ("qms__sme__…"), which no client should read
    assert not [name for name in document["components"]["schemas"] if "__" in name]
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
