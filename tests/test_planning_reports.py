"""What objectives, risks and surveys add to the reports, read back from the PDF: the agency
compliance report's objectives met / not met with their chart (its text 7 pt or more, nothing
cut), the risk heat map with its counts, the high risks with their treatments, the surveys'
weakest elements; the city summary's objectives met per agency. Every expected figure is
computed here from the test's own data, not by the code under test."""

from __future__ import annotations

import io
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from flask_babel import force_locale
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sqlalchemy import event

from qms.extensions import db
from qms.planning import figures, measuring, operations
from qms.reports import archive, jobs, portal
from qms.reports.models import ReportStatus
from qms.skm import workflow as skm_workflow
from qms.skm.vocabulary import ELEMENT_LABELS, ELEMENTS
from tests.factories_plan import make_objective, make_risk, make_world, survey_with

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
LONG_TITLE = (
    "Akta kelahiran diterbitkan paling lama tiga hari kerja sejak berkas pemohon dinyatakan "
    "lengkap di seluruh loket pelayanan kecamatan"
)
#: (title, unit, direction, target, [(period, value)]) of the agency's objectives
OBJECTIVES = [
    ("KTP-el terbit dalam 1 hari", "percent", "at_least", "95",
     [("2025-01", "96.5"), ("2025-02", "93")]),
    (LONG_TITLE, "days", "at_most", "3", [("2025-01", "2.5")]),
    ("Pengaduan dijawab tepat waktu", "percent", "at_least", "90", []),
]  # fmt: skip
#: the other agency's
OTHER_OBJECTIVES = [
    ("Rekam medis lengkap", "percent", "at_least", "80", [("2025-01", "85")]),
    ("Waktu tunggu rawat jalan", "hours", "at_most", "2", [("2025-01", "1.5")]),
    ("Resep terlayani", "percent", "at_least", "98", [("2025-01", "97")]),
    ("Keluhan ditindaklanjuti", "percent", "at_least", "90", [("2025-01", "95")]),
]  # fmt: skip
#: the default 5 × 5 matrix's levels (Indonesian), likelihood 1 (first row) to 5
GRID = [
    ["Rendah", "Rendah", "Rendah", "Sedang", "Sedang"],
    ["Rendah", "Rendah", "Sedang", "Sedang", "Tinggi"],
    ["Rendah", "Sedang", "Sedang", "Tinggi", "Tinggi"],
    ["Sedang", "Sedang", "Tinggi", "Tinggi", "Sangat tinggi"],
    ["Sedang", "Tinggi", "Tinggi", "Sangat tinggi", "Sangat tinggi"],
]
RISKS = [("Listrik padam", 4, 4), ("Blangko KTP-el habis", 5, 5), ("Antrean ramai", 1, 2)]
TALLY = [
    (4, 3, 2, 4, 3, 4, 4, 3, 3),
    (3, 3, 2, 4, 4, 4, 3, 2, 3),
    (4, 2, 3, 4, 3, 4, 4, 2, 4),
    (3, 4, 2, 4, 3, 3, 4, 3, 2),
]
FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
#: A4 and the report's side margins (static/pdf/report.css), in points
PAGE_WIDTH, MARGIN = 595.28, 16 / 25.4 * 72


def _met(direction: str, target: str, value: str) -> bool:
    return (
        Decimal(value) >= Decimal(target)
        if direction == "at_least"
        else (Decimal(value) <= Decimal(target))
    )


def _seed(world, agency, specs) -> None:
    for title, unit, direction, target, measured in specs:
        objective = make_objective(
            world, title=title, unit=unit, direction=direction, target=Decimal(target)
        )
        if objective.agency_id != agency.id:
            objective.agency_id = agency.id
        for period, value in measured:
            measuring.record_measurement(
                world.officer, objective, {"period": period, "value": Decimal(value)},
                today=date(2025, 3, 3),
            )  # fmt: skip


