"""The pages in a real browser, at phone and desktop size, on the demo data: no page is wider
than a phone, the main pages have no serious accessibility violations, and a screenshot of
each main page at phone size is written under test-output/screenshots/ for review."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from qms import create_app
from qms.audits.models import Audit
from qms.capa.models import Nonconformity
from qms.demo import DEMO_PASSWORD
from qms.documents.models import Document
from qms.extensions import db
from qms.organisations.models import Agency
from qms.sme.models import Business, Pathway
from tests.browser import (
    DESKTOP,
    PHONE,
    SMALL_PHONE,
    chromium_path,
    page_overflow,
    screenshot,
    served,
)
from tests.conftest import empty_tables

OFFICER = "mutu.dukcapil@demo.qms.id"
AUDITOR = "auditor.bakeuda@demo.qms.id"
COOPERATIVE = "koperasi@demo.qms.id"
REVIEWER = "reviewer@bsn.demo.qms.id"
ADMIN = "admin.kupang@demo.qms.id"


@pytest.fixture(scope="module")
def site(_schema, test_settings) -> Iterator[dict]:
    """The demo city served on a local port, with CSRF on as in production."""
    app = create_app("testing", {**test_settings, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["qms", "seed-demo"])
        assert result.exit_code == 0, result.output
        ids = _record_ids()
        db.session.remove()
        with served(app) as base_url:
            yield {"url": base_url, **ids}
        db.session.remove()
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def _record_ids() -> dict[str, int | str]:
    dukcapil = db.session.scalar(select(Agency).where(Agency.code == "DUKCAPIL"))
    audit = db.session.scalar(
        select(Audit).where(Audit.agency_id == dukcapil.id).order_by(Audit.id.desc())
    )
    return {
        "agency": dukcapil.id,
        "audit": audit.id,
        "nonconformity": db.session.scalar(
            select(Nonconformity.id).where(Nonconformity.agency_id == dukcapil.id).limit(1)
        ),
        "document": db.session.scalar(
            select(Document.id)
            .where(Document.agency_id == dukcapil.id)
            .order_by(Document.id)
            .limit(1)
        ),
        "document_code": db.session.scalar(
            select(Document.code)
            .where(Document.agency_id == dukcapil.id)
            .order_by(Document.id)
            .limit(1)
        ),
        "business": db.session.scalar(select(Business.id).limit(1)),
        "pathway": db.session.scalar(select(Pathway.id).limit(1)),
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield browser
        browser.close()


def signed_in(browser: Browser, site: dict, email: str, viewport: dict) -> Page:
    page = browser.new_context(viewport=viewport, base_url=site["url"]).new_page()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/$"))
    return page


#: the pages each role works on, by name (used in the screenshots' file names)
PAGES = {
    OFFICER: {
        "home": "/",
        "agency": "/agencies/{agency}",
        "documents": "/documents/",
        "document": "/documents/{document}",
        "audits": "/audits/",
        "audit": "/audits/{audit}",
        "checklist": "/audits/{audit}/checklist",
        "register": "/capa/",
        "nonconformity": "/capa/{nonconformity}",
        "objectives": "/planning/objectives",
        "risks": "/planning/risks",
        "surveys": "/skm/",
    },
    AUDITOR: {"home": "/", "audits": "/audits/", "audit": "/audits/{audit}"},
    COOPERATIVE: {
        "home": "/",
        "businesses": "/sme/businesses",
        "business": "/sme/businesses/{business}",
        "pathway": "/sme/pathways/{pathway}",
        "dashboard": "/sme/dashboard",
    },
    REVIEWER: {"home": "/", "agencies": "/agencies", "reports": "/reports/"},
    ADMIN: {"home": "/", "users": "/users", "complaints": "/capa/complaints"},
}


def _role(email: str) -> str:
    return email.split("@")[0].replace(".", "-")


@pytest.mark.parametrize("email", sorted(PAGES))
def test_no_page_is_wider_than_a_phone(browser, site, email):
    too_wide = {}
    for viewport in (PHONE, SMALL_PHONE):
        page = signed_in(browser, site, email, viewport)
        for name, path in PAGES[email].items():
            response = page.goto(path.format(**site))
            assert response.status == 200, f"{email} {path}"
            overflow = page_overflow(page)
            if viewport is PHONE:
                screenshot(page, f"phone-{_role(email)}-{name}")
            if overflow > 0:
                too_wide[f"{name} at {viewport['width']} px"] = overflow
        page.context.close()
    assert too_wide == {}, f"pages wider than the phone (px too wide): {too_wide}"


def test_the_menu_folds_behind_a_button_on_the_phone_and_not_on_the_desktop(browser, site):
    phone = signed_in(browser, site, OFFICER, PHONE)
    expect(phone.locator("nav.mainnav")).to_be_hidden()
    phone.click("label.menu-button")
    expect(phone.locator("nav.mainnav")).to_be_visible()
    phone.context.close()

    desktop = signed_in(browser, site, OFFICER, DESKTOP)
    assert desktop.locator("nav.mainnav").is_visible()
    assert not desktop.locator("label.menu-button").is_visible()
    # grouped: a handful of entries on one line instead of every page
    entries = desktop.locator("nav.mainnav > a, nav.mainnav > details")
    assert entries.count() <= 7
    tops = {round(entries.nth(i).bounding_box()["y"]) for i in range(entries.count())}
    assert len(tops) == 1, "the menu bar wraps"
    menu = desktop.locator("nav.mainnav")
    register = menu.get_by_role("link", name="Ketidaksesuaian", exact=True)
    expect(register).to_be_hidden()
    menu.get_by_text("Audit dan tindakan korektif").click()
    expect(register).to_be_visible()
    screenshot(desktop, "desktop-menu-open")
    menu.get_by_text("Perencanaan dan tinjauan").click()  # opening one closes the other
    expect(register).to_be_hidden()
    menu.get_by_role("link", name="Sasaran mutu", exact=True).click()
    desktop.wait_for_url(re.compile(r"/planning/objectives"))
    desktop.context.close()


#: the main page of each kind; axe-core (4.x) judges them as served to their main user
ACCESSIBILITY_PAGES = [
    (OFFICER, "/"),
    (OFFICER, "/agencies/{agency}"),
    (OFFICER, "/documents/"),
    (OFFICER, "/audits/{audit}"),
    (OFFICER, "/audits/{audit}/checklist"),
    (OFFICER, "/capa/{nonconformity}"),
    (OFFICER, "/planning/risks"),
    (COOPERATIVE, "/sme/businesses"),
    (COOPERATIVE, "/sme/pathways/{pathway}"),
    (REVIEWER, "/reports/"),
    (OFFICER, "/search?q=KTS"),
]


def test_the_main_pages_have_no_serious_accessibility_violations(browser, site):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    serious: dict[str, list[str]] = {}
    pages: dict[str, Page] = {}
    for email, path in ACCESSIBILITY_PAGES:
        page = pages.get(email) or pages.setdefault(email, signed_in(browser, site, email, DESKTOP))
        page.goto(path.format(**site))
        violations = axe.run(page).response["violations"]
        found = [
            f"{v['id']} on {len(v['nodes'])} element(s), e.g. {v['nodes'][0]['target']}: "
            + v["nodes"][0]["failureSummary"][-160:]
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        if found:
            serious[path] = found
    for page in pages.values():
        page.context.close()
    assert serious == {}, "\n".join(f"{path}: {found}" for path, found in serious.items())


def test_switching_language_after_a_refused_form_keeps_the_page_and_what_was_typed(browser, site):
    page = signed_in(browser, site, OFFICER, PHONE)
    page.goto("/documents/new")
    page.fill("input[name=title]", "Prosedur pelayanan akta kelahiran")
    page.fill("input[name=review_period_months]", "999")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert page.locator(".field.has-error").count() >= 1  # refused, typed values shown

    with page.expect_navigation():
        page.click("form.language-switch button")
    page.wait_for_load_state()
    assert page.url.endswith("/documents/new")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("input[name=title]") == "Prosedur pelayanan akta kelahiran"
    assert page.input_value("input[name=review_period_months]") == "999"
    page.context.close()


def test_searching_from_the_header_on_the_phone(browser, site):
    """The search box sits behind its icon on the phone; a document code's start finds the
    document, and the result leads to its page."""
    page = signed_in(browser, site, OFFICER, SMALL_PHONE)
    box = page.locator("form.header-search input[name=q]")
    expect(box).to_be_hidden()
    page.click("label.search-button")
    expect(box).to_be_visible()
    expect(box).to_be_focused()
    screenshot(page, "phone-search-open")
    code = site["document_code"]
    box.fill(code.rsplit("-", 1)[0])  # "SOP-DUKCAPIL": the start of the code
    with page.expect_navigation():
        box.press("Enter")
    assert "/search" in page.url
    results = page.locator("main .search-hits a")
    expect(results.first).to_be_visible()
    assert code in page.locator("main").inner_text()
    assert page_overflow(page) <= 0
    screenshot(page, "phone-search-results")
    with page.expect_navigation():
        page.locator("main .search-hits a", has_text=code).first.click()
    assert page.url.endswith(f"/documents/{site['document']}")
    page.context.close()

    desktop = signed_in(browser, site, OFFICER, DESKTOP)
    assert desktop.locator("form.header-search input[name=q]").is_visible()
    assert not desktop.locator("label.search-button").is_visible()
    desktop.fill("form.header-search input[name=q]", "KTS")
    with desktop.expect_navigation():
        desktop.press("form.header-search input[name=q]", "Enter")
    expect(desktop.get_by_role("heading", name="Ketidaksesuaian")).to_be_visible()
    screenshot(desktop, "desktop-search-results")
    desktop.context.close()
