"""The search's query parameters (the header's box, the results page and the API)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import NumberRange, Optional

from qms.core.forms import ChoiceField, choices
from qms.core.search import searchable_kinds
from qms.search.queries import MAX_PAGE


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional()])
    kind = ChoiceField(_l("Kind of record"), default="", validators=[Optional()])
    page = IntegerField(
        _l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(
            [("", _l("All kinds")), *((s.kind, s.label) for s in searchable_kinds())]
        )

    def values(self) -> tuple[str, str, int]:
        """(query, kind, page) as asked; a kind or page that is not valid is ignored (the
        query is taken as typed: the search makes any text harmless)."""
        self.validate()
        kind = "" if self.kind.errors else (self.kind.data or "")
        page = 1 if self.page.errors or not self.page.data else self.page.data
        return self.q.data or "", kind, page