def _render(user, key, **params):
    rtype, req = portal.build_request(user, key, locale="id", **params)
    report = jobs.submit(user, rtype, req).report
    db.session.refresh(report)
    assert report.status is ReportStatus.DONE, report.error
    return PdfReader(io.BytesIO(archive.read_pdf(report)))


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


class _Widths:
    """Text widths in the report's fonts (the bundled DejaVu Sans), in points."""

    def __init__(self) -> None:
        self.fonts = {
            bold: TTFont(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))
            for bold in (False, True)
        }

    def __call__(self, text: str, size: float, bold: bool) -> float:
        font = self.fonts[bold]
        cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
        units = font["head"].unitsPerEm
        return sum(metrics[cmap.get(ord(c), ".notdef")][0] for c in text) * size / units


def _placed_text(reader: PdfReader) -> list[tuple[str, float, float, float]]:
    """Every piece of text drawn: (text, size in pt, left, right edge in pt)."""
    widths = _Widths()
    found = []
    for page in reader.pages:

        def visit(text, cm, tm, font, size, into=found):
            if not text.strip():
                return
            # the text matrix in the page's space: its scale is the printed size
            a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
            scale = math.hypot(a, b)
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            printed = size * scale
            into.append((text, printed, x, x + widths(text.rstrip("\n"), printed, bold)))

        page.extract_text(visitor_text=visit)
    return found


def _nrr(element: int) -> Fraction:
    return Fraction(sum(row[element] for row in TALLY), len(TALLY))


def _decimal_id(value: Fraction, digits: int) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{rounded:.{digits}f}".replace(".", ",")


def test_the_agency_report_shows_objectives_met_risks_and_weakest_elements(app):
    world = make_world()
    _seed(world, world.agency, OBJECTIVES)
    risks = {
        title: make_risk(world, title=title, likelihood=likelihood, impact=impact)
        for title, likelihood, impact in RISKS
    }
    operations.add_treatment(
        world.officer,
        risks["Listrik padam"],
        {"action": "Pasang genset cadangan", "owner": "Kasubag Umum", "due_on": date(2025, 4, 30)},
    )
    survey = survey_with(world, TALLY, population=20)
    skm_workflow.transition(world.officer, survey, "close")
    db.session.commit()

    reader = _render(
        world.bsn,
        "agency-compliance",
        city_id=world.city.id,
        agency_id=world.agency.id,
        period_start=YEAR[0],
        period_end=YEAR[1],
    )
    text = _text(reader)

    # objectives: met / not met by the latest measurement of the period, and per period
    latest = [m[-1] if m else None for *_, m in OBJECTIVES]
    met = sum(
        1
        for (_t, _u, direction, target, _m), last in zip(OBJECTIVES, latest, strict=True)
        if last and _met(direction, target, last[1])
    )
    measured = sum(1 for last in latest if last)
    share = round(100 * met / len(OBJECTIVES))
    assert f"Tercapai: {met} dari {len(OBJECTIVES)} sasaran ({share} %)" in text
    assert f"tidak tercapai: {measured - met}" in text
    assert f"tidak diukur dalam periode: {len(OBJECTIVES) - measured}" in text
    ktp = OBJECTIVES[0]
    periods_met = sum(1 for _p, v in ktp[4] if _met(ktp[2], ktp[3], v))
    row = "KTP-el terbit ≤ 1 hari Paling sedikit 95 % 93 % 2025-02 Tidak tercapai"
    assert f"{row} {periods_met} dari {len(ktp[4])}" in text
    # the chart names every objective in full (its title wraps, it is not cut), with its target
    plan = text.split("Survei Kepuasan Masyarakat Unit kerja")[0]
    assert plan.count(LONG_TITLE) >= 2 and "…" not in plan
    assert "Target: Paling banyak 3 hari" in text and "2.5 hari · Tercapai" in text
    assert "93 % · Tidak tercapai" in text

    # the risk register: the heat map's counts per likelihood and impact, levels, high risks
    counts = [[0] * 5 for _ in range(5)]
    for _title, likelihood, impact in RISKS:
        counts[likelihood - 1][impact - 1] += 1
    for likelihood in range(5, 0, -1):
        cells = " ".join(f"{counts[likelihood - 1][i]} {GRID[likelihood - 1][i]}" for i in range(5))
        assert f"{likelihood} {cells}" in text
    for level in ("Rendah", "Sedang", "Tinggi", "Sangat tinggi"):
        n = sum(counts[li][im] for li in range(5) for im in range(5) if GRID[li][im] == level)
        assert f"{level}: {n}" in text
    high = text.split("Risiko tinggi dan penanganannya")[1].split("Penanganan yang terlambat")[0]
    assert high.index("Blangko KTP-el habis") < high.index("Listrik padam")  # highest first
    assert "Antrean ramai" not in high
    assert "Pasang genset cadangan · Kasubag Umum · 30 April 2025 · Direncanakan Terlambat" in high
    assert high.index("Pasang genset cadangan") > high.index("Listrik padam")
    assert "Belum ada penanganan yang direncanakan." in high  # the blank cards' risk

    # the survey: its three weakest elements with their NRR, lowest first
    ranked = sorted(range(9), key=lambda i: (_nrr(i), i))[:3]
    with force_locale("id"):
        expected = "; ".join(
            f"{ELEMENT_LABELS[ELEMENTS[i]]} (NRR {_decimal_id(_nrr(i), 3)})" for i in ranked
        )
    assert f"Unsur terlemah: {expected}" in text

    # the charts print no text under 7 pt, and no text runs past the page's margins
    placed = _placed_text(reader)
    assert placed
    small = [(t, round(s, 2)) for t, s, _l, _r in placed if s < 6.95]
    assert not small, small
    outside = [
        (t, round(left), round(right))
        for t, _s, left, right in placed
        if "....." not in t  # the contents' dot leaders are spaced, not set as plain text
        and (left < MARGIN - 1 or right > PAGE_WIDTH - MARGIN + 1)
    ]
    assert not outside, outside


