"""The import's forms: the upload (where the rows go, the file) and the mapping (which column
holds which field; read from the posted `map-<field>` values, one select per field)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms.validators import Optional

from qms.core.forms import REQUIRED, RecordField
from qms.core.spreadsheets import ImportField


class UploadForm(FlaskForm):
    owner_id = RecordField(_l("Import into"), validators=[Optional()])
    file = FileField(_l("Spreadsheet (XLSX or CSV)"), validators=[FileRequired(REQUIRED)])


class MappingForm(FlaskForm):
    """The CSRF token; the columns are read from the request by `mapping_of`."""


def mapping_of(form_data: Any, fields: tuple[ImportField, ...]) -> dict[str, int | None]:
    """Field → column index from the posted selects ("" or anything not a column: not
    imported)."""
    mapping: dict[str, int | None] = {}
    for f in fields:
        raw = (form_data.get(f"map-{f.name}") or "").strip()
        mapping[f.name] = int(raw) if raw.isdigit() and len(raw) < 4 else None
    return mapping
