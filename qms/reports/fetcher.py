"""The only way WeasyPrint may load anything while rendering a report.

Reports print text that users typed (agency names, findings, ...). Jinja escapes it, but the
renderer must not trust that alone: WeasyPrint's default fetcher follows `file:`, `http(s):`
and `ftp:` URLs, so one unescaped `<img src="file:///etc/passwd">` or CSS `url(http://10.0.0.1/)`
would make the server read a local file or call a network address. This fetcher allows exactly
two things: `data:` URLs, and the app's own static files, addressed as `qms-static:<path>`
and read from disk below the static folder. Everything else is refused (WeasyPrint then leaves
the resource out and the PDF still renders).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "qms-static:"


class RefusedURL(ValueError):
    """A report tried to load something that is neither a data: URL nor a static file."""


def static_url(path: str) -> str:
    """The URL a report template uses for one of the app's static files."""
    return STATIC_SCHEME + path.lstrip("/")


class SafeURLFetcher(URLFetcher):
    def __init__(self, static_root: Path) -> None:
        super().__init__(timeout=1, allow_redirects=False)
        self.static_root = static_root.resolve()

    def static_path(self, url: str) -> Path:
        """The file a qms-static: URL names, refusing any way out of the static folder."""
        relative = unquote(url[len(STATIC_SCHEME) :].split("?", 1)[0].split("#", 1)[0])
        path = (self.static_root / relative.lstrip("/")).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            raise RefusedURL(f"not a static file: {url}")
        return path

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        lowered = url.lower()
        if lowered.startswith("data:"):
            # urllib's data: handler only decodes the URL itself; nothing is opened.
            return super().fetch(url, headers)
        if lowered.startswith(STATIC_SCHEME):
            path = self.static_path(url)
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})
        raise RefusedURL(f"refused to fetch {url[:200]}")
