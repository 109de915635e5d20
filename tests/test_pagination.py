"""Every list pages on (qms/core/pagination.py): a default and a maximum page size, the total,
a stable order (rows that sort alike never show twice or go missing between pages), links to the
next and previous pages that keep the filters; the API refuses a page size out of bounds; the
master list's CSV and print view stream every row, however many pages the list has."""

from __future__ import annotations

import re
from datetime import date, datetime

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


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_web_list_pages_on_with_its_filters_and_shows_every_row_once(client, auth, city_world):
    auth.login(city_world["admin"])
    first = client.get("/capa/complaints").get_data(as_text=True)
    assert len(_numbers(first)) == DEFAULT_PER_PAGE
    assert f"1–{DEFAULT_PER_PAGE} dari {COMPLAINTS}" in first
    # the complaints page by keyset: the next page starts after the last row shown
    following = _link(first, "next")
    assert following.startswith("/capa/complaints?page=2&page_after=")
    second = client.get(following).get_data(as_text=True)
    assert len(_numbers(second)) == COMPLAINTS - DEFAULT_PER_PAGE
    assert _link(second, "next") is None
    # the same moment for all: the id breaks the tie, so the two pages are the whole list
    assert len(set(_numbers(first)) | set(_numbers(second))) == COMPLAINTS
    # back from the second page by its first row: the first page again
    back = client.get(_link(second, "prev")).get_data(as_text=True)
    assert _numbers(back) == _numbers(first)
    # three pages of 25: back from the third by its first row gives the second again
    pages = [client.get("/capa/complaints?per_page=25").get_data(as_text=True)]
    while _link(pages[-1], "next"):
        pages.append(client.get(_link(pages[-1], "next")).get_data(as_text=True))
    assert [len(_numbers(p)) for p in pages] == [25, 25, COMPLAINTS - 50]
    assert "page_before=" in _link(pages[2], "prev")
    assert _numbers(client.get(_link(pages[2], "prev")).get_data(as_text=True)) == _numbers(
        pages[1]
    )
    # an offset page (a page number typed in) shows the same rows as the keyset page
    assert _numbers(client.get("/capa/complaints?page=2").get_data(as_text=True)) == _numbers(
        second
    )
    # a cursor that is not one of ours is left out: the page number says which page
    assert _numbers(
        client.get("/capa/complaints?page=2&page_after=bm90LWEtY3Vyc29y").get_data(as_text=True)
    ) == _numbers(second)

    # the filters stay with the links, and the page size can be asked for
    agency_id = city_world["agency"].id
    filtered = client.get(f"/capa/complaints?agency_id={agency_id}&per_page=10")
    text = filtered.get_data(as_text=True)
    assert len(_numbers(text)) == 10
    assert _link(text, "next").startswith(
        f"/capa/complaints?agency_id={agency_id}&per_page=10&page=2&page_after="
    )
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
    # by keyset: each page names the cursor of the next, until the last
    by_cursor: list[int] = []
    query = "/complaints?per_page=25"
    while query:
        body = api.get(query).json
        by_cursor += [c["id"] for c in body["data"]]
        query = (
            f"/complaints?per_page=25&page_after={body['next_after']}"
            if body["next_after"]
            else None
        )
    assert by_cursor == seen
    for bad in (
        "per_page=0",
        f"per_page={MAX_PER_PAGE + 1}",
        "page=0",
        "page=x",
        "page_after=x",
    ):
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


def test_audits_page_by_keyset_in_the_api_as_by_offset(app, api):
    from tests.factories_audits import make_world, plan_audit

    world = make_world()
    for n in range(7):  # two of each start day: the id breaks the tie
        day = date(2026, 10, 1 + n // 2)
        plan_audit(world, planned_start=day, planned_end=day, objectives=f"Audit {n}")
    db.session.commit()
    api.as_user(world.reviewer)
    by_offset = [
        a["id"]
        for page in range(1, 5)
        for a in api.get(f"/audits?per_page=2&page={page}").json["data"]
    ]
    by_cursor: list[int] = []
    body = api.get("/audits?per_page=2").json
    while True:
        by_cursor += [a["id"] for a in body["data"]]
        if body["next_after"] is None:
            break
        body = api.get(f"/audits?per_page=2&page_after={body['next_after']}").json
    assert by_cursor == by_offset and len(set(by_cursor)) == 7
