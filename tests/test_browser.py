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
from tests.factories import AgencyFactory, CityFactory

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
        # a second city: the BSN reviewer reads several, as in production
        AgencyFactory(city=CityFactory(name="Kota Contoh"), name="Inspektorat Kota Contoh")
        db.session.commit()
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
    rsud = db.session.scalar(select(Agency).where(Agency.code == "RSUD"))
    return {
        "agency": dukcapil.id,
        "audit": audit.id,
        # planned, with the Bakeuda auditor on its team: the checklist tests start it
        "planned_audit": db.session.scalar(
            select(Audit.id).where(Audit.agency_id == rsud.id, Audit.status == "planned")
        ),
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


def signed_in(browser: Browser, site: dict, email: str, viewport: dict, **options) -> Page:
    page = browser.new_context(viewport=viewport, base_url=site["url"], **options).new_page()
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


# --- the checklist as a field tool ---------------------------------------------------------

#: a tiny PNG as the phone's camera would send one (the content is checked, not the name)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _started_checklist(
    browser: Browser, site: dict, viewport: dict, *, script: bool = True
) -> Page:
    """The Bakeuda auditor on the checklist of the demo's planned RSUD audit, which they start
    from the audit's page the first time."""
    page = signed_in(browser, site, AUDITOR, viewport, java_script_enabled=script)
    page.goto(f"/audits/{site['planned_audit']}")
    start = page.locator("form[action$='/transition/start'] button")
    if start.count():
        with page.expect_navigation():
            start.click()
    page.goto(f"/audits/{site['planned_audit']}/checklist")
    if script:  # a marker that a reload would lose
        page.evaluate("window.notReloaded = true")
    return page


def _number(page: Page, selector: str) -> int:
    return int(page.locator(selector).first.inner_text())


def _unanswered_row(page: Page, nth: int = 0):
    """An unanswered row, pinned by its id (it stays the same row once answered)."""
    row_id = page.locator("article[data-row][data-result='']").nth(nth).get_attribute("id")
    return page.locator(f"#{row_id}")


def test_the_checklist_saves_a_row_in_place_on_the_phone(browser, site):
    page = _started_checklist(browser, site, PHONE)
    answered = _number(page, "[data-answered]")
    row = _unanswered_row(page)
    clause = row.get_attribute("data-clause")
    in_clause = page.locator(f"[data-clause-link='{clause}'] [data-clause-answered]")
    clause_answered = int(in_clause.inner_text())

    row.locator("input[name=result][value=conform]").check()
    row.locator("textarea[name=notes]").fill("Diperiksa di loket pendaftaran")
    expect(row.locator(".save-status")).to_have_text("Diubah, belum disimpan")
    row.locator("[data-save]").click()
    expect(row.locator(".save-status")).to_have_text("Tersimpan.")
    expect(row.locator(".row-badges")).to_have_text("Sesuai")
    expect(page.locator("[data-answered]")).to_have_text(str(answered + 1))
    expect(in_clause).to_have_text(str(clause_answered + 1))
    assert page.evaluate("window.notReloaded") is True

    # a nonconformity without grade, evidence and statement: every reason at once, each at
    # its field; nothing saved, the badge unchanged
    other = _unanswered_row(page)
    other.locator("input[name=result][value=nonconform]").check()
    other.locator("[data-save]").click()
    for name in ("grade", "evidence", "statement"):
        expect(other.locator(f"[data-field={name}].has-error .error")).to_be_visible()
    expect(other.locator(".row-badges")).to_have_text("Belum dijawab")
    expect(page.locator("[data-answered]")).to_have_text(str(answered + 1))
    other.locator("[data-field=grade]").scroll_into_view_if_needed()
    screenshot(page, "phone-auditor-bakeuda-checklist-refused-row", full_page=False)

    # "unanswered only" hides the row just answered, in place
    unanswered = page.locator("[data-filter=unanswered]")
    unanswered.click()
    expect(row).to_be_hidden()
    expect(other).to_be_visible()
    expect(page.locator("article[data-row]:visible")).to_have_count(
        _number(page, "[data-filter-count=unanswered]")
    )
    assert page.url.endswith("?show=unanswered") and page.evaluate("window.notReloaded")
    page.locator("[data-filter='']").click()
    expect(row).to_be_visible()

    # the sticky bar stays in view while the rows scroll, and jumps to a clause
    page.locator("article[data-row]").last.scroll_into_view_if_needed()
    assert page.locator("#checklist-bar").bounding_box()["y"] <= 1
    screenshot(page, "phone-auditor-bakeuda-checklist-scrolled", full_page=False)
    page.locator(f"[data-clause-link='{clause}']").click()
    expect(page.locator(f"#clause-{clause} h2")).to_be_in_viewport()

    # touch targets of at least 44 px, and nothing wider than the phone
    for selector in (
        "[data-clause-link]",
        "[data-filter]",
        ".result-choice",
        "[data-save]",
        "details.attach > summary",
    ):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 44, selector
    assert page_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "phone-auditor-bakeuda-checklist-in-progress", full_page=False)
    # the checklist being filled in, refused row included, as axe-core judges it
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    page.context.close()

    small = _started_checklist(browser, site, SMALL_PHONE)
    assert page_overflow(small) <= 0
    small.context.close()


