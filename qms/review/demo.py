"""The demo city's management reviews (filled in later in this branch)."""

from __future__ import annotations


def seed() -> None:
    return None
