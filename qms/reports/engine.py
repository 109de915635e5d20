"""HTML to PDF: the report's template in its language, WeasyPrint with the safe fetcher, and the
content hash that recognises a report whose data did not change."""

from __future__ import annotations

import enum
import gc
import hashlib
import io
import json
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import weasyprint
from flask import current_app, render_template
from flask_babel import force_locale
from pypdf import PdfReader, PdfWriter

from qms.reports.fetcher import SafeURLFetcher, static_url
from qms.reports.letterhead import letterhead_for
from qms.reports.registry import ReportRequest, ReportType, report_type

#: raise it when templates/pdf/base.html or static/pdf/ change the output of every report
#: (2: the city's letterhead, single-record forms without cover, charts at 7.5 pt)
ENGINE_VERSION = 2


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


def cache_key(
    report_type: ReportType, request: ReportRequest, content_hash: str, letterhead: str = ""
) -> str:
    """What makes two PDFs the same: the data, the parameters, the language, the city's
    letterhead (its fingerprint) and the versions of the report's template and of the engine."""
    identity = {
        "letterhead": letterhead,
        "report": report_type.key,
        "version": report_type.version,
        "engine": ENGINE_VERSION,
        "locale": request.locale,
        "params": request.params(),
        "data": content_hash,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def chunk_starts(report_type: ReportType, data: dict) -> list[int]:
    """Where each slice of a chunked report's long list starts ([0] for a short list)."""
    if not report_type.chunked:
        return [0]
    size = len(data.get(report_type.chunked) or [])
    return list(range(0, size, report_type.chunk_size)) or [0]


def render_html(
    report_type: ReportType,
    request: ReportRequest,
    data: dict,
    *,
    part: str = "all",
    chunk_start: int = 0,
    toc_pages: dict[str, int] | None = None,
    **meta: Any,
) -> str:
    """The report's HTML in the requested language (headings come from the catalogues).

    A chunked report is rendered as parts: `part` is "all" (the whole report in one document),
    "front" (cover, contents and the sections before the long list) or "chunk" (the slice of
    the long list that starts at `chunk_start`). `toc_pages` gives the contents the page
    numbers of sections that are in other parts; `stamped` leaves the page numbers out of the
    footer (they are stamped on the merged PDF)."""
    size = report_type.chunk_size
    items = (data.get(report_type.chunked) or []) if report_type.chunked else []
    if "letterhead" not in meta:
        meta["letterhead"] = letterhead_for(request.city)
    if part == "chunk":
        chunk = items[chunk_start : chunk_start + size]
    else:
        chunk = items if part == "all" else []
    with force_locale(request.locale):
        return render_template(
            report_type.template,
            data=data,
            req=request,
            report_title=str(report_type.title),
            part=part,
            chunk=chunk,
            chunk_start=chunk_start,
            chunk_starts=chunk_starts(report_type, data),
            chunk_size=size,
            toc_pages=toc_pages or {},
            stamped=part != "all",
            **meta,
        )


def static_root() -> Path:
    return Path(current_app.static_folder or "static")


def render_pdf(html: str) -> RenderedPdf:
    """Render HTML with WeasyPrint; only data: URLs and the app's static files are loaded."""
    return _weasyprint(html, static_root())


def _weasyprint(html: str, static_dir: Path) -> RenderedPdf:
    # WeasyPrint allocates millions of objects, and each full collection would scan the whole
    # heap, the report's data and the ORM objects included: frozen, those are skipped (a third
    # of the render time in bench/run.py). What the render itself allocates is collected.
    gc.freeze()
    try:
        document = _laid_out(html, static_dir)
        return RenderedPdf(content=document.write_pdf(), pages=len(document.pages))
    finally:
        gc.unfreeze()


def _page_count(html: str, static_dir: Path) -> int:
    gc.freeze()
    try:
        return len(_laid_out(html, static_dir).pages)
    finally:
        gc.unfreeze()


def _laid_out(html: str, static_dir: Path) -> Any:
    return weasyprint.HTML(
        string=html,
        base_url=static_url(""),
        url_fetcher=SafeURLFetcher(static_dir),
        media_type="print",
    ).render()


def _forget_connections(engines: list[Any]) -> None:
    """In a forked renderer: drop the parent's database connections without closing them (a
    close would end the parent's sessions on the server); the renderer uses none."""
    for engine in engines:
        engine.dispose(close=False)


def _lay_out_in_child(html: str, static_dir: Path, whole: bool) -> tuple[RenderedPdf | int, int]:
    gc.collect()
    laid_out = _weasyprint(html, static_dir) if whole else _page_count(html, static_dir)
    return laid_out, os.getpid()


def render_many(
    htmls: list[str], processes: int, counted: Sequence[str] = ()
) -> tuple[list[tuple[RenderedPdf, int]], list[int]]:
    """Render several documents, and lay out the `counted` ones only to count their pages, in
    `processes` forked processes at once when there are more than one (each lays out one
    document at a time, so its memory stays that of the largest part; the processes end with
    the report); answers each PDF with the id of the process that rendered it, and the page
    counts."""
    jobs = [(html, False) for html in counted] + [(html, True) for html in htmls]
    if processes <= 1 or len(jobs) <= 1:
        static_dir = static_root()
        results = [(_page_count(html, static_dir), os.getpid()) for html in counted]
        results += [(render_pdf(html), os.getpid()) for html in htmls]
    else:
        from qms.extensions import db

        with ProcessPoolExecutor(
            max_workers=min(processes, len(jobs)),
            mp_context=multiprocessing.get_context("fork"),
            initializer=_forget_connections,
            initargs=(list(db.engines.values()),),
        ) as pool:
            results = list(
                pool.map(
                    _lay_out_in_child,
                    [html for html, _whole in jobs],
                    [static_root()] * len(jobs),
                    [whole for _html, whole in jobs],
                )
            )
    counts = [count for count, _pid in results[: len(counted)]]
    return results[len(counted) :], counts  # type: ignore[return-value]


def render_processes() -> int:
    """How many processes render the parts of a long report (REPORT_PROCESSES; 0: a core
    each)."""
    configured = int(current_app.config.get("REPORT_PROCESSES", 0))
    return configured if configured > 0 else (os.cpu_count() or 1)


def render_report(
    report_type: ReportType, request: ReportRequest, data: dict, **meta: Any
) -> tuple[RenderedPdf, list[str]]:
    """The report's PDF and the HTML it was made from (one document, or one per part)."""
    if len(chunk_starts(report_type, data)) > 1:
        return render_chunked(report_type, request, data, **meta)
    html = render_html(report_type, request, data, **meta)
    return render_pdf(html), [html]


def render_chunked(
    report_type: ReportType, request: ReportRequest, data: dict, **meta: Any
) -> tuple[RenderedPdf, list[str]]:
    """Render a long report part by part and merge the PDFs.

    WeasyPrint keeps the layout of every page of a document in memory until the document is
    written, so a report of 500 agencies in one run would need several GB. Here each slice of
    the long list is its own document, written and dropped before the next is laid out, so
    the peak is that of the largest part. The contents need the page where each slice starts:
    the slices are rendered first, several at once in forked processes (`render_many`), and
    beside them a first layout of the front part that counts its pages; then the front part
    with the contents' page numbers. Page numbers ("Page X of Y") are stamped on the merged
    pages at the end; bookmarks are carried over from each part."""
    starts = chunk_starts(report_type, data)
    htmls = [
        render_html(report_type, request, data, part="chunk", chunk_start=start, **meta)
        for start in starts
    ]
    front_html = render_html(report_type, request, data, part="front", **meta)
    rendered, (front_pages,) = render_many(htmls, render_processes(), counted=[front_html])
    chunk_pdfs = [(start, pdf) for start, (pdf, _pid) in zip(starts, rendered, strict=True)]
    toc_pages, page = {}, front_pages + 1
    for start, pdf in chunk_pdfs:
        toc_pages[f"chunk-{start}"] = page
        # every other chapter of the part (a section's heat map after the slice) by its anchor
        reader = PdfReader(io.BytesIO(pdf.content))
        for name, destination in reader.named_destinations.items():
            toc_pages.setdefault(
                str(name).lstrip("/"), page + reader.get_destination_page_number(destination)
            )
        page += pdf.pages
    front_html = render_html(report_type, request, data, part="front", toc_pages=toc_pages, **meta)
    front = render_pdf(front_html)
    merged = _merge([front] + [pdf for _start, pdf in chunk_pdfs], request.locale)
    return merged, [front_html, *htmls]


def _merge(parts: list[RenderedPdf], locale: str) -> RenderedPdf:
    writer = PdfWriter()
    for index, part in enumerate(parts):
        reader = PdfReader(io.BytesIO(part.content))
        writer.append(reader, import_outline=True)
        if index == 0 and reader.metadata:
            writer.add_metadata(dict(reader.metadata))
    total = len(writer.pages)
    with force_locale(locale):
        numbers = PdfReader(
            io.BytesIO(render_pdf(render_template("pdf/page_numbers.html", pages=total)).content)
        )
    for page, stamp in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(stamp)
    out = io.BytesIO()
    writer.write(out)
    return RenderedPdf(content=out.getvalue(), pages=total)


def report_title_of(report: Any) -> str:
    """An archived report's title in the current language (its key if the type is gone)."""
    rtype = report_type(report.report_key)
    return str(rtype.title) if rtype else report.report_key


def template_globals() -> dict[str, Any]:
    return {"pdf_static": static_url, "report_title_of": report_title_of}