def test_evidence_is_attached_in_place_keeping_the_rows_unsaved_answer(browser, site):
    page = _started_checklist(browser, site, PHONE)
    row = _unanswered_row(page, 4)
    row.locator("input[name=result][value=observation]").check()
    row.locator("textarea[name=notes]").fill("Belum disimpan: papan informasi di loket 2")
    row.locator("details.attach > summary").click()
    row.locator("input[type=file]").set_input_files(
        {"name": "papan-loket-2.png", "mimeType": "image/png", "buffer": PNG}
    )
    row.locator("input[name=description]").fill("Foto papan informasi")
    row.locator("[data-attach]").click()
    expect(row.locator(".attach-status")).to_contain_text("Berkas bukti telah dilampirkan.")
    expect(row.locator("ul.files")).to_contain_text("papan-loket-2.png Foto papan informasi")
    # the typed, unsaved answer is still there, as typed
    assert page.evaluate("window.notReloaded") is True
    expect(row.locator("textarea[name=notes]")).to_have_value(
        "Belum disimpan: papan informasi di loket 2"
    )
    expect(row.locator("input[name=result][value=observation]")).to_be_checked()
    expect(row.locator(".row-badges")).to_have_text("Belum dijawab")
    row.locator(".attach-status").scroll_into_view_if_needed()
    screenshot(page, "phone-auditor-bakeuda-checklist-evidence-attached", full_page=False)
    # the file is kept: the page opened again lists it in its row
    page.reload()
    expect(row.locator("ul.files")).to_contain_text("papan-loket-2.png")
    page.context.close()


def test_without_javascript_the_checklist_attaches_and_saves_keeping_what_was_typed(browser, site):
    page = _started_checklist(browser, site, SMALL_PHONE, script=False)
    row = _unanswered_row(page, 7)
    answered = _number(page, "[data-answered]")
    row.locator("input[name=result][value=conform]").check()
    row.locator("textarea[name=notes]").fill("Dicek tanpa JavaScript")
    row.locator("details.attach > summary").click()
    row.locator("input[type=file]").set_input_files(
        {"name": "daftar-hadir.png", "mimeType": "image/png", "buffer": PNG}
    )
    with page.expect_navigation():
        row.locator("[data-attach]").click()
    # the page came back: the file listed, the answer as typed and not saved yet
    expect(row.locator("ul.files")).to_contain_text("daftar-hadir.png")
    expect(row.locator(".attach-status")).to_have_text(
        "Berkas bukti telah dilampirkan. Jawaban belum disimpan."
    )
    expect(row.locator("textarea[name=notes]")).to_have_value("Dicek tanpa JavaScript")
    expect(row.locator("input[name=result][value=conform]")).to_be_checked()
    expect(row.locator(".row-badges")).to_have_text("Belum dijawab")
    with page.expect_navigation():
        row.locator("[data-save]").click()
    expect(row.locator(".row-badges")).to_have_text("Sesuai")
    expect(page.locator("[data-answered]")).to_have_text(str(answered + 1))
    assert page_overflow(page) <= 0
    page.context.close()


