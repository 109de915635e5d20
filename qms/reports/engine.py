"""HTML to PDF: the report's template in its language, WeasyPrint with the safe fetcher, and the
content hash that recognises a report whose data did not change."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import weasyprint
from flask import current_app, render_template
from flask_babel import force_locale

from qms.reports.fetcher import SafeURLFetcher, static_url
from qms.reports.registry import ReportRequest, ReportType, report_type

#: raise it when templates/pdf/base.html or static/pdf/ change the output of every report
ENGINE_VERSION = 1


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(
        f"A report builder returned {type(value).__name__}; it must return plain data "
        "(str, int, float, bool, None, date, datetime, Decimal, lists and dicts)."
    )


def data_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the builder's output in a canonical JSON form."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cache_key(report_type: ReportType, request: ReportRequest, content_hash: str) -> str:
    """What makes two PDFs the same: the data, the parameters, the language and the versions
    of the report's template and of the engine."""
    identity = {
        "report": report_type.key,
        "version": report_type.version,
        "engine": ENGINE_VERSION,
        "locale": request.locale,
        "params": request.params(),
        "data": content_hash,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def render_html(report_type: ReportType, request: ReportRequest, data: dict, **meta: Any) -> str:
    """The report's HTML in the requested language (headings come from the catalogues)."""
    with force_locale(request.locale):
        return render_template(
            report_type.template,
            data=data,
            req=request,
            report_title=str(report_type.title),
            **meta,
        )


def static_root() -> Path:
    return Path(current_app.static_folder or "static")


def render_pdf(html: str) -> RenderedPdf:
    """Render HTML with WeasyPrint; only data: URLs and the app's static files are loaded."""
    fetcher = SafeURLFetcher(static_root())
    document = weasyprint.HTML(
        string=html, base_url=static_url(""), url_fetcher=fetcher, media_type="print"
    ).render()
    return RenderedPdf(content=document.write_pdf(), pages=len(document.pages))


def report_title_of(report: Any) -> str:
    """An archived report's title in the current language (its key if the type is gone)."""
    rtype = report_type(report.report_key)
    return str(rtype.title) if rtype else report.report_key


def template_globals() -> dict[str, Any]:
    return {"pdf_static": static_url, "report_title_of": report_title_of}
