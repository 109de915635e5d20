"""A walk through the demo data as each demo account, as a person trying the README would: the
menu shows each role what it may use, and no page it reaches links to a page that refuses it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from qms.demo import ACCOUNTS, DEMO_PASSWORD
from qms.extensions import db
from qms.skm.models import Survey

EVERY_MENU = {
    "/agencies",
    "/documents/",
    "/audits/",
    "/capa/",
    "/capa/complaints",
    "/capa/dashboard",
    "/planning/objectives",
    "/planning/risks",
    "/planning/context",
    "/skm/",
    "/sme/businesses",
    "/sme/pathways",
    "/sme/dashboard",
    "/sme/guidance",
    "/standards",
    "/cities",
    "/reports/",
    "/users",
    "/outbox",
}
ADMINISTRATION = {"/cities", "/users", "/outbox"}
SMALL_BUSINESSES = {"/sme/businesses", "/sme/pathways", "/sme/dashboard", "/sme/guidance"}
PLAN_AND_CHECK = {"/planning/objectives", "/planning/risks", "/planning/context", "/skm/"}
AGENCY_WORK = {"/documents/", "/audits/", "/capa/", "/capa/dashboard"} | PLAN_AND_CHECK

MENUS = {
    "sysadmin@demo.qms.id": EVERY_MENU,
    "admin.kupang@demo.qms.id": EVERY_MENU,
    "mutu.dukcapil@demo.qms.id": EVERY_MENU - ADMINISTRATION - SMALL_BUSINESSES,
    # the agency head: the agency work menus (their own agency's documents to approve)
    "kepala.dukcapil@demo.qms.id": {"/agencies", "/standards"} | AGENCY_WORK,
    "auditor.bakeuda@demo.qms.id": {"/agencies", "/standards"} | AGENCY_WORK,
    "koperasi@demo.qms.id": {"/agencies", "/standards"} | SMALL_BUSINESSES,
    "reviewer@bsn.demo.qms.id": EVERY_MENU - {"/users", "/outbox"},
    "pimpinan.kupang@demo.qms.id": EVERY_MENU - ADMINISTRATION,
}

#: downloads (and the links that generate a PDF), files and the logout are not pages to visit
NOT_PAGES = re.compile(r"^/(logout|static/|files/|reports/pdf/)|\.csv(\?|$)|/pdf(\?|$)")


def _links(html: str) -> list[str]:
    return [
        href.replace("&amp;", "&")
        for href in re.findall(r'href="(/[^"#]*)', html)
        if not NOT_PAGES.search(href)
    ]


def _menu(html: str) -> set[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    return set(_links(nav.group(0))) - {"/"} if nav else set()


def test_every_demo_account_is_listed_with_its_menu():
    assert set(MENUS) <= {email for email, *_ in ACCOUNTS}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["qms", "seed-demo"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("email", sorted(MENUS))
def test_each_demo_role_sees_its_menu_and_every_link_it_is_shown_opens(demo, client, auth, email):
    assert auth.login(email, DEMO_PASSWORD).status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert _menu(home.get_data(as_text=True)) == MENUS[email]

    # one page of each kind (ids replaced) two clicks from the home page
    seen: set[str] = set()
    to_visit = ["/"]
    for _depth in range(2):
        found = []
        for path in to_visit:
            response = client.get(path)
            assert response.status_code == 200, f"{email} is shown a link to {path}"
            if response.mimetype == "text/html":
                found += _links(response.get_data(as_text=True))
        to_visit = []
        for path in found:
            kind = re.sub(r"\d+", "N", path.split("?")[0])
            if kind not in seen:
                seen.add(kind)
                to_visit.append(path)
    for path in to_visit:
        assert client.get(path).status_code == 200, f"{email} is shown a link to {path}"
    for path in _public_survey_pages():
        assert client.get(path).status_code == 200, f"{email} opens {path}"


def _public_survey_pages() -> list[str]:
    """The public pages of the demo's survey units (results, form, QR code): open to everyone,
    signed in or not."""
    units = db.session.scalars(select(Survey.unit_id).distinct().order_by(Survey.unit_id))
    return [
        page
        for unit_id in units
        for page in (
            f"/skm/public/units/{unit_id}",
            f"/skm/public/units/{unit_id}/form",
            f"/skm/public/units/{unit_id}/qr.svg",
        )
    ]


def test_an_anonymous_visitor_opens_only_the_public_survey_pages(demo, client):
    pages = _public_survey_pages()
    assert len(pages) == 9
    for path in pages:
        assert client.get(path).status_code == 200, path
    assert client.get("/skm/").status_code == 302
    assert client.get("/planning/risks").status_code == 302