def test_the_reviewer_filters_a_register_by_city_then_agency(browser, site):
    """On a register, a reader of several cities chooses the city (the list comes again,
    narrowed to it) and then one of its agencies; the country's agencies are never listed."""
    page = signed_in(browser, site, REVIEWER, PHONE)
    page.goto("/capa/")
    expect(page.locator("select[name=agency_id]")).to_have_count(0)
    with page.expect_navigation():
        page.select_option("select[name=city_id]", label="Kota Kupang")
    agencies = page.locator("select[name=agency_id]")
    expect(agencies).to_contain_text("Dinas Kependudukan")
    assert "Inspektorat Kota Contoh" not in agencies.inner_text()
    page.select_option("select[name=agency_id]", label=_option_named(agencies, "Kependudukan"))
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert f"agency_id={site['agency']}" in page.url
    assert "city_id=" in page.url
    codes = page.locator("main table tbody tr td:nth-child(2)").all_inner_texts()
    assert codes and all("Kependudukan" in name for name in codes), codes
    assert page_overflow(page) <= 0
    screenshot(page, "phone-reviewer-register-city-agency")
    page.context.close()


def test_the_reviewer_narrows_the_master_list_to_a_city_on_the_desktop(browser, site):
    """The documents' master list, whose other filters are form fields, takes the same city
    filter: the city chosen, its agencies are offered and the rows are that city's."""
    page = signed_in(browser, site, REVIEWER, DESKTOP)
    page.goto("/documents/")
    with page.expect_navigation():
        page.select_option("select[name=city_id]", label="Kota Kupang")
    expect(page.locator("select[name=agency_id]")).to_contain_text("Dinas Kependudukan")
    assert "city_id=" in page.url
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    assert page_overflow(page) <= 0
    screenshot(page, "desktop-reviewer-master-list-city")
    page.context.close()


def _option_named(select, part: str) -> str:
    return next(text for text in select.locator("option").all_inner_texts() if part in text)


# --- search ------------------------------------------------------------------------------


def test_the_reviewer_lists_the_agencies_of_the_city_chosen(browser, site):
    """The report portal of a reader of several cities lists the agencies of the city chosen
    (the page again with it), keeping the report type chosen before."""
    page = signed_in(browser, site, REVIEWER, PHONE)
    page.goto("/reports/")
    expect(page.locator("select[name=agency_id]")).to_have_count(0)
    page.select_option("select[name=report]", "agency-compliance")
    with page.expect_navigation():
        page.select_option("select[name=city_id]", label="Kota Kupang")
    agencies = page.locator("select[name=agency_id]")
    expect(agencies).to_contain_text("Dinas Kependudukan")
    assert "Inspektorat Kota Contoh" not in agencies.inner_text()
    assert page.locator("select[name=report]").input_value() == "agency-compliance"
    assert page_overflow(page) <= 0
    screenshot(page, "phone-reports-city-chosen")
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
    # in the language the officer last chose (another test switches it)
    expect(
        desktop.get_by_role("heading", name=re.compile("^(Ketidaksesuaian|Nonconformities)"))
    ).to_be_visible()
    screenshot(desktop, "desktop-search-results")
    desktop.context.close()


# --- the checklist without a signal (static/js/offline.js) ---------------------------------

COLLEAGUE = "auditor.setda@demo.qms.id"  # leads the demo's RSUD audit, with the Bakeuda auditor


def _taken_offline(browser: Browser, site: dict) -> Page:
    """The Bakeuda auditor's checklist, saved for offline use, the service worker in charge."""
    page = _started_checklist(browser, site, PHONE)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    panel = page.locator("#offline-panel")
    expect(panel).to_be_visible()
    panel.locator("[data-offline-save]").click()
    expect(panel.locator("[data-offline-remove]")).to_be_visible()
    _settled(page)
    return page


def _settled(page: Page) -> None:
    """Nothing of the offline script under way (a sync, a copy being saved)."""
    page.wait_for_function("() => window.qmsOffline && window.qmsOffline.busy() === 0")


def _server_rows(page: Page, site: dict) -> dict[int, dict]:
    _settled(page)
    answer = page.request.get(f"/audits/{site['planned_audit']}/offline.json")
    assert answer.ok
    return {row["id"]: row for row in answer.json()["rows"]}


def _row_id(row) -> int:
    return int(row.get_attribute("data-row"))


