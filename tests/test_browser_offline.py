"""The checklist without a signal, end to end at phone size in Debian's Chromium (on the demo
city, as tests/test_browser.py): an audit done offline, with a nonconformity and its photo sent
in resumable pieces through a dropped connection, reaches the server with its history; a
conflict merged field by field; a logout with changes waiting and the next login; a reported
audit leaving the phone. The phone screens of each state are written under
test-output/screenshots/ (phone-offline-*)."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select

from qms import create_app
from qms.audits.models import Audit, AuditStatus
from qms.core.history import HistoryEntry
from qms.demo import DEMO_PASSWORD
from qms.extensions import db
from qms.files.models import StoredFile
from tests import test_browser as base
from tests.browser import DESKTOP, page_overflow, screenshot

# the demo city served on a local port, and the browser (a module of their own here)
site = base.site
browser = base.browser


@pytest.fixture(scope="module")
def database(test_settings) -> Iterator[Flask]:
    """The served app's database, read (and the audit reported) beside the browser."""
    app = create_app("testing", test_settings)
    yield app
    with app.app_context():
        db.engine.dispose()


def _png(width: int, height: int) -> bytes:
    """A real PNG, not compressed, so that it is large: 600 × 300 × 3 ≈ 540 KB (3 pieces)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    line = bytes((x * 7) % 256 for x in range(width * 3))
    raw = b"".join(b"\x00" + line[(y % 3) :] + line[: (y % 3)] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 0))
        + chunk(b"IEND", b"")
    )


PHOTO = _png(600, 300)


def _history(database: Flask, record_type: str, record_id: int) -> list[HistoryEntry]:
    with database.app_context():
        entries = list(
            db.session.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.record_type == record_type, HistoryEntry.record_id == record_id)
                .order_by(HistoryEntry.id)
            )
        )
        db.session.remove()
        return entries


def _user_id(database: Flask, email: str) -> int:
    from qms.accounts.models import User

    with database.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        db.session.remove()
        return user_id


#: what IndexedDB holds, read past the page's store: whether the records are encrypted
RAW = """() => new Promise(done => {
  const opening = indexedDB.open('qms-offline');
  opening.onsuccess = () => {
    const db = opening.result, out = {};
    const tx = db.transaction(['queue', 'files', 'audits', 'keys']);
    for (const name of ['queue', 'files', 'audits', 'keys']) {
      tx.objectStore(name).getAll().onsuccess = e => { out[name] = e.target.result; };
    }
    tx.oncomplete = () => {
      db.close();
      done({
        keys: out.keys.length,
        records: [...out.queue, ...out.files, ...out.audits].length,
        sealed: [...out.queue, ...out.files, ...out.audits].every(r => r.sealed
          && !('values' in r) && !('blob' in r) && !('snapshot' in r) && !('name' in r)),
        text: JSON.stringify([...out.queue, ...out.files, ...out.audits]),
      });
    };
  };
})"""


def _offline_answer(row, result: str, notes: str) -> None:
    row.locator(f"input[name=result][value={result}]").check()
    row.locator("textarea[name=notes]").fill(notes)
    row.locator("[data-save]").click()
    expect(row.locator(".offline-badge")).to_be_visible()


def _phone_screen(page: Page, name: str, element=None) -> None:
    if element is not None:
        # its top just under the checklist's sticky completion bar
        element.evaluate(
            "e => { e.scrollIntoView({block: 'start'}); const bar = "
            "document.getElementById('checklist-bar'); "
            "window.scrollBy(0, -(bar ? bar.offsetHeight + 8 : 120)); }"
        )
    else:
        page.evaluate("window.scrollTo(0, 0)")
    assert page_overflow(page) <= 0
    screenshot(page, f"phone-offline-{name}", full_page=False)


def test_an_audit_done_offline_reaches_the_server_with_its_photo_and_history(
    browser, site, database
):
    page = base._taken_offline(browser, site)
    panel = page.locator("#offline-panel")
    conform, finding = base._unanswered_row(page, 0), base._unanswered_row(page, 1)
    conform_id, finding_id = base._row_id(conform), base._row_id(finding)

    page.context.set_offline(True)
    expect(panel.locator("[data-offline-network]")).to_be_visible()
    _phone_screen(page, "1-offline")
    _offline_answer(conform, "conform", "Dicek tanpa sinyal di puskesmas")
    finding.locator("input[name=result][value=nonconform]").check()
    grades = page.evaluate("JSON.parse(document.getElementById('checklist').dataset.grades)")
    finding.locator("select[name=grade]").select_option(grades["nonconform"][0])
    finding.locator("textarea[name=evidence]").fill("Register rujukan Januari–Maret kosong")
    finding.locator("textarea[name=statement]").fill("Rujukan pasien tidak dicatat")
    finding.locator("[data-save]").click()
    expect(finding).to_have_attribute("data-pending", "queued")
    finding.locator("details.attach > summary").click()
    finding.locator("input[type=file]").set_input_files(
        {"name": "register-rujukan.png", "mimeType": "image/png", "buffer": PHOTO}
    )
    finding.locator("input[name=description]").fill("Foto register rujukan")
    finding.locator("[data-attach]").click()
    expect(finding.locator("ul.files [data-offline-file]")).to_contain_text("register-rujukan.png")
    expect(panel.locator("[data-offline-queue]")).to_contain_text("3")
    # on the phone, encrypted: the answers, the copy, the photo and its name
    held = page.evaluate(RAW)
    assert held["keys"] == 1 and held["records"] == 4 and held["sealed"], held["text"][:300]
    assert "puskesmas" not in held["text"] and "register-rujukan" not in held["text"]

    # the page closed and opened again without a signal: all of it is still on the phone
    assert page.reload().from_service_worker
    conform, finding = page.locator(f"#row-{conform_id}"), page.locator(f"#row-{finding_id}")
    expect(conform.locator("textarea[name=notes]")).to_have_value("Dicek tanpa sinyal di puskesmas")
    expect(finding.locator("textarea[name=evidence]")).to_have_value(
        "Register rujukan Januari–Maret kosong"
    )
    expect(finding.locator("ul.files [data-offline-file]")).to_contain_text("register-rujukan.png")
    _phone_screen(page, "2-waiting-to-sync", finding)

    # the signal returns but drops during the photo's second piece: the upload stays queued,
    # is tried again and goes on from where the server is
    pieces: list[int] = []

    def flaky(route: Route) -> None:
        body = route.request.post_data_buffer or b""
        pieces.append(int(re.search(rb'name="offset"\r\n\r\n(\d+)', body).group(1)))
        if len(pieces) == 2:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r"/uploads/[0-9a-f]+$"), flaky)
    page.context.set_offline(False)
    expect(finding.locator("ul.files a")).to_have_text("register-rujukan.png", timeout=20000)
    expect(finding.locator("ul.files [data-offline-file]")).to_have_count(0)
    expect(conform.locator(".offline-synced")).to_be_visible()
    expect(finding.locator(".finding-badge")).to_be_visible()
    expect(panel.locator("[data-offline-queue]")).to_be_hidden()
    base._settled(page)
    page.unroute(re.compile(r"/uploads/[0-9a-f]+$"))
    # three pieces of 256 KB, the second sent again after the drop, from the server's offset
    assert pieces == [0, 262144, 262144, 524288]
    _phone_screen(page, "3-synced", finding)

    # on the server: the answers, the whole photo, and their history by the auditor
    stored = base._server_rows(page, site)
    assert stored[conform_id]["notes"] == "Dicek tanpa sinyal di puskesmas"
    assert stored[finding_id]["result"] == "nonconform" and stored[finding_id]["finding"]
    link = finding.locator("ul.files a").get_attribute("href")
    download = page.request.get(link)
    assert download.ok and download.body() == PHOTO
    auditor = _user_id(database, base.AUDITOR)
    for row_id in (conform_id, finding_id):
        assert [e.actor_id for e in _history(database, "audit_checklist_rows", row_id)][-1:] == [
            auditor
        ]
    file_id = int(link.rsplit("/", 1)[1])
    assert [e.actor_id for e in _history(database, "stored_files", file_id)] == [auditor]
    with database.app_context():
        assert db.session.get(StoredFile, file_id).size == len(PHOTO)
        db.session.remove()

    # the audit's page and the audit list say what the phone holds: all synced
    page.goto(f"/audits/{site['planned_audit']}")
    summary = page.locator(f"[data-offline-summary='{site['planned_audit']}']")
    expect(summary).to_be_visible()
    expect(summary.locator(".badge.ok")).to_be_visible()
    _phone_screen(page, "4-audit-page-synced")
    page.close()


def test_a_conflict_is_merged_field_by_field(browser, site, database):
    page = base._taken_offline(browser, site)
    row = base._unanswered_row(page, 2)
    row_id = base._row_id(row)
    page.context.set_offline(True)
    _offline_answer(row, "not_applicable", "Ruang tunggu belum dipakai")

    colleague = base.signed_in(browser, site, base.COLLEAGUE, DESKTOP)
    colleague.goto(f"/audits/{site['planned_audit']}/checklist")
    theirs = colleague.locator(f"#row-{row_id}")
    theirs.locator("input[name=result][value=conform]").check()
    theirs.locator("textarea[name=notes]").fill("Ruang tunggu tersedia")
    theirs.locator("[data-save]").click()
    expect(theirs.locator(".save-status")).to_have_text("Tersimpan.")
    colleague.context.close()

    page.context.set_offline(False)
    conflict = row.locator(".offline-conflict")
    expect(conflict).to_be_visible()
    _phone_screen(page, "5-conflict", conflict)

    # the audit list counts the conflict for this audit
    page.goto("/audits/")
    summary = page.locator(f"[data-offline-summary='{site['planned_audit']}']")
    expect(summary.locator(".badge.bad")).to_contain_text("1")
    _phone_screen(page, "6-audit-list-conflict", summary)
    page.goto(f"/audits/{site['planned_audit']}/checklist")
    row = page.locator(f"#row-{row_id}")
    conflict = row.locator(".offline-conflict")

    # merge: their result, and notes written from both
    conflict.locator("[data-merge]").click()
    merge = conflict.locator(".offline-merge")
    expect(merge.locator("[data-merge-field]")).to_have_count(2)  # result and notes differ
    merge.locator("[data-merge-field=result] [data-merge-take=theirs]").check()
    expect(merge.locator("[data-merge-value=result]")).to_have_value("conform")
    notes = merge.locator("[data-merge-value=notes]")
    expect(notes).to_have_value("Ruang tunggu belum dipakai")
    notes.fill("Ruang tunggu tersedia, belum dipakai pasien")
    _phone_screen(page, "7-merge", merge)
    merge.locator("[data-merge-send]").click()
    expect(row.locator(".offline-conflict")).to_have_count(0)
    expect(row.locator(".offline-synced")).to_be_visible()
    expect(row.locator(".row-badges .result-badge")).to_have_text("Sesuai")
    expect(row.locator("textarea[name=notes]")).to_have_value(
        "Ruang tunggu tersedia, belum dipakai pasien"
    )
    stored = base._server_rows(page, site)[row_id]
    assert stored["result"] == "conform"
    assert stored["notes"] == "Ruang tunggu tersedia, belum dipakai pasien"
    # the colleague's answer, then the merge: both in the row's history
    actors = [e.actor_id for e in _history(database, "audit_checklist_rows", row_id)]
    assert actors[-2:] == [_user_id(database, base.COLLEAGUE), _user_id(database, base.AUDITOR)]
    page.context.close()


def test_logging_out_with_changes_waiting_keeps_them_for_the_next_login(browser, site):
    page = base._taken_offline(browser, site)
    row = base._unanswered_row(page, 3)
    row_id = base._row_id(row)
    page.context.set_offline(True)
    _offline_answer(row, "conform", "Dicatat sebelum keluar")
    # back online, the server cannot be reached yet: the change waits
    page.route(re.compile(r"/audits/(rows/\d+|\d+/offline\.json)$"), lambda r: r.abort())
    page.context.set_offline(False)
    expect(page.locator("[data-offline-status]")).to_be_visible()
    expect(row.locator(".offline-badge")).to_be_visible()
    base._settled(page)

    page.goto("/")
    page.locator(".account-menu summary").click()
    with page.expect_navigation():
        page.locator(".account-menu form button").click()
    copies = "() => window.qmsOfflineStore.all('audits').then(c => c.length)"
    queue = "() => window.qmsOfflineStore.all('queue').then(q => q.length)"
    page.wait_for_function(f"() => ({copies})().then(n => n === 0)")
    # the copy and the key left the phone with the session; the change waits for its user,
    # encrypted, unreadable until the same user logs in again
    assert page.evaluate(queue) == 1
    held = page.evaluate(RAW)
    assert held["keys"] == 0 and held["records"] == 1 and held["sealed"]
    assert "sebelum keluar" not in held["text"]
    locked = "() => window.qmsOfflineStore.all('queue').then(q => [q[0].locked, q[0].values])"
    assert page.evaluate(locked) == [True, None]
    page.unroute(re.compile(r"/audits/(rows/\d+|\d+/offline\.json)$"))

    page.fill("input[name=email]", base.AUDITOR)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/audits/{site['planned_audit']}/checklist")
    row = page.locator(f"#row-{row_id}")
    expect(row.locator(".offline-synced")).to_be_visible()
    assert base._server_rows(page, site)[row_id]["notes"] == "Dicatat sebelum keluar"
    assert page.evaluate(queue) == 0
    page.context.close()


def test_a_reported_audit_leaves_the_phone_listing_what_was_not_synced(browser, site, database):
    """Last of the module: the demo's audit is reported under the phone's feet."""
    page = base._taken_offline(browser, site)
    row = base._unanswered_row(page, 4)
    page.context.set_offline(True)
    _offline_answer(row, "conform", "Terlambat: audit sudah dilaporkan")
    with database.app_context():
        audit = db.session.get(Audit, site["planned_audit"])
        audit.status = AuditStatus.REPORTED
        db.session.commit()
        db.session.remove()
    try:
        page.context.set_offline(False)
        panel = page.locator("#offline-panel[data-allowed='0']")
        expect(panel).to_be_visible()
        expect(panel.locator("[data-offline-unsynced] li")).to_have_count(1)
        expect(panel.locator("[data-offline-unsynced]")).to_contain_text(
            "Terlambat: audit sudah dilaporkan"
        )
        copies = "() => window.qmsOfflineStore.all('audits').then(c => c.length)"
        assert page.evaluate(copies) == 0
        _phone_screen(page, "8-reported-not-synced", panel)
        panel.locator("[data-offline-discard]").click()
        expect(panel.locator("[data-offline-unsynced] li")).to_have_count(0)
        assert page.evaluate("() => window.qmsOfflineStore.all('queue').then(q => q.length)") == 0
    finally:
        with database.app_context():
            audit = db.session.get(Audit, site["planned_audit"])
            audit.status = AuditStatus.IN_PROGRESS
            db.session.commit()
            db.session.remove()
    page.context.close()
