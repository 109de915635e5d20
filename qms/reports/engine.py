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
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class Layout:
    """One job of a renderer process: a document to lay out (or only to count the pages of),
    or a part already rendered, and the HTML of the page numbers to stamp on its pages."""

    html: str | None = None
    pdf: RenderedPdf | None = None
    stamps: str | None = None
    count_only: bool = False


def _lay_out(job: Layout, static_dir: Path) -> tuple[RenderedPdf | int, int]:
    gc.collect()
    if job.count_only:
        assert job.html is not None
        return _page_count(job.html, static_dir), os.getpid()
    pdf = job.pdf or _weasyprint(job.html or "", static_dir)
    if job.stamps is not None:
        pdf = _stamped(pdf, _weasyprint(job.stamps, static_dir))
    return pdf, os.getpid()


def _stamped(pdf: RenderedPdf, stamps: RenderedPdf) -> RenderedPdf:
    """The part with one stamp page laid over each of its pages (bookmarks kept)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf.content)))
    for page, stamp in zip(writer.pages, PdfReader(io.BytesIO(stamps.content)).pages, strict=False):
        page.merge_page(stamp)
    out = io.BytesIO()
    writer.write(out)
    return RenderedPdf(content=out.getvalue(), pages=pdf.pages)


def _run(jobs: list[Layout], processes: int) -> list[tuple[Any, int]]:
    """The jobs' results in order, from `processes` forked processes at once when there are
    more than one (each lays out one document at a time, so its memory stays that of the
    largest part; the processes end with the batch), each with the id of its process."""
    if processes <= 1 or len(jobs) <= 1:
        return [_lay_out(job, static_root()) for job in jobs]
    from qms.extensions import db

    with ProcessPoolExecutor(
        max_workers=min(processes, len(jobs)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_forget_connections,
        initargs=(list(db.engines.values()),),
    ) as pool:
        return list(pool.map(_lay_out, jobs, [static_root()] * len(jobs)))


def render_many(
    htmls: list[str], processes: int, counted: Sequence[str] = ()
) -> tuple[list[tuple[RenderedPdf, int]], list[int]]:
    """Render several documents, and lay out the `counted` ones only to count their pages, in
    `processes` processes at once (`_run`); answers each PDF with the id of the process that
    rendered it, and the page counts."""
    jobs = [Layout(html=html, count_only=True) for html in counted]
    results = _run(jobs + [Layout(html=html) for html in htmls], processes)
    counts = [count for count, _pid in results[: len(counted)]]
    return results[len(counted) :], counts


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
    beside them a first layout of the front part that counts its pages; then, again at once,
    the front part with the contents' page numbers and the page numbers ("Page X of Y")
    stamped on every part; the parts are joined last, their bookmarks carried over."""
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
    chunks = [pdf for _start, pdf in chunk_pdfs]
    # the front part's final layout and the page numbers of every part, at once
    done = _numbered(
        [Layout(html=front_html), *(Layout(pdf=pdf) for pdf in chunks)],
        [front_pages, *(pdf.pages for pdf in chunks)],
        request.locale,
        render_processes(),
    )
    if done[0].pages != front_pages:
        # the contents' page numbers moved the end of the front part: number every page again
        front = render_pdf(front_html)
        done = _numbered(
            [Layout(pdf=front), *(Layout(pdf=pdf) for pdf in chunks)],
            [front.pages, *(pdf.pages for pdf in chunks)],
            request.locale,
            1,
        )
    return _concatenated(done), [front_html, *htmls]


def _numbered(
    jobs: list[Layout], pages: list[int], locale: str, processes: int
) -> list[RenderedPdf]:
    """The jobs' parts, of these page counts, each with its pages' "Page X of Y" stamped on."""
    total, first, stamped = sum(pages), 1, []
    with force_locale(locale):
        for job, count in zip(jobs, pages, strict=True):
            stamps = render_template("pdf/page_numbers.html", first=first, pages=count, total=total)
            stamped.append(replace(job, stamps=stamps))
            first += count
    return [pdf for pdf, _pid in _run(stamped, processes)]


def _concatenated(parts: list[RenderedPdf]) -> RenderedPdf:
    writer = PdfWriter()
    for index, part in enumerate(parts):
        reader = PdfReader(io.BytesIO(part.content))
        writer.append(reader, import_outline=True)
        if index == 0 and reader.metadata:
            writer.add_metadata(dict(reader.metadata))
    out = io.BytesIO()
    writer.write(out)
    return RenderedPdf(content=out.getvalue(), pages=len(writer.pages))


def report_title_of(report: Any) -> str:
    """An archived report's title in the current language (its key if the type is gone)."""
    rtype = report_type(report.report_key)
    return str(rtype.title) if rtype else report.report_key


def template_globals() -> dict[str, Any]:
    return {"pdf_static": static_url, "report_title_of": report_title_of}