def test_the_checklist_works_offline_and_syncs_when_the_signal_returns(browser, site):
    page = _taken_offline(browser, site)
    panel = page.locator("#offline-panel")
    first, second = _unanswered_row(page, 10), _unanswered_row(page, 11)
    answered = _number(page, "[data-answered]")

    page.context.set_offline(True)
    expect(panel.locator("[data-offline-network]")).to_be_visible()
    first.locator("input[name=result][value=conform]").check()
    first.locator("textarea[name=notes]").fill("Dicek tanpa sinyal di loket")
    first.locator("[data-save]").click()
    expect(first.locator(".offline-badge")).to_be_visible()
    # the same rules as online: a nonconformity without its evidence and statement is kept on
    # the phone, but marked, each reason at its field
    second.locator("input[name=result][value=nonconform]").check()
    second.locator("[data-save]").click()
    for name in ("evidence", "statement"):
        expect(second.locator(f"[data-field={name}].has-error .error")).to_be_visible()
    expect(second).to_have_attribute("data-pending", "invalid")
    grades = page.evaluate("JSON.parse(document.getElementById('checklist').dataset.grades)")
    second.locator("select[name=grade]").select_option(grades["nonconform"][0])
    second.locator("textarea[name=evidence]").fill("SOP triase tidak ada di IGD")
    second.locator("textarea[name=statement]").fill("Prosedur triase belum terdokumentasi")
    second.locator("[data-save]").click()
    expect(second).to_have_attribute("data-pending", "queued")
    expect(second.locator("[data-field=evidence].has-error")).to_have_count(0)
    expect(panel.locator("[data-offline-queue]")).to_contain_text("2")

    # closed and opened again without a signal: the service worker serves the saved page and
    # the answers come back from the phone, still waiting
    reopened = page.reload()
    assert reopened.from_service_worker  # not from the network: there is none
    first, second = page.locator(f"#row-{_row_id(first)}"), page.locator(f"#row-{_row_id(second)}")
    expect(first.locator(".offline-badge")).to_be_visible()
    expect(second.locator(".offline-badge")).to_be_visible()
    expect(first.locator("textarea[name=notes]")).to_have_value("Dicek tanpa sinyal di loket")
    expect(first.locator("input[name=result][value=conform]")).to_be_checked()
    expect(second.locator("textarea[name=evidence]")).to_have_value("SOP triase tidak ada di IGD")
    expect(panel.locator("[data-offline-network]")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "phone-auditor-bakeuda-checklist-offline-panel", full_page=False)
    first.scroll_into_view_if_needed()
    screenshot(page, "phone-auditor-bakeuda-checklist-offline-waiting", full_page=False)
    assert page_overflow(page) <= 0

    # the signal returns: sent in order, each on its version; the badges follow
    page.context.set_offline(False)
    expect(first.locator(".offline-badge")).to_have_count(0)
    expect(second.locator(".offline-badge")).to_have_count(0)
    expect(first.locator(".row-badges .result-badge")).to_have_text("Sesuai")
    expect(first.locator(".offline-synced")).to_have_text("Tersinkron")
    expect(second.locator(".finding-badge")).to_be_visible()
    expect(page.locator("[data-answered]")).to_have_text(str(answered + 2))
    expect(panel.locator("[data-offline-queue]")).to_be_hidden()
    stored = _server_rows(page, site)
    assert stored[_row_id(first)]["result"] == "conform"
    assert stored[_row_id(first)]["notes"] == "Dicek tanpa sinyal di loket"
    assert stored[_row_id(second)]["result"] == "nonconform"
    assert stored[_row_id(second)]["evidence"] == "SOP triase tidak ada di IGD"
    assert stored[_row_id(second)]["finding"]
    screenshot(page, "phone-auditor-bakeuda-checklist-offline-synced", full_page=False)
    _settled(page)
    page.context.close()


