"""Language selection, Indonesian date and number formats, and the translation catalogues.

Each feature keeps its own catalogue in qms/<feature>/translations; Flask-Babel merges them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_decimal, format_percent, format_time
from flask_login import current_user

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def translation_directories() -> list[str]:
    return sorted(str(p) for p in PACKAGE_DIR.glob("*/translations") if p.is_dir())


def compile_catalogues() -> int:
    """Compile every .po into its .mo when the .mo is missing or older; returns how many."""
    compiled = 0
    for po_path in PACKAGE_DIR.glob("*/translations/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        compiled += 1
    return compiled


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, workers: force_locale() decides, else the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.locale if current_user.locale in languages else languages[0]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if request and request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def fmt_date(value: date | datetime | None, style: str = "long", rebase: bool = True) -> str:
    """'11 Juli 2019' in Indonesian, 'July 11, 2019' in English."""
    if value is None:
        return "–"
    # a stored (UTC) timestamp: the date in the offices' zone; see fmt_datetime on rebase
    return format_date(value, style, rebase=rebase)


def fmt_datetime(value: datetime | None, rebase: bool = True) -> str:
    """'13 Okt 2026 08.30': a stored UTC timestamp in the offices' time zone, to the minute.
    rebase=False for the wall-clock times that outside sources give (complaint channels)."""
    if value is None:
        return "–"
    day = format_date(value, "medium", rebase=rebase)
    return f"{day} {format_time(value, 'short', rebase=rebase)}"


def fmt_number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def fmt_percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return format_percent(value, format="#,##0." + "0" * digits + " %" if digits else "#,##0 %")


def init_app(app: Any) -> None:
    app.jinja_env.filters.update(
        date=fmt_date, datetime=fmt_datetime, number=fmt_number, percent=fmt_percent
    )
