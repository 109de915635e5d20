"""Screenshots of the main pages at phone size (390 × 844), as each demo role sees them, for a
before/after comparison of the layout: a client of a running app (any version), driving
Debian's Chromium through Playwright (no browser download; `QMS_CHROMIUM` names another path).

    python scripts/phone_screens.py http://127.0.0.1:5000 docs/screens/after

Each role logs in with its demo account (README "Demo accounts") and opens its pages; the
records (a document, a revision, an audit, a nonconformity, a pathway, an agency) are found by
following the links of the list pages, so the same script works on older versions, and a page
that cannot be found is skipped and said so. For the checklist of an audit in progress the
auditor starts the demo's planned audit if none is in progress and, while fewer than two of
its rows are answered, saves rows as conforming (this changes the demo data: run it against a
throw-away demo database).

Written to the output folder: one PNG per page (full page, cut at 6000 px, reduced to a
palette when Pillow is installed) and summary.csv (per page: the document's scrollWidth
against the viewport's width, i.e. horizontal overflow, the page's height, and how many boxes
in the page hold content wider than they show, e.g. a table scrolling in its own box).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

PHONE = {"width": 390, "height": 844}
MAX_HEIGHT = 6000
PASSWORD = "Demo-Kupang-2026"
#: rows of the audit in progress answered before its checklist and page are shown
ANSWERED = 2

OFFICER = "mutu.dukcapil@demo.qms.id"
HEAD = "kepala.dukcapil@demo.qms.id"
AUDITOR = "auditor.bakeuda@demo.qms.id"
COOPERATIVE = "koperasi@demo.qms.id"
REVIEWER = "reviewer@bsn.demo.qms.id"
ADMIN = "admin.kupang@demo.qms.id"


class NotFound(Exception):
    """The page's record could not be reached by following links: the page is skipped."""


@dataclass
class Shot:
    role: str
    name: str
    url: str = ""
    status: int | str = ""
    scroll_width: int | str = ""
    overflow: int | str = ""
    height: int | str = ""
    sideways_boxes: int | str = ""
    file: str = ""
    note: str = ""


# --- finding records by following links -------------------------------------------------------


def _links(page: Page, pattern: str) -> list[tuple[str, str]]:
    """(path, text) of the main content's links whose path matches `pattern`, in page order;
    the text is the link's row (or list item, or card): a code links, its title is beside."""
    found = page.evaluate(
        """() => Array.from(document.querySelectorAll('main a[href]')).map(a => [
             new URL(a.href).pathname,
             (a.closest('tr, li, article, .card') || a).innerText.trim(),
           ])"""
    )
    seen, links = set(), []
    for path, text in found:
        if re.fullmatch(pattern, path) and path not in seen:
            seen.add(path)
            links.append((path, text))
    return links


def _record_id(path: str) -> int:
    return int(re.findall(r"\d+", path)[-1])


def follow(
    page: Page,
    start: str,
    pattern: str,
    *,
    prefer: str | None = None,
    only: str | None = None,
    newest: bool = False,
) -> tuple[str, str]:
    """Open `start` and choose one of its links matching `pattern`: the first whose text
    matches `prefer`, else the newest record (highest id) or the first listed; with `only`,
    the first whose text matches it or none."""
    response = page.goto(start)
    if response is None or response.status != 200:
        raise NotFound(f"{start} answered {response.status if response else 'nothing'}")
    links = _links(page, pattern)
    if not links:
        raise NotFound(f"no link matching {pattern} on {start}")
    if only:
        links = [link for link in links if re.search(only, link[1], re.I)]
        if not links:
            raise NotFound(f"no link on {start} whose row matches {only}")
    if prefer:
        preferred = [link for link in links if re.search(prefer, link[1], re.I)]
        links = preferred or links
    if newest:
        return max(links, key=lambda link: _record_id(link[0]))
    return links[0]