def test_a_row_changed_meanwhile_is_shown_as_a_conflict_and_not_overwritten(browser, site):
    page = _taken_offline(browser, site)
    row = _unanswered_row(page, 12)
    row_id = _row_id(row)
    page.context.set_offline(True)
    row.locator("input[name=result][value=not_applicable]").check()
    row.locator("textarea[name=notes]").fill("Menurut saya: tidak berlaku di unit ini")
    row.locator("[data-save]").click()
    expect(row.locator(".offline-badge")).to_be_visible()

    # meanwhile the colleague answers the same row online
    colleague = signed_in(browser, site, COLLEAGUE, DESKTOP)
    colleague.goto(f"/audits/{site['planned_audit']}/checklist")
    theirs = colleague.locator(f"#row-{row_id}")
    theirs.locator("input[name=result][value=conform]").check()
    theirs.locator("textarea[name=notes]").fill("Sesuai: dokumen ada di ruang rekam medis")
    theirs.locator("[data-save]").click()
    expect(theirs.locator(".save-status")).to_have_text("Tersimpan.")
    colleague.context.close()

    page.context.set_offline(False)
    conflict = row.locator(".offline-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Menurut saya: tidak berlaku di unit ini")
    expect(conflict).to_contain_text("Sesuai: dokumen ada di ruang rekam medis")
    expect(row).to_have_attribute("data-pending", "conflict")
    # nothing overwritten: the server keeps the colleague's answer
    assert _server_rows(page, site)[row_id]["notes"] == "Sesuai: dokumen ada di ruang rekam medis"
    conflict.scroll_into_view_if_needed()
    screenshot(page, "phone-auditor-bakeuda-checklist-offline-conflict", full_page=False)
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
        ".right > window.innerWidth + 1).slice(0, 5).map(e => e.outerHTML.slice(0, 120))"
    )
    assert page_overflow(page) <= 0, wide

    # the conflict stays when the page is opened again
    page.reload()
    row = page.locator(f"#row-{row_id}")
    expect(row.locator(".offline-conflict")).to_be_visible()
    # the auditor keeps theirs: the row shows it, the queue is empty, the server unchanged
    row.locator("[data-keep-theirs]").click()
    expect(row.locator(".offline-conflict")).to_have_count(0)
    expect(row.locator("textarea[name=notes]")).to_have_value(
        "Sesuai: dokumen ada di ruang rekam medis"
    )
    expect(row.locator(".row-badges")).to_have_text("Sesuai")
    assert _server_rows(page, site)[row_id]["notes"] == "Sesuai: dokumen ada di ruang rekam medis"
    _settled(page)
    page.context.close()


def test_keeping_my_answer_after_a_conflict_saves_it_on_the_new_version(browser, site):
    page = _taken_offline(browser, site)
    row = _unanswered_row(page, 13)
    row_id = _row_id(row)
    page.context.set_offline(True)
    row.locator("input[name=result][value=conform]").check()
    row.locator("textarea[name=notes]").fill("Jawaban saya dari lapangan")
    row.locator("[data-save]").click()
    colleague = signed_in(browser, site, COLLEAGUE, DESKTOP)
    colleague.goto(f"/audits/{site['planned_audit']}/checklist")
    theirs = colleague.locator(f"#row-{row_id}")
    theirs.locator("input[name=result][value=not_audited]").check()
    theirs.locator("[data-save]").click()
    expect(theirs.locator(".save-status")).to_have_text("Tersimpan.")
    colleague.context.close()
    page.context.set_offline(False)
    expect(row.locator(".offline-conflict")).to_be_visible()
    row.locator("[data-keep-mine]").click()
    expect(row.locator(".offline-conflict")).to_have_count(0)
    expect(row.locator(".offline-badge")).to_have_count(0)
    expect(row.locator(".row-badges .result-badge")).to_have_text("Sesuai")
    stored = _server_rows(page, site)[row_id]
    assert stored["notes"] == "Jawaban saya dari lapangan" and stored["result"] == "conform"
    _settled(page)
    page.context.close()


def test_logging_out_removes_the_offline_copy(browser, site):
    page = _taken_offline(browser, site)
    count = "() => window.qmsOfflineStore.all('audits').then(copies => copies.length)"
    assert page.evaluate(count) == 1
    page.goto("/")
    page.locator(".account-menu summary").click()
    with page.expect_navigation():
        page.locator(".account-menu form button").click()
    for _attempt in range(50):  # offline-register.js clears them once the login page loads
        if page.evaluate(count) == 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(count) == 0
    cached = page.evaluate("caches.open('qms-offline').then(c => c.keys()).then(k => k.length)")
    assert cached == 0
    page.context.close()


