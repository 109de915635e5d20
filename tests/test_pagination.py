"""Every list pages on (qms/core/pagination.py): a default and a maximum page size, the total,
a stable order (rows that sort alike never show twice or go missing between pages), links to the
next and previous pages that keep the filters; the API refuses a page size out of bounds; the
master list's CSV and print view stream every row, however many pages the list has."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from qms.capa.models import Channel
from qms.core.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from qms.core.roles import Role
from qms.extensions import db
from tests.factories import AgencyFactory, CityFactory, user_with_role
from tests.factories_capa import ComplaintFactory
from tests.factories_documents import DocumentFactory

#: more complaints than a page holds, all received at the same moment (only the id orders them)
COMPLAINTS = DEFAULT_PER_PAGE + 12


@pytest.fixture
def city_world(app):
    city = CityFactory(code="KUPANG", name="Kota Kupang")
    agency = AgencyFactory(city=city, code="DUKCAPIL", name="Dinas Dukcapil")
    other = AgencyFactory(city=city, code="RSUD", name="RSUD S.K. Lerik")
    for n in range(COMPLAINTS):
        ComplaintFactory(
            agency=agency if n % 3 else other,
            channel=Channel.QLUE if n % 2 else Channel.LAPOR,
            received_at=datetime(2026, 3, 1, 9),
        )
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    db.session.commit()
    return {"city": city, "agency": agency, "other": other, "admin": admin}


def _numbers(html: str) -> list[str]:
    return re.findall(r"QL-\d+", html)


def test_a_web_list_pages_on_with_its_filters_and_shows_every_row_once(client, auth, city_world):
    auth.login(city_world["admin"])
    first = client.get("/capa/complaints").get_data(as_text=True)
    assert len(_numbers(first)) == DEFAULT_PER_PAGE
    assert f"1–{DEFAULT_PER_PAGE} dari {COMPLAINTS}" in first
    assert 'rel="next" href="/capa/complaints?page=2"' in first
    second = client.get("/capa/complaints?page=2").get_data(as_text=True)
    assert len(_numbers(second)) == COMPLAINTS - DEFAULT_PER_PAGE
    assert 'rel="prev" href="/capa/complaints"' in second and 'rel="next"' not in second
    # the same moment for all: the id breaks the tie, so the two pages are the whole list
    assert len(set(_numbers(first)) | set(_numbers(second))) == COMPLAINTS

    # the filters stay with the links, and the page size can be asked for
    agency_id = city_world["agency"].id
    filtered = client.get(f"/capa/complaints?agency_id={agency_id}&per_page=10")
    text = filtered.get_data(as_text=True)
    assert len(_numbers(text)) == 10
    assert f'href="/capa/complaints?agency_id={agency_id}&amp;per_page=10&amp;page=2"' in text
    # a page size beyond the maximum shows the maximum; a bad page number the first page
    assert client.get(f"/capa/complaints?per_page={MAX_PER_PAGE * 5}").status_code == 200
    assert len(_numbers(client.get("/capa/complaints?page=abc").get_data(as_text=True))) == 50


def test_an_api_list_gives_its_total_and_refuses_page_sizes_out_of_bounds(api, city_world):
    api.as_user(city_world["admin"])
    seen: list[int] = []
    page = 1
    while True:
        body = api.get(f"/complaints?per_page=25&page={page}").json
        assert body["total"] == COMPLAINTS and body["per_page"] == 25
        if not body["data"]:
            break
        seen += [c["id"] for c in body["data"]]
        page += 1
    assert len(seen) == len(set(seen)) == COMPLAINTS
    for bad in ("per_page=0", f"per_page={MAX_PER_PAGE + 1}", "page=0", "page=x"):
        response = api.get(f"/complaints?{bad}")
        assert response.status_code == 422, bad
        assert bad.split("=")[0] in response.json["error"]["fields"]


def test_the_master_list_pages_but_its_csv_and_print_view_stream_every_row(
    client, auth, city_world
):
    agency = city_world["agency"]
    for _ in range(DEFAULT_PER_PAGE + 5):
        DocumentFactory(agency=agency)
    db.session.commit()
    auth.login(city_world["admin"])
    page = client.get("/documents/").get_data(as_text=True)
    assert page.count('href="/documents/') >= DEFAULT_PER_PAGE
    assert 'rel="next"' in page

    export = client.get("/documents/master-list.csv")
    assert export.is_streamed
    assert len(export.data.decode("utf-8-sig").splitlines()) == 1 + DEFAULT_PER_PAGE + 5

    printable = client.get("/documents/master-list/print")
    assert printable.is_streamed
    text = printable.get_data(as_text=True)
    assert text.count("<tr>") == 1 + DEFAULT_PER_PAGE + 5  # the heading row, then one each
    assert "Dinas Dukcapil" in text
