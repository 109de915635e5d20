"""The organisations' part of the demo: the places of the demo city. `flask qms load-checklists`
skips a places file while its city does not exist; the demo creates the city first
(qms/demo.py), and this seeder, run before every feature's, loads its places."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from qms.core.checklists import load_directory


def seed() -> None:
    report = load_directory(Path(current_app.config["CHECKLISTS_DIR"]) / "places")
    if report.errors:  # a shipped file is broken: say so rather than seed without places
        raise report.errors[0]
