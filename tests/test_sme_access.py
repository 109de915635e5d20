"""Who sees and changes the programme: the city's coop officers (and admins) write; BSN reviewers
and the city's management viewers read; agency officers, internal auditors and other cities' coop
officers see nothing (404)."""

from __future__ import annotations

import pytest

from qms.core.roles import Role
from qms.extensions import db
from qms.sme.models import Business
from tests.factories import AgencyFactory, CityFactory, user_with_role
from tests.factories_sme import BusinessFactory, ProductFactory, load_catalogue

NEW = {
    "name": "UD Madu Baru",
    "owner_name": "Ani Mooy",
    "nib": "9120009876543",
    "address": "Jl. Baru 1",
    "kecamatan": "Oebobo",
    "kelurahan": "Oebufu",
    "scale": "mikro",
    "workers": "2",
    "registered_on": "2025-05-01",
}


@pytest.fixture
def world(app):
    load_catalogue()
    product = ProductFactory()
    city = product.business.city
    agency = AgencyFactory(city=city)
    return {
        "product": product,
        "business": product.business,
        "coop": user_with_role(Role.COOP_OFFICER, city=city),
        "admin": user_with_role(Role.CITY_ADMIN, city=city),
        "bsn": user_with_role(Role.BSN_REVIEWER),
        "viewer": user_with_role(Role.MANAGEMENT_VIEWER, city=city),
        "quality": user_with_role(Role.QUALITY_OFFICER, agency=agency),
        "auditor": user_with_role(Role.INTERNAL_AUDITOR, agency=agency),
        "other_coop": user_with_role(Role.COOP_OFFICER, city=CityFactory()),
    }


@pytest.mark.parametrize("who", ["coop", "admin", "bsn", "viewer"])
def test_readers_see_the_business(client, auth, world, who):
    auth.login(world[who])
    page = client.get(f"/sme/businesses/{world['business'].id}")
    assert page.status_code == 200
    assert world["business"].name in page.get_data(as_text=True)
    assert client.get("/sme/dashboard").status_code == 200


@pytest.mark.parametrize("who", ["quality", "auditor", "other_coop"])
def test_others_see_nothing(client, auth, world, who):
    auth.login(world[who])
    assert client.get(f"/sme/businesses/{world['business'].id}").status_code == 404
    assert client.get(f"/sme/products/{world['product'].id}").status_code == 404
    listing = client.get("/sme/businesses").get_data(as_text=True)
    assert world["business"].name not in listing


@pytest.mark.parametrize("who", ["quality", "auditor"])
def test_agency_roles_have_no_programme_pages(client, auth, world, who):
    auth.login(world[who])
    assert client.get("/sme/dashboard").status_code == 404
    assert client.get("/sme/catalogue").status_code == 404


@pytest.mark.parametrize("who", ["bsn", "viewer", "other_coop", "quality"])
def test_non_writers_cannot_change(client, auth, world, who):
    auth.login(world[who])
    business = world["business"]
    response = client.post(f"/sme/businesses/{business.id}/edit", data={**NEW})
    assert response.status_code in (303, 403, 404)
    assert client.post(f"/sme/businesses/{business.id}/archive").status_code in (303, 403, 404)
    assert db.session.get(Business, business.id).name == business.name
    assert db.session.get(Business, business.id).archived_at is None


def test_coop_officer_registers_and_bad_input_is_explained(client, auth, world):
    auth.login(world["coop"])
    form = {**NEW, "city_id": world["business"].city_id}
    bad = client.post("/sme/businesses/new", data={**form, "nib": "12345", "npwp": "99-1"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "NIB harus tepat 13 digit" in text
    assert "NPWP harus 15 digit" in text
    ok = client.post("/sme/businesses/new", data={**form, "npwp": "012345678901000"})
    assert ok.status_code == 302
    business = Business.query.filter_by(nib=NEW["nib"]).one()
    assert business.npwp == "01.234.567.8-901.000"
    duplicate = client.post("/sme/businesses/new", data=form)
    assert "sudah terdaftar" in duplicate.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("quality", 404), ("bsn", 200), ("coop", 200)])
def test_api_reading_follows_the_same_rules(api, world, who, status):
    business = world["business"]
    assert api.as_user(world[who]).get(f"/sme/businesses/{business.id}").status_code == status


def test_api_listing_of_another_city_is_empty(api, world):
    assert api.as_user(world["other_coop"]).get("/sme/businesses").get_json()["data"] == []


def test_api_read_only_role_cannot_register(api, world):
    assert api.as_user(world["bsn"]).post("/sme/businesses", json=NEW).status_code == 403


def test_api_registers_with_the_same_validation(api, world):
    bad = api.as_user(world["coop"]).post("/sme/businesses", json={**NEW, "nib": "1"})
    assert bad.status_code == 422 and "nib" in bad.get_json()["error"]["fields"]


def test_api_registers(api, world):
    created = api.as_user(world["coop"]).post("/sme/businesses", json=NEW)
    assert created.status_code == 201 and created.get_json()["data"]["nib"] == NEW["nib"]


def test_other_city_business_is_invisible_even_with_a_coop_role(app, world):
    from qms.core import access

    other = BusinessFactory()
    ids = set(db.session.scalars(access.scoped(Business, world["coop"])))
    ids = {b.id for b in ids}
    assert world["business"].id in ids and other.id not in ids
