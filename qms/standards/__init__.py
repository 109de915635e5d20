"""Standards as data: clause trees and audit questions loaded from checklists/."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qms.standards import services  # noqa: F401  (registers the checklist kind and policy)
