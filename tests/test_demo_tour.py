"""A walk through the demo data as each demo account, as a person trying the README would: the
menu shows each role what it may use, and no page it reaches links to a page that refuses it."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from qms.accounts.models import User
from qms.demo import ACCOUNTS, DEMO_PASSWORD
from qms.extensions import db
from qms.organisations.models import Agency
from qms.review.models import ManagementReview
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
    "/support/",
    "/review/",
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
PLAN_AND_CHECK = {
    "/planning/objectives",
    "/planning/risks",
    "/planning/context",
    "/skm/",
    "/support/",
    "/review/",
}
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
NOT_PAGES = re.compile(r"^/(logout|static/|files/|reports/pdf/)|\.(csv|xlsx)(\?|$)|/pdf(\?|$)")


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
def demo(demo_seeded):
    """The demo city, as `make run` seeds it."""


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


#: every demo account
SUPPORT_ROLES = sorted(email for email, *_ in ACCOUNTS)


@pytest.mark.parametrize("email", SUPPORT_ROLES)
def test_each_demo_role_opens_every_support_page_it_is_shown(demo, client, auth, email):
    """Resources (qms/support): every kind of page under /support/ a role is shown a link to
    opens (forms included), however deep; the cooperative office's officer is not shown it."""
    assert auth.login(email, DEMO_PASSWORD).status_code == 302
    start = client.get("/support/")
    if "/support/" not in _menu(client.get("/").get_data(as_text=True)):
        assert start.status_code == 200  # the page opens, its lists are empty for them
        return
    seen: set[str] = set()
    to_visit = ["/support/"]
    while to_visit:
        path = to_visit.pop()
        response = client.get(path)
        assert response.status_code == 200, f"{email} is shown a link to {path}"
        for link in _links(response.get_data(as_text=True)):
            kind = re.sub(r"\d+", "N", link.split("?")[0])
            if link.startswith("/support/") and kind not in seen:
                seen.add(kind)
                to_visit.append(link)
    assert {
        "/support/instruments",
        "/support/competence",
        "/support/auditors",
        "/support/providers",
        "/support/providers/N",
        "/support/auditors/N",
    } <= seen


@pytest.mark.parametrize("email", sorted(set(MENUS) - {"koperasi@demo.qms.id"}))
def test_each_role_opens_every_review_page_of_the_demo(demo, client, auth, email):
    """The management reviews (Dukcapil's 2025 review held, its 2026 review prepared) and the
    readiness of Dukcapil and RSUD, whose missing review is named."""
    reviews = db.session.scalars(select(ManagementReview).order_by(ManagementReview.id)).all()
    assert [r.status.value for r in reviews] == ["held", "prepared"]
    agencies = {
        a.code: a
        for a in db.session.scalars(select(Agency).where(Agency.code.in_(["DUKCAPIL", "RSUD"])))
    }
    assert auth.login(email, DEMO_PASSWORD).status_code == 302
    for review in reviews:
        page = client.get(f"/review/{review.id}")
        assert page.status_code == 200, f"{email} opens review {review.id}"
    held = client.get(f"/review/{reviews[0].id}").get_data(as_text=True)
    assert "Ajukan tambahan alokasi blangko KTP-el" in held and "Terlambat" in held
    rsud = client.get(f"/review/readiness/{agencies['RSUD'].id}")
    if email in {"mutu.dukcapil@demo.qms.id", "kepala.dukcapil@demo.qms.id"}:
        # another agency's readiness is not theirs
        assert rsud.status_code == 404
    else:
        assert "Belum pernah diadakan tinjauan manajemen." in rsud.get_data(as_text=True)
    assert client.get(f"/review/readiness/{agencies['DUKCAPIL'].id}").status_code == 200
    if email in {"admin.kupang@demo.qms.id", "mutu.dukcapil@demo.qms.id", "sysadmin@demo.qms.id"}:
        assert client.get(f"/review/{reviews[1].id}/edit").status_code == 200
        assert client.get("/review/new").status_code == 200


def test_the_agency_pages_readiness_agrees_with_the_api_for_every_demo_agency(
    demo, client, auth, api
):
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@bsn.demo.qms.id"))
    api.as_user(reviewer)
    auth.login("reviewer@bsn.demo.qms.id", DEMO_PASSWORD)
    agencies = db.session.scalars(select(Agency).order_by(Agency.id)).all()
    assert len(agencies) >= 25
    for agency in agencies:
        data = api.get(f"/agencies/{agency.id}/readiness").get_json()["data"]
        page = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
        panel = page[page.index('id="management-review"') :]
        verdict = (
            "Siap untuk audit sertifikasi"
            if data["ready"]
            else "Belum siap untuk audit sertifikasi"
        )
        assert verdict in panel, agency.code
        for reason in data["reasons"]:
            assert escape(reason) in panel, (agency.code, reason)
