"""A real browser for the tests that must see pages as their users do: Debian's Chromium
(`/usr/bin/chromium`, or `QMS_CHROMIUM`), driven by Playwright, against the app served on a
local port by a thread of the test process. No browser is downloaded: scripts/system-deps
installs Chromium with the other system packages."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


def chromium_path() -> str:
    """The system's Chromium; a missing browser is an error, not a skipped suite."""
    path = os.environ.get("QMS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(
            "the browser tests need Chromium: run scripts/system-deps (Debian package chromium) "
            "or set QMS_CHROMIUM to its path"
        )
    return path


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve `app` on a free local port for the duration; yields its base URL."""
    server = make_server("127.0.0.1", 0, _read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _read_whole(app: Flask) -> Callable:
    """Each response read whole and closed before it is sent: when the browser drops a
    connection mid-response (a navigation cancelling a static file), the development server
    leaves the file open, and its ResourceWarning fails whichever test is running."""

    def application(environ: dict, start_response: Callable) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return application


def page_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scrolling)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """The whole page, or (full_page=False) what the screen shows now: a long page such as a
    checklist is read better screen by screen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