def test_an_ended_session_does_not_sync_and_the_queue_waits_for_the_next_login(browser, site):
    page = _taken_offline(browser, site)
    row = _unanswered_row(page, 14)
    row_id = _row_id(row)
    page.context.set_offline(True)
    row.locator("input[name=result][value=conform]").check()
    row.locator("textarea[name=notes]").fill("Menunggu login berikutnya")
    row.locator("[data-save]").click()
    expect(row.locator(".offline-badge")).to_be_visible()
    # the session ends meanwhile (its cookie gone): back online, the server refuses the sync
    page.context.clear_cookies()
    page.context.set_offline(False)
    expect(page.locator("[data-offline-status]")).to_contain_text("masuk lagi")
    expect(row.locator(".offline-badge")).to_be_visible()
    _settled(page)
    # a further change goes on the phone, and the panel still says to log in again
    row.locator("textarea[name=notes]").fill("Menunggu login berikutnya, dicek lagi")
    queued_notes = (
        "([audit, id]) => window.qmsOfflineStore.queueOf(audit)"
        ".then(entries => entries.filter(e => e.row === id).map(e => e.values.notes)[0])"
    )
    for _attempt in range(50):  # the row is put on the phone a moment after the last keystroke
        if page.evaluate(queued_notes, [site["planned_audit"], row_id]).endswith("dicek lagi"):
            break
        page.wait_for_timeout(100)
    expect(page.locator("[data-offline-status]")).to_contain_text("masuk lagi")
    # the same user logs in again: the queued answer is still on the phone and is sent
    page.goto("/login")
    page.fill("input[name=email]", AUDITOR)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/audits/{site['planned_audit']}/checklist")
    row = page.locator(f"#row-{row_id}")
    expect(row.locator(".row-badges .result-badge")).to_have_text("Sesuai")
    expect(row.locator(".offline-badge")).to_have_count(0)
    assert _server_rows(page, site)[row_id]["notes"] == "Menunggu login berikutnya, dicek lagi"
    _settled(page)
    page.context.close()


def test_an_evidence_photo_taken_offline_is_kept_on_the_phone_and_uploaded_later(browser, site):
    page = _taken_offline(browser, site)
    row = _unanswered_row(page, 15)
    row_id = _row_id(row)
    page.context.set_offline(True)
    row.locator("input[name=result][value=observation]").check()
    row.locator("textarea[name=notes]").fill("Papan alur pelayanan tidak terbaca")
    grades = page.evaluate("JSON.parse(document.getElementById('checklist').dataset.grades)")
    row.locator("select[name=grade]").select_option(grades["observation"][0])
    row.locator("textarea[name=statement]").fill("Papan alur pelayanan pudar")
    row.locator("[data-save]").click()
    row.locator("details.attach > summary").click()
    row.locator("input[type=file]").set_input_files(
        {"name": "papan-alur.png", "mimeType": "image/png", "buffer": PNG}
    )
    row.locator("input[name=description]").fill("Foto papan alur")
    row.locator("[data-attach]").click()
    waiting = row.locator("ul.files [data-offline-file]")
    expect(waiting).to_contain_text("papan-alur.png Foto papan alur")
    # the page closed and opened again offline: the photo is still waiting on the phone
    page.reload()
    row = page.locator(f"#row-{row_id}")
    expect(row.locator("ul.files [data-offline-file]")).to_contain_text("papan-alur.png")
    row.locator("ul.files").scroll_into_view_if_needed()
    screenshot(page, "phone-auditor-bakeuda-checklist-offline-photo-waiting", full_page=False)
    page.context.set_offline(False)
    expect(row.locator("ul.files a")).to_have_text("papan-alur.png")
    expect(row.locator("ul.files [data-offline-file]")).to_have_count(0)
    expect(row.locator(".finding-badge")).to_be_visible()
    _settled(page)
    # on the server: the page as served lists the file in its row, the answer saved
    page.reload()
    row = page.locator(f"#row-{row_id}")
    expect(row.locator("ul.files")).to_contain_text("papan-alur.png Foto papan alur")
    assert _server_rows(page, site)[row_id]["result"] == "observation"
    _settled(page)
    page.context.close()


HEAD = "kepala.dukcapil@demo.qms.id"


def test_the_agency_head_finds_the_revision_to_approve_on_the_phone(browser, site):
    """Work finds its people: the demo's SOP KTP-el revision 3 waits for the head of Dukcapil,
    first on their home page at phone size, and one tap opens it with its approve step."""
    page = signed_in(browser, site, HEAD, PHONE)
    card = page.locator("section.waiting")
    expect(card).to_be_visible()
    expect(card).to_contain_text("SOP-DUKCAPIL-001 rev. 3")
    assert card.bounding_box()["y"] < PHONE["height"] / 2, "the card opens the page"
    assert page_overflow(page) <= 0
    screenshot(page, "phone-kepala-dukcapil-home", full_page=False)
    card.get_by_role("link", name=re.compile("SOP-DUKCAPIL-001 rev. 3")).click()
    expect(page.locator("#approvers")).to_contain_text("Kepala")
    expect(page.locator("button", has_text="Setujui")).to_be_visible()
    page.context.close()
