"""The measuring the SVG chart macros (templates/_macros/charts.html) need: how wide a label is
in the bundled font, wrapping labels into lines that fit, the layout of a bar chart, and the
heat map's discrete classes, anchored at targets from the configuration.

Charts are drawn in a coordinate system `WIDTH` units wide and carry `width="WIDTH"`: in a PDF
one unit is one CSS pixel, 0.75 pt, so `FONT_SIZE` (10 units) prints at 7.5 pt and no chart
text is smaller than `MIN_FONT_SIZE` (7 pt in print)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from fontTools.ttLib import TTFont

#: the width of every chart's coordinate system (and of the SVG in CSS pixels): 480 pt, which
#: fits the 178 mm (505 pt) text width of a portrait A4 page of the reports
WIDTH = 640
#: text size of every chart, in units (= CSS pixels): 7.5 pt in print
FONT_SIZE = 10
#: no chart text may be smaller than this, in units: 7 pt in print (10 × 0.75 = 7.5 pt)
MIN_FONT_SIZE = 9.4
LINE_HEIGHT = 1.25
#: a label column takes at most this share of a chart's width
LABEL_SHARE = 0.4
#: labels longer than this many lines end with "…" (the data table has them whole)
MAX_LINES = 3

_FONT = Path(__file__).resolve().parents[2] / "static" / "fonts" / "DejaVuSans.ttf"


@lru_cache(maxsize=1)
def _metrics() -> tuple[dict[int, int], int, int]:
    """Advance widths per code point of the charts' font (DejaVu Sans, bundled)."""
    with TTFont(_FONT) as font:
        hmtx = font["hmtx"]
        widths = {code: hmtx[glyph][0] for code, glyph in font.getBestCmap().items()}
        units = font["head"].unitsPerEm
        default = hmtx[".notdef"][0] if ".notdef" in hmtx.metrics else units // 2
    return widths, units, default


@lru_cache(maxsize=4096)
def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """How wide `text` is in the charts' font at `font_size` (in the same units)."""
    widths, units, default = _metrics()
    return sum(widths.get(ord(ch), default) for ch in str(text)) * font_size / units


def _split_long(word: str, width: float, font_size: float) -> list[str]:
    """A word wider than the line, cut where it must be."""
    pieces, current = [], ""
    for ch in word:
        if current and text_width(current + ch, font_size) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return pieces + ([current] if current else [])


def wrap(
    text: Any, width: float, font_size: float = FONT_SIZE, max_lines: int = MAX_LINES
) -> list[str]:
    """The text in lines no wider than `width` (measured in the font), broken between words
    (inside a word only if it is wider than a line); beyond `max_lines`, the last line ends
    with "…"."""
    words = str(text if text is not None else "").split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font_size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if text_width(word, font_size) > width:
            *full, current = _split_long(word, width, font_size)
            lines.extend(full)
        else:
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", font_size) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return lines or [""]


@dataclass(frozen=True)
class Row:
    """One label of a chart: its lines, the top of its band and the band's height."""

    lines: list[str]
    y: float
    height: float

    @property
    def middle(self) -> float:
        return self.y + self.height / 2

    def line_ys(self, font_size: float = FONT_SIZE) -> list[float]:
        """The baselines of the label's lines, centred on the band."""
        step = font_size * LINE_HEIGHT
        first = self.middle - step * (len(self.lines) - 1) / 2 + font_size * 0.35
        return [round(first + i * step, 1) for i in range(len(self.lines))]


@dataclass(frozen=True)
class Layout:
    label_width: float
    rows: list[Row]
    height: float


def label_layout(
    labels: list[Any],
    *,
    top: float = 5,
    min_band: float = 18,
    gap: float = 6,
    share: float = LABEL_SHARE,
    font_size: float = FONT_SIZE,
) -> Layout:
    """Labels on the left of a chart: the column as wide as the widest label needs (at most
    `share` of the chart), each label wrapped to it, each band as tall as its lines."""
    widest = max((text_width(str(label), font_size) for label in labels), default=0)
    label_width = math.ceil(min(widest, WIDTH * share))
    rows, y = [], float(top)
    for label in labels:
        lines = wrap(label, label_width, font_size)
        height = max(min_band, len(lines) * font_size * LINE_HEIGHT + 4)
        rows.append(Row(lines=lines, y=y, height=height))
        y += height + gap
    return Layout(label_width=label_width, rows=rows, height=math.ceil(y))


# --- the heat map's classes ---------------------------------------------------------------

#: fills from the worst class to the best; dark text reads on each of them
HEAT_FILLS = ("#f2b8b5", "#f9d38c", "#fff2b3", "#cfe8c4", "#8cc98a")


@dataclass(frozen=True)
class HeatClass:
    index: int
    low: float | None
    high: float | None
    fill: str

    def label(self, unit: str = "") -> str:
        def num(value: float) -> str:
            return f"{value:g}"

        if self.low is None and self.high is not None:
            return f"< {num(self.high)}{unit}"
        if self.high is None and self.low is not None:
            return f"≥ {num(self.low)}{unit}"
        if self.low is not None and self.high is not None:
            return f"{num(self.low)}–{num(self.high)}{unit}"
        return ""


def thresholds() -> list[float]:
    """The targets the heat map's classes are anchored at, from HEAT_MAP_THRESHOLDS (a list of
    percentages, e.g. [80, 90]: below 80, 80 to 90, 90 and above)."""
    configured = current_app.config.get("HEAT_MAP_THRESHOLDS") or (80, 90)
    if isinstance(configured, str):
        configured = [part for part in configured.replace(";", ",").split(",") if part.strip()]
    return sorted(float(value) for value in configured)


def heat_classes() -> list[HeatClass]:
    """One class below the first threshold, one between each two, one from the last up."""
    bounds = thresholds()
    edges: list[float | None] = [None, *bounds, None]
    count = len(edges) - 1
    # the fills spread from red (worst) to green (best) whatever the number of classes
    fills = [HEAT_FILLS[round(i * (len(HEAT_FILLS) - 1) / max(count - 1, 1))] for i in range(count)]
    return [
        HeatClass(index=i, low=edges[i], high=edges[i + 1], fill=fills[i]) for i in range(count)
    ]


def heat_class(value: float | None, max_value: float = 100) -> HeatClass | None:
    """The class of a value (a share of `max_value`, compared in percent); None: no data."""
    if value is None:
        return None
    percent = value / (max_value or 1) * 100
    classes = heat_classes()
    for heat in classes:
        if heat.high is None or percent < heat.high:
            return heat
    return classes[-1]


def template_globals() -> dict[str, Any]:
    return {
        "chart_wrap": wrap,
        "chart_text_width": text_width,
        "chart_labels": label_layout,
        "heat_class": heat_class,
        "heat_classes": heat_classes,
        "CHART_WIDTH": WIDTH,
        "CHART_FONT_SIZE": FONT_SIZE,
    }