def test_the_city_summary_shows_the_share_of_objectives_met_per_agency(app):
    world = make_world()
    _seed(world, world.agency, OBJECTIVES)
    _seed(world, world.other, OTHER_OBJECTIVES)
    db.session.commit()

    text = _text(
        _render(
            world.bsn,
            "city-compliance-summary",
            city_id=world.city.id,
            period_start=YEAR[0],
            period_end=YEAR[1],
        )
    )
    for agency, specs in ((world.agency, OBJECTIVES), (world.other, OTHER_OBJECTIVES)):
        met = sum(1 for *rule, m in specs if m and _met(rule[2], rule[3], m[-1][1]))
        missed = sum(1 for *rule, m in specs if m and not _met(rule[2], rule[3], m[-1][1]))
        share = round(100 * met / len(specs))
        row = f"{agency.name} {len(specs)} tercapai {met} dari {len(specs)} ({share} %) {missed}"
        assert row in text, row


@pytest.mark.parametrize("objectives", [2, 12])
def test_objectives_met_per_agency_is_one_aggregate_query(app, objectives):
    world = make_world()
    specs = [
        (f"Sasaran {n}", "percent", "at_least", "90", [("2025-01", "95" if n % 3 else "80")])
        for n in range(objectives)
    ]
    _seed(world, world.agency, specs)
    db.session.commit()
    statements: list[str] = []

    def count(*args) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = figures.objectives_per_agency(
            world.bsn, [world.agency.id, world.other.id], range(2025, 2026)
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # the user's roles may load first; the objectives and measurements are read in one query
    assert len([s for s in statements if "objective" in s]) == 1
    met = sum(1 for n in range(objectives) if n % 3)
    assert found[world.agency.id] == figures.ObjectiveCounts(objectives, met, objectives - met)
    assert found[world.agency.id].share_met == met / objectives
    assert world.other.id not in found
    # another agency's officer counts nothing of this agency
    assert figures.objectives_per_agency(world.stranger, [world.agency.id], range(2025, 2026)) == {}
