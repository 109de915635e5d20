"""The pathway through the JSON API and the HTML form: same services, same refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from qms.core.roles import Role
from qms.extensions import db
from qms.sme import operations, queries
from qms.sme.demo import results as demo_results
from qms.sme.models import GuidanceVisit, Product, TrainingAttendance, TrainingBatch
from qms.sme.vocabulary import Stage
from tests.factories import AgencyFactory, CityFactory, user_with_role
from tests.factories_sme import (
    BusinessFactory,
    ProductFactory,
    advance,
    coop_officer,
    honey,
    load_catalogue,
    standard,
)

START = date(2025, 3, 3)


def _pathway():
    load_catalogue()
    product = ProductFactory(standard_id=standard("SNI-3556-2016").id)
    officer = coop_officer(product.business.city)
    pathway = operations.open_pathway(
        officer, product, scheme="sppt_sni", scheme_type="5", started_on=date(2025, 3, 3)
    )
    return officer, pathway


def test_api_transitions_and_lab_results(api, app):
    officer, pathway = _pathway()
    client = api.as_user(officer)
    skip = client.post(
        f"/sme/pathways/{pathway.id}/transitions", json={"action": "start_testing", "version": 1}
    )
    assert (
        skip.status_code == 422
        and "harus selesai lebih dulu" in skip.get_json()["error"]["message"]
    )
    step = client.post(
        f"/sme/pathways/{pathway.id}/transitions",
        json={"action": "start_readiness", "on": "2025-03-10", "version": 1},
    )
    assert step.status_code == 200 and step.get_json()["data"]["stage"] == "readiness"
    assert step.get_json()["data"]["version"] == 2
    refused = client.post(
        f"/sme/pathways/{pathway.id}/lab-tests",
        json={"lab_name": "L", "lab_accreditation": "LP-123-IDN", "report_number": "R",
              "sampled_on": "2025-03-10", "tested_on": "2025-03-11", "results": {"kio3": "35"}},
    )  # fmt: skip
    assert refused.status_code == 422  # not in the testing stage yet
    assert (
        client.get(f"/sme/pathways/{pathway.id}").get_json()["data"]["stages"][0]["ended_on"]
        == "2025-03-10"
    )


def test_api_refuses_a_parameter_outside_the_sni(api, app):
    officer, pathway = _pathway()
    advance(officer, pathway, Stage.TESTING, date(2025, 3, 3))
    results = demo_results(pathway)
    body = {"lab_name": "L", "lab_accreditation": "LP-123-IDN", "report_number": "R",
            "sampled_on": "2025-03-12", "tested_on": "2025-03-13"}  # fmt: skip
    client = api.as_user(officer)
    refused = client.post(
        f"/sme/pathways/{pathway.id}/lab-tests", json={**body, "results": {**results, "hmf": "1"}}
    )
    assert refused.status_code == 422 and "hmf" in refused.get_json()["error"]["message"]
    done = client.post(
        f"/sme/pathways/{pathway.id}/lab-tests", json={**body, "results": {**results, "kio3": "20"}}
    )
    assert done.status_code == 201 and done.get_json()["data"]["passed"] is False


def test_html_skip_is_refused_on_the_page(client, auth, app):
    officer, pathway = _pathway()
    auth.login(officer)
    response = client.post(
        f"/sme/pathways/{pathway.id}/transition",
        data={"action": "apply", "on": "2025-03-05", "version": pathway.version},
    )
    assert response.status_code == 422
    assert "harus selesai lebih dulu" in response.get_data(as_text=True)


# --- products, guidance visits and trainings ----------------------------------------------


@pytest.fixture
def people(app):
    load_catalogue()
    product = honey()
    city = product.business.city
    return {
        "product": product,
        "business": product.business,
        "coop": coop_officer(city),
        "bsn": user_with_role(Role.BSN_REVIEWER),
        "viewer": user_with_role(Role.MANAGEMENT_VIEWER, city=city),
        "quality": user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city)),
        "other_coop": user_with_role(Role.COOP_OFFICER, city=CityFactory()),
    }


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_api_adds_reads_and_changes_a_product(api, people):
    client = api.as_user(people["coop"])
    business = people["business"]
    salt = standard("SNI-3556-2016")
    created = client.post(
        f"/sme/businesses/{business.id}/products",
        json={"name": "Garam Beryodium", "brand": "Oesapa", "category": "salt",
              "standard_id": salt.id},
    )  # fmt: skip
    assert created.status_code == 201
    product_id = created.get_json()["data"]["id"]
    assert created.get_json()["data"]["standard"] == salt.number
    read = client.get(f"/sme/products/{product_id}").get_json()["data"]
    assert (read["name"], read["category"], read["business_id"]) == (
        "Garam Beryodium", "salt", business.id,
    )  # fmt: skip
    listed = client.get(f"/sme/businesses/{business.id}/products").get_json()["data"]
    assert {p["id"] for p in listed} == {people["product"].id, product_id}
    salts = client.get("/sme/products?category=salt").get_json()["data"]
    assert [p["id"] for p in salts] == [product_id]
    changed = client.patch(
        f"/sme/products/{product_id}", json={"brand": "Kupang Asin", "version": read["version"]}
    )
    assert changed.status_code == 200
    assert changed.get_json()["data"]["brand"] == "Kupang Asin"
    assert db.session.get(Product, product_id).name == "Garam Beryodium"  # untouched
    version = changed.get_json()["data"]["version"]
    assert version == read["version"] + 1
    cleared = client.patch(
        f"/sme/products/{product_id}", json={"standard_id": None, "version": version}
    )
    assert cleared.get_json()["data"]["standard_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "category": "honey"}, "name"),
        ({"name": "Madu", "category": "gold"}, "category"),
        ({"name": "Madu", "category": "honey", "standard_id": 99999}, "standard_id"),
    ],
)
def test_api_product_field_errors(api, people, body, field):
    client = api.as_user(people["coop"])
    refused = client.post(f"/sme/businesses/{people['business'].id}/products", json=body)
    assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    patched = client.patch(f"/sme/products/{people['product'].id}", json={**body, "version": 1})
    assert patched.status_code == 422 and field in patched.get_json()["error"]["fields"]
    assert _count(Product) == 1


def test_api_product_sni_is_locked_while_a_pathway_is_open(api, people):
    product = people["product"]
    operations.open_pathway(
        people["coop"], product, scheme="sni_bina_umk", scheme_type=None, started_on=START
    )
    refused = api.as_user(people["coop"]).patch(
        f"/sme/products/{product.id}",
        json={"standard_id": standard("SNI-3556-2016").id, "version": product.version},
    )
    assert refused.status_code == 422 and "standard_id" in refused.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("bsn", 200, 403), ("viewer", 200, 403), ("quality", 404, 404), ("other_coop", 404, 404)],
)
def test_api_product_denials(api, people, who, read, write):
    client = api.as_user(people[who])
    product, business = people["product"], people["business"]
    assert client.get(f"/sme/products/{product.id}").status_code == read
    assert client.get(f"/sme/businesses/{business.id}/products").status_code == read
    body = {"name": "Madu Lain", "category": "honey"}
    assert client.post(f"/sme/businesses/{business.id}/products", json=body).status_code == write
    patch = {**body, "version": product.version}
    assert client.patch(f"/sme/products/{product.id}", json=patch).status_code == write
    assert _count(Product) == 1 and db.session.get(Product, product.id).name == product.name
    listed = client.get("/sme/products").get_json()["data"]
    assert [p["id"] for p in listed] == ([product.id] if read == 200 else [])


VISIT = {"kind": "visit", "held_on": "2025-04-02", "topics": "Label dan catatan batch",
         "follow_up": "Kirim contoh label", "follow_up_on": "2025-04-16"}  # fmt: skip


def test_api_records_and_lists_visits(api, people):
    business = people["business"]
    client = api.as_user(people["coop"])
    created = client.post(f"/sme/businesses/{business.id}/visits", json=VISIT)
    assert created.status_code == 201
    data = created.get_json()["data"]
    assert data["officer_id"] == people["coop"].id and data["follow_up_on"] == "2025-04-16"
    listed = client.get(f"/sme/businesses/{business.id}/visits").get_json()["data"]
    assert [v["topics"] for v in listed] == [VISIT["topics"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"topics": ""}, "topics"),
        ({"held_on": "02/04/2025"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"follow_up_on": "2025-04-01"}, "follow_up_on"),
        ({"held_on": (date.today() + timedelta(days=5)).isoformat(), "follow_up_on": None},
         "held_on"),
    ],
)  # fmt: skip
def test_api_visit_field_errors(api, people, change, field):
    refused = api.as_user(people["coop"]).post(
        f"/sme/businesses/{people['business'].id}/visits", json={**VISIT, **change}
    )
    assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    assert _count(GuidanceVisit) == 0


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("bsn", 200, 403), ("viewer", 200, 403), ("quality", 404, 404), ("other_coop", 404, 404)],
)
def test_api_visit_denials(api, people, who, read, write):
    business = people["business"]
    client = api.as_user(people[who])
    assert client.get(f"/sme/businesses/{business.id}/visits").status_code == read
    assert client.post(f"/sme/businesses/{business.id}/visits", json=VISIT).status_code == write
    assert _count(GuidanceVisit) == 0


def _training(people, **change):
    body = {"title": "Pelatihan SNI madu", "held_on": "2025-05-10", "trainer": "BSN KLT NTT",
            "place": "Aula Dinas Koperasi", "business_ids": [people["business"].id]}  # fmt: skip
    return {**body, **change}


def test_api_records_and_reads_a_training(api, people):
    second = BusinessFactory(city=people["business"].city)
    client = api.as_user(people["coop"])
    body = _training(people, business_ids=[people["business"].id, second.id])
    created = client.post("/sme/trainings", json=body)
    assert created.status_code == 201
    training_id = created.get_json()["data"]["id"]
    read = client.get(f"/sme/trainings/{training_id}").get_json()["data"]
    assert sorted(read["business_ids"]) == sorted(body["business_ids"])
    assert [t["id"] for t in client.get("/sme/trainings").get_json()["data"]] == [training_id]
    # the training is in both businesses' guidance history
    for business in (people["business"], second):
        assert [kind for _d, kind, _r in queries.guidance_history(business)] == ["training"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"trainer": ""}, "trainer"),
        ({"business_ids": []}, "business_ids"),
        ({"held_on": "besok"}, "held_on"),
    ],
)
def test_api_training_field_errors(api, people, change, field):
    refused = api.as_user(people["coop"]).post("/sme/trainings", json=_training(people, **change))
    assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    assert _count(TrainingBatch) == 0


def test_api_training_refuses_another_citys_business(api, people):
    stranger = BusinessFactory()
    refused = api.as_user(people["coop"]).post(
        "/sme/trainings", json=_training(people, business_ids=[stranger.id])
    )
    assert refused.status_code == 422 and "business_ids" in refused.get_json()["error"]["fields"]
    assert _count(TrainingBatch) == 0 and _count(TrainingAttendance) == 0


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("bsn", 200, 403), ("viewer", 200, 403), ("quality", 404, 403), ("other_coop", 404, 422)],
)
def test_api_training_denials(api, people, who, read, write):
    values = {"title": "Pelatihan", "held_on": date(2025, 5, 10), "trainer": "BSN KLT NTT"}
    batch = operations.create_training(
        people["coop"], people["business"].city, values, [people["business"].id]
    )
    client = api.as_user(people[who])
    assert client.get(f"/sme/trainings/{batch.id}").status_code == read
    listed = client.get("/sme/trainings").get_json()["data"]
    assert [t["id"] for t in listed] == ([batch.id] if read == 200 else [])
    # another city's officer may record trainings of their own city only
    assert client.post("/sme/trainings", json=_training(people)).status_code == write
    assert _count(TrainingBatch) == 1


# --- owners chosen from input, steps and filters: refused naming the field ----------------


def test_api_names_the_city_or_product_the_caller_may_not_use(api, people):
    stranger = ProductFactory(standard_id=people["product"].standard_id)
    client = api.as_user(people["coop"])
    business = {"name": "UD Lain", "owner_name": "Ani", "nib": "9120009876543", "address": "Jl. 1",
                "kecamatan": "Oebobo", "kelurahan": "Oebufu", "scale": "mikro", "workers": 2,
                "registered_on": "2025-05-01"}  # fmt: skip
    for path, body, field in (
        ("/sme/businesses", {**business, "city_id": stranger.city_id}, "city_id"),
        ("/sme/trainings", _training(people, city_id=stranger.city_id), "city_id"),
        ("/sme/pathways", {"product_id": stranger.id, "scheme": "sni_bina_umk",
                           "scheme_type": "", "started_on": "2025-05-01"}, "product_id"),
    ):  # fmt: skip
        refused = client.post(path, json=body)
        assert refused.status_code == 422, path
        assert list(refused.get_json()["error"]["fields"]) == [field], path
    assert _count(TrainingBatch) == 0 and stranger.pathways == []


def test_api_opens_a_pathway_for_a_product_named_in_the_body(api, people):
    product = people["product"]
    opened = api.as_user(people["coop"]).post(
        "/sme/pathways",
        json={"product_id": product.id, "scheme": "sppt_sni", "scheme_type": "5",
              "started_on": "2025-05-01"},
    )  # fmt: skip
    assert opened.status_code == 201, opened.get_json()
    data = opened.get_json()["data"]
    assert (data["product_id"], data["stage"], data["standard"]) == (
        product.id, "registered", product.standard.number,
    )  # fmt: skip
    assert data["stages"][0]["started_on"] == "2025-05-01" and data["certificates"] == []


def test_api_names_an_unknown_step_and_resumes_only_where_held(api, app):
    officer, pathway = _pathway()
    client = api.as_user(officer)
    step = f"/sme/pathways/{pathway.id}/transitions"
    unknown = client.post(step, json={"action": "fly", "version": 1})
    assert unknown.status_code == 422 and "action" in unknown.get_json()["error"]["fields"]
    held = client.post(step, json={"action": "hold", "reason": "Sakit", "version": 1})
    assert held.status_code == 200
    elsewhere = client.post(step, json={"action": "resume_testing", "version": 2})
    assert elsewhere.status_code == 422
    assert "ditunda pada tahap “Pendaftaran”" in elsewhere.get_json()["error"]["message"]
    resumed = client.post(step, json={"action": "resume_registered", "version": 2})
    assert resumed.get_json()["data"]["stage"] == "registered"


@pytest.mark.parametrize(
    "query",
    ["/sme/businesses?scale=huge", "/sme/businesses?city_id=abc", "/sme/products?category=gold",
     "/sme/pathways?stage=flying", f"/sme/products?standard_id={2**70}"],
)  # fmt: skip
def test_api_filters_are_checked(api, people, query):
    refused = api.as_user(people["coop"]).get(query)
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]


def test_api_document_declares_the_steps_and_the_lab_results(api, people):
    document = api.as_user(people["coop"]).get("/openapi.json").get_json()
    step = document["paths"]["/api/v1/sme/pathways/{pathway_id}/transitions"]["post"]
    body = step["requestBody"]["content"]["application/json"]["schema"]
    assert {"certify", "hold", "resume_readiness"} <= set(body["properties"]["action"]["enum"])
    assert sorted(body["required"]) == ["action", "version"]
    lab = document["paths"]["/api/v1/sme/pathways/{pathway_id}/lab-tests"]["post"]
    results = lab["requestBody"]["content"]["application/json"]["schema"]["properties"]["results"]
    assert results["type"] == "object"
    assert document["components"]["schemas"]["SmePathway"]["properties"]["stage"]


# --- a change carries the version read ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "body"),
    [
        ("business", "/sme/businesses/{business}", {"name": "UD Madu Baru"}),
        ("product", "/sme/products/{product}", {"brand": "Baru"}),
        ("pathway", "/sme/pathways/{pathway}/transitions", {"action": "start_readiness"}),
    ],
)
def test_api_a_change_without_or_with_a_stale_version_is_refused(api, people, kind, path, body):
    product = people["product"]
    pathway = operations.open_pathway(
        people["coop"], product, scheme="sppt_sni", scheme_type="5", started_on=START
    )
    records = {"business": product.business, "product": product, "pathway": pathway}
    record = records[kind]
    url = path.format(business=product.business.id, product=product.id, pathway=pathway.id)
    client = api.as_user(people["coop"])
    send = client.post if kind == "pathway" else client.patch
    before = record.version
    missing = send(url, json=body)
    assert missing.status_code == 422
    assert "version" in missing.get_json()["error"]["fields"]
    stale = send(url, json={**body, "version": before + 5})
    assert stale.status_code == 409  # as documents and corrective actions answer it
    assert "Muat ulang halaman" in stale.get_json()["error"]["message"]
    db.session.expire_all()
    assert record.version == before  # nothing written
    done = send(url, json={**body, "version": before})
    assert done.status_code == 200 and done.get_json()["data"]["version"] == before + 1
