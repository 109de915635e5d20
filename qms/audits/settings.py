"""Configuration of internal audits, with documented defaults. Each value can be overridden
from the environment (or the app's test config):

- `QMS_AUDIT_GRADES_FILE` (none): a YAML grade scale replacing the default one (format in
  grades.py); the grades also give the follow-up deadlines (30 days for major, 60 for minor).
- `QMS_AUDIT_REMINDER_DAYS` (`14,7`): the audit team is reminded this many days before a
  planned audit starts.
- `QMS_AUDIT_COMPLIANCE_FORMULA` (`weighted`): how the compliance figure weighs the results
  (qms/audits/figures.py): `weighted` — an observation breaches no requirement and counts as
  conforming, each nonconformity weighs as its grade says (`QMS_AUDIT_COMPLIANCE_WEIGHTS`); or
  `legacy`, the formula used before December 2026, (conform + ½ × observation) ÷ assessed rows.
- `QMS_AUDIT_COMPLIANCE_WEIGHTS` (`{"observation": 1, "minor": 1, "major": 2}`): JSON, merged
  over the default: the share of an observation counted as conforming, and the weight of a
  nonconformity of each grade key (a nonconform row without a graded finding, or of a grade
  not named, weighs `"ungraded"`, 1).
- `QMS_AUDIT_COMPLIANCE_GOOD` (`0.9`) and `QMS_AUDIT_COMPLIANCE_FAIR` (`0.7`): a compliance
  figure from the first is shown as good (green), from the second as fair (amber), below it as
  poor (red).
- `QMS_AUDIT_CYCLE_YEARS` (3): the years within which the audit programme covers every clause
  of the standard at every agency (ISO 19011 5.4; a certificate's cycle).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from flask import Flask, current_app

from qms.core.settings import fill_config

_DEFAULTS: dict[str, Any] = {
    "AUDIT_GRADES_FILE": None,
    "AUDIT_REMINDER_DAYS": (14, 7),
    "AUDIT_COMPLIANCE_GOOD": 0.9,
    "AUDIT_COMPLIANCE_FAIR": 0.7,
    "AUDIT_CYCLE_YEARS": 3,
    "AUDIT_COMPLIANCE_FORMULA": "weighted",
    "AUDIT_COMPLIANCE_WEIGHTS": "{}",
}

FORMULAS = ("weighted", "legacy")
#: the weighted formula's defaults (DOMAIN.md §8): an observation breaches nothing, a major
#: nonconformity weighs twice a minor one
DEFAULT_WEIGHTS: dict[str, float] = {
    "observation": 1.0,
    "ungraded": 1.0,
    "minor": 1.0,
    "major": 2.0,
}
#: the formula before December 2026: half an observation, every nonconformity alike
LEGACY_WEIGHTS: dict[str, float] = {"observation": 0.5, "ungraded": 1.0}


def init_config(app: Flask) -> None:
    """Fill the audit settings the app's config does not set already; a formula or weights
    that cannot be used stop the start with the reason."""
    fill_config(app, _DEFAULTS)
    if app.config["AUDIT_COMPLIANCE_FORMULA"] not in FORMULAS:
        raise ValueError(
            f"QMS_AUDIT_COMPLIANCE_FORMULA must be one of {', '.join(FORMULAS)}, "
            f"not {app.config['AUDIT_COMPLIANCE_FORMULA']!r}"
        )
    compliance_weights(app.config)


def compliance_weights(config: Any = None) -> dict[str, float]:
    """The weights of the configured formula: "observation" (the share counted conforming),
    "ungraded" and one per nonconformity grade key."""
    config = config if config is not None else current_app.config
    given = config["AUDIT_COMPLIANCE_WEIGHTS"]
    written = given if isinstance(given, str) else json.dumps(given, sort_keys=True)
    return dict(_weights(config["AUDIT_COMPLIANCE_FORMULA"], written))


@lru_cache(maxsize=8)
def _weights(formula: str, written: str) -> tuple[tuple[str, float], ...]:
    """The weights read once per setting: a city's figures weigh thousands of tallies."""
    if formula == "legacy":
        return tuple(LEGACY_WEIGHTS.items())
    try:
        given = json.loads(written or "{}")
    except ValueError as exc:
        raise ValueError(f"QMS_AUDIT_COMPLIANCE_WEIGHTS is not JSON: {exc}") from exc
    if not isinstance(given, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in given.values()
    ):
        raise ValueError(
            "QMS_AUDIT_COMPLIANCE_WEIGHTS must map names to numbers, "
            'e.g. {"observation": 1, "minor": 1, "major": 2}'
        )
    if given.get("observation", 1) > 1:
        raise ValueError("QMS_AUDIT_COMPLIANCE_WEIGHTS: an observation counts at most wholly (1)")
    if any(v <= 0 for k, v in given.items() if k != "observation"):
        raise ValueError("QMS_AUDIT_COMPLIANCE_WEIGHTS: a nonconformity weighs more than 0")
    return tuple({**DEFAULT_WEIGHTS, **{k: float(v) for k, v in given.items()}}.items())


def setting(name: str) -> Any:
    return current_app.config[name]


def compliance_tone(value: float | None) -> str:
    """How a compliance figure is shown: "good", "fair", "poor", or "none" without a figure."""
    if value is None:
        return "none"
    if value >= setting("AUDIT_COMPLIANCE_GOOD"):
        return "good"
    return "fair" if value >= setting("AUDIT_COMPLIANCE_FAIR") else "poor"
