"""Cities, agencies (OPD) and their units."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.organisations import services  # noqa: F401  (registers the access policies)
