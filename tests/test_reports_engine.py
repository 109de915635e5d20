"""The report engine: the fetcher that loads nothing but data: URLs and static files, the
content hash, and the SVG chart macros."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from weasyprint.urls import URLFetcherResponse

from qms.reports import engine
from qms.reports.fetcher import RefusedURL, SafeURLFetcher, static_url

STATIC = Path(__file__).resolve().parent.parent / "static"


@pytest.fixture
def fetcher() -> SafeURLFetcher:
    return SafeURLFetcher(STATIC)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "ftp://127.0.0.1/x",
        "qms-static:../../../../etc/passwd",
        "qms-static:%2e%2e/%2e%2e/config.py",
        "qms-static:/etc/passwd",
        "qms-static:fonts",
        "qms-static:fonts/missing.ttf",
        "javascript:alert(1)",
        "//127.0.0.1/x.png",
    ],
)
def test_fetcher_refuses_everything_but_data_and_static_files(fetcher, url):
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_fetcher_serves_static_files_and_data_urls(fetcher):
    font = fetcher.fetch(static_url("fonts/DejaVuSans.ttf"))
    assert isinstance(font, URLFetcherResponse)
    assert font.read() == (STATIC / "fonts" / "DejaVuSans.ttf").read_bytes()
    css = fetcher.fetch(static_url("pdf/report.css"))
    assert css.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aGFsbw==").read() == b"halo"


def test_hostile_references_are_not_fetched_and_the_pdf_still_renders(app, monkeypatch, caplog):
    requested: list[str] = []
    original = SafeURLFetcher.fetch

    def spy(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(SafeURLFetcher, "fetch", spy)
    html = """<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
      <style>body { background: url(file:///etc/passwd); }
             @import url("http://127.0.0.1/imported.css");</style></head>
      <body><p>Halaman uji</p>
      <img src="file:///etc/passwd"><img src="http://127.0.0.1/tracker.png">
      <div style="background-image: url('file:///etc/hostname')">x</div></body></html>"""
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = engine.render_pdf(html)
    assert pdf.content.startswith(b"%PDF") and pdf.pages == 1
    refused = [u for u in requested if not u.startswith(("data:", "qms-static:"))]
    assert "file:///etc/passwd" in refused and "http://127.0.0.1/tracker.png" in refused
    # every hostile URL reached only our fetcher, which refused it: nothing was read or called
    assert b"root:" not in pdf.content


def test_data_hash_is_canonical_and_refuses_objects():
    first = engine.data_hash({"b": [1, Decimal("2.50")], "a": date(2026, 1, 31)})
    second = engine.data_hash({"a": date(2026, 1, 31), "b": [1, Decimal("2.50")]})
    assert first == second
    assert first != engine.data_hash({"a": date(2026, 2, 1), "b": [1, Decimal("2.50")]})
    with pytest.raises(TypeError, match="plain data"):
        engine.data_hash({"agency": object()})


CHARTS = """{% from "_macros/charts.html" import bar, stacked_bar, heat_map, line %}
{{ bar("b", "Agencies by kind", ["Dinas", "Badan"], [12, 3], ["Kind", "Agencies"]) }}
{{ stacked_bar("s", "Findings", ["Dinas", "Badan"], [("Major", [1, 0]), ("Minor", [4, 2])],
               ["Agency"]) }}
{{ heat_map("h", "Compliance", ["Dukcapil", "RSUD"], ["4.1", "7.5"], [[1.0, 0.5], [None, 0]],
            ["Agency"], fmt=fmt) }}
{{ line("l", "Trend", [2024, 2025, 2026], [("Dukcapil", [0.5, 0.75, None])], ["Year"]) }}"""


def test_chart_macros_draw_svg_with_a_data_table(app):
    with app.test_request_context():
        html = render_template_string(CHARTS, fmt=lambda v: f"{v:.0%}")
    assert html.count("<svg") == 4 and html.count('<table class="chart-data">') == 4
    assert html.count("<rect") >= 2 + 4 + 4
    assert "<polyline" in html and "<caption>Trend</caption>" in html
    assert "100%" in html and "–" in html  # the heat map's value format and its empty cell
    assert '<th scope="row">Dinas</th><td class="num">12</td>' in html
