"""The agency filter of the registers: a reader of several cities (BSN) chooses the city first
and is offered that city's agencies only (not the country's hundreds); choosing a city narrows
the list to it; a reader of one city chooses among its agencies as before."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest

from qms.extensions import db
from tests.factories import UnitFactory
from tests.factories_capa import ComplaintFactory
from tests.factories_documents import DocumentFactory
from tests.factories_plan import PlanWorld, make_objective, make_world

LISTS = [
    "/planning/objectives",
    "/planning/risks",
    "/planning/context",
    "/capa/",
    "/capa/complaints",
    "/review/",
    "/skm/",
    "/support/instruments",
    "/support/providers",
    "/support/competence",
    "/documents/",
]


class _Selects(HTMLParser):
    """The options of each <select> of a page, by the select's name: (value, selected)."""

    def __init__(self) -> None:
        super().__init__()
        self.selects: dict[str, list[tuple[str, bool]]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "select":
            self._current = named.get("name") or ""
            self.selects[self._current] = []
        elif tag == "option" and self._current is not None:
            self.selects[self._current].append((named.get("value") or "", "selected" in named))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._current = None


def selects(response) -> dict[str, list[tuple[str, bool]]]:
    assert response.status_code == 200, response.status_code
    parser = _Selects()
    parser.feed(response.get_data(as_text=True))
    return parser.selects


def offered(options: list[tuple[str, bool]]) -> set[str]:
    return {value for value, _selected in options if value}


def chosen(options: list[tuple[str, bool]]) -> str | None:
    return next((value for value, selected in options if selected), None)


@pytest.fixture
def world(app) -> PlanWorld:
    world = make_world()
    abroad = replace(
        world,
        agency=world.foreign,
        officer=world.stranger,
        unit=UnitFactory(agency=world.foreign),
    )
    # the objectives page lists each objective by its indicator
    make_objective(world, title="Sasaran Kupang", indicator="Sasaran Kupang")
    make_objective(abroad, title="Sasaran kota lain", indicator="Sasaran kota lain")
    ComplaintFactory(agency=world.agency, text="Keluhan Kupang")
    ComplaintFactory(agency=world.foreign, text="Keluhan kota lain")
    DocumentFactory(agency=world.agency, title="Prosedur Kupang")
    DocumentFactory(agency=world.foreign, title="Prosedur kota lain")
    db.session.commit()
    return world


@pytest.mark.parametrize("url", LISTS)
def test_a_reader_of_several_cities_chooses_the_city_then_its_agencies(world, client, auth, url):
    auth.login(world.bsn)
    first = selects(client.get(url))
    assert offered(first["city_id"]) == {str(world.city.id), str(world.foreign.city_id)}
    assert chosen(first["city_id"]) is None
    assert "agency_id" not in first, "no agencies are offered before a city is chosen"

    in_city = selects(client.get(url, query_string={"city_id": world.city.id}))
    assert chosen(in_city["city_id"]) == str(world.city.id)
    assert offered(in_city["agency_id"]) == {str(world.agency.id), str(world.other.id)}


@pytest.mark.parametrize("url", LISTS)
def test_an_agency_chosen_without_its_city_brings_the_city(world, client, auth, url):
    auth.login(world.bsn)
    page = selects(client.get(url, query_string={"agency_id": world.foreign.id}))
    assert chosen(page["city_id"]) == str(world.foreign.city_id)
    assert chosen(page["agency_id"]) == str(world.foreign.id)
    assert offered(page["agency_id"]) == {str(world.foreign.id)}


@pytest.mark.parametrize("url", LISTS)
def test_a_reader_of_one_city_chooses_among_its_agencies(world, client, auth, url):
    auth.login(world.admin)
    page = selects(client.get(url, query_string={"agency_id": world.other.id}))
    assert "city_id" not in page
    assert offered(page["agency_id"]) == {str(world.agency.id), str(world.other.id)}
    assert chosen(page["agency_id"]) == str(world.other.id)


@pytest.mark.parametrize(
    ("url", "here", "abroad"),
    [
        ("/planning/objectives", "Sasaran Kupang", "Sasaran kota lain"),
        ("/capa/complaints", "Keluhan Kupang", "Keluhan kota lain"),
        ("/documents/", "Prosedur Kupang", "Prosedur kota lain"),
    ],
)
def test_choosing_a_city_narrows_the_list_to_it(world, client, auth, url, here, abroad):
    auth.login(world.bsn)
    everywhere = client.get(url).get_data(as_text=True)
    assert here in everywhere and abroad in everywhere
    narrowed = client.get(url, query_string={"city_id": world.foreign.city_id})
    page = narrowed.get_data(as_text=True)
    assert abroad in page and here not in page


def test_a_city_the_user_does_not_read_narrows_to_nothing_they_cannot_see(world, client, auth):
    """An officer passing another city's id sees none of that city's records, and none of
    their own either (the city is not theirs): the filter narrows, it never widens."""
    auth.login(world.officer)
    page = client.get("/planning/objectives", query_string={"city_id": world.foreign.city_id})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sasaran kota lain" not in text and "Sasaran Kupang" not in text


@pytest.mark.parametrize(
    ("path", "field", "here", "abroad"),
    [
        ("/objectives", "title", "Sasaran Kupang", "Sasaran kota lain"),
        ("/complaints", "text", "Keluhan Kupang", "Keluhan kota lain"),
        ("/documents", "title", "Prosedur Kupang", "Prosedur kota lain"),
    ],
)
def test_the_api_lists_take_the_city_too(world, api, path, field, here, abroad):
    api.as_user(world.bsn)
    response = api.get(path, query_string={"city_id": world.foreign.city_id})
    assert response.status_code == 200, response.get_json()
    values = {item[field] for item in response.get_json()["data"]}
    assert abroad in values and here not in values


@pytest.mark.parametrize("odd", ["kota", "-1", "99999999999999999999", "1.5"])
def test_an_odd_city_filters_nothing_on_the_page_and_is_refused_by_the_api(
    world, client, auth, api, odd
):
    auth.login(world.bsn)
    page = client.get("/capa/complaints", query_string={"city_id": odd})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Keluhan Kupang" in text and "Keluhan kota lain" in text
    api.as_user(world.bsn)
    refused = api.get("/complaints", query_string={"city_id": odd})
    assert refused.status_code == 422, refused.get_json()
    assert "city_id" in refused.get_json()["error"]["fields"]


def test_a_nul_byte_is_refused_and_a_blank_city_filters_nothing(world, client, auth, api):
    auth.login(world.bsn)
    api.as_user(world.bsn)
    assert client.get("/capa/complaints", query_string={"city_id": "\x00"}).status_code == 422
    assert api.get("/complaints", query_string={"city_id": "\x00"}).status_code == 422
    page = client.get("/capa/complaints", query_string={"city_id": " "})
    assert page.status_code == 200
    assert "Keluhan kota lain" in page.get_data(as_text=True)
    listed = api.get("/complaints", query_string={"city_id": " "})
    assert {item["text"] for item in listed.get_json()["data"]} >= {
        "Keluhan Kupang",
        "Keluhan kota lain",
    }
