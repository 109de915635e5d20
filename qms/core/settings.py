"""The features' settings: each named once with its default in the feature's settings.py, and
overridable from the environment as `QMS_<NAME>` (or in the app's own config)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def from_environment(name: str, default: Any) -> Any:
    """`QMS_<name>` from the environment, read as the kind of value its default is (a tuple
    of whole numbers is written "14,7"), or the default when it is not set."""
    raw = os.environ.get(f"QMS_{name}")
    if raw is None:
        return default
    if isinstance(default, tuple):
        return tuple(int(part) for part in raw.split(",") if part.strip())
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def fill_config(app: Flask, defaults: Mapping[str, Any]) -> None:
    """Give each setting the app's config does not set already its value from the
    environment, or its default."""
    for name, default in defaults.items():
        app.config.setdefault(name, from_environment(name, default))