def audit_in_progress(page: Page, prefer: str = r"RSUD") -> tuple[str, str]:
    """An audit the auditor may fill in, those whose row matches `prefer` first, then the
    newest: the first whose checklist has rows open for answers or that they may start (started
    here); at least ANSWERED of its rows are answered."""
    links = follow_all(page, "/audits/", r"/audits/\d+")
    links.sort(key=lambda link: (not re.search(prefer, link[1]), -_record_id(link[0])))
    for path, text in links[:12]:
        page.goto(path + "/checklist")
        if page.locator("form.row-form input[name=result]:not([disabled])").count():
            break
        page.goto(path)
        start = page.locator("form[action$='/transition/start'] button[type=submit]")
        if start.count():
            with page.expect_navigation():
                start.first.click()
            text += " (started here)"
            break
    else:
        raise NotFound("no audit in progress and none this auditor may start")
    answer_rows(page, path, ANSWERED)
    return path, text


def follow_all(page: Page, start: str, pattern: str) -> list[tuple[str, str]]:
    response = page.goto(start)
    if response is None or response.status != 200:
        raise NotFound(f"{start} answered {response.status if response else 'nothing'}")
    return _links(page, pattern)


def answer_rows(page: Page, audit: str, count: int) -> None:
    """Answer rows 'conform' with a note until `count` rows are answered, through the row's own
    form as an auditor would."""
    page.goto(audit + "/checklist")
    answered = page.locator("form.row-form:has(input[name=result]:checked)").count()
    for number in range(answered, count):
        open_rows = page.locator("form.row-form:not(:has(input[name=result]:checked))")
        if not open_rows.count():
            return
        # pinned by its address: once answered it no longer matches the selector above
        form = page.locator(f"form[action='{open_rows.first.get_attribute('action')}']")
        form.locator("input[name=result][value=conform]").check()
        notes = form.locator("textarea[name=notes]")
        if notes.count():
            notes.fill(f"Diperiksa di lapangan ({number + 1})")
        form.locator("button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.goto(audit + "/checklist")


# --- the pages of each role -------------------------------------------------------------------

#: a page: a fixed path, or a function finding it (returns (path, what was chosen))
Target = str | Callable[[Page], tuple[str, str]]


def _revision(page: Page) -> tuple[str, str]:
    document, _ = follow(page, "/documents/", r"/documents/\d+", prefer=r"KTP")
    return follow(page, document, r"/documents/revisions/\d+", newest=True)


def _agency(page: Page) -> tuple[str, str]:
    return follow(page, "/agencies", r"/agencies/\d+", prefer=r"Dukcapil|Kependudukan")


def _checklist(page: Page) -> tuple[str, str]:
    path, text = audit_in_progress(page)
    return path + "/checklist", text


PAGES: dict[str, dict[str, Target]] = {
    OFFICER: {
        "home": "/",
        "documents": "/documents/",
        "document": lambda p: follow(p, "/documents/", r"/documents/\d+", prefer=r"KTP"),
        "revision": _revision,
        "audits": "/audits/",
        "audit": lambda p: follow(p, "/audits/", r"/audits/\d+", newest=True),
        "register": "/capa/",
        "nonconformity": lambda p: follow(p, "/capa/", r"/capa/\d+", prefer=r"KTS-2026"),
        # one further on: its completed steps above the next one
        "nonconformity-implemented": lambda p: follow(
            p, "/capa/", r"/capa/\d+", only=r"Terlaksana|Implemented"
        ),
        "agency": _agency,
        "search": "/search?q=KTP",
    },
    AUDITOR: {
        "home": "/",
        "audits": "/audits/",
        "checklist": _checklist,
        "audit": lambda p: audit_in_progress(p),
    },
    COOPERATIVE: {
        "home": "/",
        "pathways": "/sme/pathways",
        "pathway": lambda p: follow(p, "/sme/pathways", r"/sme/pathways/\d+"),
    },
    REVIEWER: {"home": "/", "reports": "/reports/", "agency": _agency},
    ADMIN: {"home": "/"},
    # last: older demos have no agency heads, and a failed login counts against the address
    HEAD: {"home": "/", "revision": _revision},
}


# --- the browser --------------------------------------------------------------------------


def chromium_path() -> str:
    path = os.environ.get("QMS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        sys.exit("Chromium not found: install Debian's chromium or set QMS_CHROMIUM")
    return path


def log_in(page: Page, email: str) -> bool:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    return "/login" not in page.url


def measure(page: Page) -> dict[str, int]:
    return page.evaluate(
        """() => ({
            scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
            viewport: window.innerWidth,
            height: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
            // boxes (a table's scroller, a chart's, a clipped panel) wider inside than shown:
            // the page does not scroll sideways, but part of their content is out of view
            // (not the 1 px boxes of text for screen readers only)
            boxes: Array.from(document.querySelectorAll('main *')).filter(e =>
                e.scrollWidth > e.clientWidth + 2 && e.clientWidth > 20
                && ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX)
            ).length,
        })"""
    )


def save_screenshot(page: Page, path: Path, height: int) -> None:
    """The full page from the top, at most MAX_HEIGHT px, as a small PNG."""
    clip = {"x": 0, "y": 0, "width": PHONE["width"], "height": min(height, MAX_HEIGHT)}
    page.screenshot(path=str(path), full_page=True, clip=clip)
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def role_name(email: str) -> str:
    return email.split("@")[0].replace(".", "-")


def shoot_role(browser, base_url: str, email: str, out: Path) -> list[Shot]:
    context = browser.new_context(viewport=PHONE, base_url=base_url)
    page = context.new_page()
    shots = []
    try:
        logged_in = log_in(page, email)
        for name, target in PAGES[email].items():
            shot = Shot(role_name(email), name)
            shots.append(shot)
            if not logged_in:
                shot.note = "skipped: the account cannot log in (not in this version's demo)"
                continue
            try:
                if callable(target):
                    path, chosen = target(page)
                    shot.note = re.sub(r"\s*[\t\n]\s*", " · ", chosen.strip())[:100]
                else:
                    path = target
                response = page.goto(path)
            except NotFound as missing:
                shot.note = f"skipped: {missing}"
                continue
            shot.url = path
            shot.status = response.status if response else "none"
            if shot.status != 200:
                shot.note = f"skipped: {path} answered {shot.status}"
                continue
            page.wait_for_load_state("networkidle")
            size = measure(page)
            shot.scroll_width = size["scroll"]
            shot.overflow = max(0, size["scroll"] - size["viewport"])
            shot.height = size["height"]
            shot.sideways_boxes = size["boxes"]
            shot.file = f"{shot.role}-{name}.png"
            save_screenshot(page, out / shot.file, size["height"])
            print(
                f"{shot.role:16} {name:26} {path:24} height {shot.height:>5}"
                f" overflow {shot.overflow:>3} sideways boxes {shot.sideways_boxes}"
            )
    finally:
        context.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the running app, e.g. http://127.0.0.1:5000")
    parser.add_argument("out", type=Path, help="the folder for the PNG files and summary.csv")
    parser.add_argument("--role", action="append", help="only these accounts (e-mail)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shots: list[Shot] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        for email in args.role or PAGES:
            shots += shoot_role(browser, args.base_url.rstrip("/"), email, args.out)
        browser.close()
    fields = list(Shot.__dataclass_fields__)
    with (args.out / "summary.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["viewport_width", *fields])
        for shot in shots:
            writer.writerow([PHONE["width"], *(getattr(shot, field) for field in fields)])
    skipped = [f"{shot.role} {shot.name}: {shot.note}" for shot in shots if not shot.file]
    print(f"{len(shots) - len(skipped)} screenshots in {args.out}", *skipped, sep="\n")


if __name__ == "__main__":
    main()
