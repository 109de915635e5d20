"""The risk matrix is configuration, not code: the level of a risk is read from a grid of
likelihood (rows) × impact (columns), each on a 1–5 scale. The default is the 5 × 5 matrix of
Indonesian government risk management (SPIP, PP 60/2008; KemenPAN-RB guidance) with its four
levels. Set RISK_MATRIX_FILE (environment: QMS_RISK_MATRIX_FILE) to a YAML file of this shape:

    levels:                      # lowest first
      - key: low
        label: {id: Rendah, en: Low}
        colour: "#5b9a3c"        # the heat map's shade
        attention: false         # listed as a high risk on home pages and in reports
      - ...
    likelihood:                  # the five steps of the scale, 1 first
      - {id: Hampir tidak terjadi, en: Rare}
      - ...
    impact:
      - {id: Tidak signifikan, en: Insignificant}
      - ...
    grid:                        # grid[likelihood - 1][impact - 1] = a level's key
      - [low, low, low, medium, medium]
      - ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import get_locale

from qms.core.checklists import bilingual, read_data_file
from qms.planning.vocabulary import SCALE

_LEVEL_KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"}
_FIVE_LABELS = {"type": "array", "minItems": 5, "maxItems": 5, "items": bilingual("label")}
MATRIX_SCHEMA = {
    "type": "object",
    "required": ["levels", "likelihood", "impact", "grid"],
    "additionalProperties": False,
    "properties": {
        "levels": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "required": ["key", "label", "colour", "attention"],
                "additionalProperties": False,
                "properties": {
                    "key": _LEVEL_KEY,
                    "label": bilingual("label"),
                    "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                    "attention": {"type": "boolean"},
                },
            },
        },
        "likelihood": _FIVE_LABELS,
        "impact": _FIVE_LABELS,
        "grid": {
            "type": "array",
            "minItems": 5,
            "maxItems": 5,
            "items": {"type": "array", "minItems": 5, "maxItems": 5, "items": _LEVEL_KEY},
        },
    },
}

DEFAULT_MATRIX: dict[str, Any] = {
    "levels": [
        {
            "key": "low",
            "label": {"id": "Rendah", "en": "Low"},
            "colour": "#5b9a3c",
            "attention": False,
        },
        {
            "key": "medium",
            "label": {"id": "Sedang", "en": "Medium"},
            "colour": "#e0c21e",
            "attention": False,
        },
        {
            "key": "high",
            "label": {"id": "Tinggi", "en": "High"},
            "colour": "#e08a1e",
            "attention": True,
        },
        {
            "key": "very_high",
            "label": {"id": "Sangat tinggi", "en": "Very high"},
            "colour": "#b3261e",
            "attention": True,
        },
    ],
    "likelihood": [
        {"id": "Hampir tidak terjadi", "en": "Rare"},
        {"id": "Jarang terjadi", "en": "Unlikely"},
        {"id": "Kadang-kadang terjadi", "en": "Possible"},
        {"id": "Sering terjadi", "en": "Likely"},
        {"id": "Hampir pasti terjadi", "en": "Almost certain"},
    ],
    "impact": [
        {"id": "Tidak signifikan", "en": "Insignificant"},
        {"id": "Minor", "en": "Minor"},
        {"id": "Moderat", "en": "Moderate"},
        {"id": "Signifikan", "en": "Significant"},
        {"id": "Sangat signifikan", "en": "Very significant"},
    ],
    # likelihood 1 (top) to 5, impact 1 (left) to 5
    "grid": [
        ["low", "low", "low", "medium", "medium"],
        ["low", "low", "medium", "medium", "high"],
        ["low", "medium", "medium", "high", "high"],
        ["medium", "medium", "high", "high", "very_high"],
        ["medium", "high", "high", "very_high", "very_high"],
    ],
}


def _localised(label: dict[str, str]) -> str:
    return label["en"] if str(get_locale() or "id") == "en" else label["id"]


@dataclass(frozen=True)
class Level:
    key: str
    rank: int
    label_id: str
    label_en: str
    colour: str
    attention: bool

    @property
    def label(self) -> str:
        return _localised({"id": self.label_id, "en": self.label_en})


@dataclass(frozen=True)
class Matrix:
    levels: tuple[Level, ...]
    likelihood_labels: tuple[dict[str, str], ...]
    impact_labels: tuple[dict[str, str], ...]
    grid: tuple[tuple[str, ...], ...]

    def level(self, likelihood: int | None, impact: int | None) -> Level | None:
        """The level of a rating, or None for a rating not (fully) given."""
        if likelihood not in SCALE or impact not in SCALE:
            return None
        key = self.grid[likelihood - 1][impact - 1]
        return next(level for level in self.levels if level.key == key)

    def cells(self, keys: set[str]) -> list[tuple[int, int]]:
        """The (likelihood, impact) ratings whose level is one of `keys` (for SQL filters)."""
        return [(li, im) for li in SCALE for im in SCALE if self.grid[li - 1][im - 1] in keys]

    def attention_cells(self) -> list[tuple[int, int]]:
        return self.cells({level.key for level in self.levels if level.attention})

    def likelihood_label(self, value: int) -> str:
        return _localised(self.likelihood_labels[value - 1])

    def impact_label(self, value: int) -> str:
        return _localised(self.impact_labels[value - 1])


def load_matrix(path: str | None) -> Matrix:
    """The risk matrix of the file at `path`, or the default one; raise ValueError naming the
    problem."""
    data = read_data_file(path, DEFAULT_MATRIX, MATRIX_SCHEMA, "risk matrix")
    keys = [level["key"] for level in data["levels"]]
    if len(set(keys)) != len(keys):
        raise ValueError("risk matrix: a level key appears twice")
    unknown = {cell for row in data["grid"] for cell in row} - set(keys)
    if unknown:
        raise ValueError(
            f"risk matrix: the grid names unknown levels: {', '.join(sorted(unknown))}"
        )
    levels = tuple(
        Level(
            key=level["key"],
            rank=rank,
            label_id=level["label"]["id"],
            label_en=level["label"]["en"],
            colour=level["colour"],
            attention=level["attention"],
        )
        for rank, level in enumerate(data["levels"])
    )
    return Matrix(
        levels,
        tuple(data["likelihood"]),
        tuple(data["impact"]),
        tuple(tuple(row) for row in data["grid"]),
    )


def matrix() -> Matrix:
    """The configured matrix (loaded once per app by init_app)."""
    return current_app.extensions["qms_risk_matrix"]
