"""Settings of the spreadsheet imports, each overridable from the environment (`QMS_<NAME>`):

- `QMS_IMPORT_MAX_MB` (10): a larger file is refused before it is read.
- `QMS_IMPORT_MAX_UNPACKED_MB` (100): a workbook unpacking to more is refused before it is
  parsed (a zip bomb; openpyxl reads a workbook's shared strings whole).
- `QMS_IMPORT_MAX_ROWS` (50000): a file with more rows is refused, naming the row.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from qms.core.settings import fill_config

_DEFAULTS = {
    "IMPORT_MAX_MB": 10,
    "IMPORT_MAX_UNPACKED_MB": 100,
    "IMPORT_MAX_ROWS": 50_000,
}


def init_config(app: Flask) -> None:
    fill_config(app, _DEFAULTS)


def setting(name: str) -> int:
    value: Any = current_app.config[name]
    return int(value)
