"""Forms for cities, agencies and units; the HTML pages and the JSON API both validate with them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, Regexp

from qms.core.forms import REQUIRED, ChoiceField, enum_choices, max_length
from qms.organisations.models import (
    AGENCY_KIND_LABELS,
    CITY_KIND_LABELS,
    UNIT_KIND_LABELS,
    AgencyKind,
    CityKind,
    UnitKind,
)

CODE_PATTERN = Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9-]*$", message=_l("Use letters, digits and hyphens only.")
)


class CityForm(FlaskForm):
    code = StringField(
        _l("Code"), validators=[DataRequired(REQUIRED), max_length(32), CODE_PATTERN]
    )
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), max_length(200)])
    kind = ChoiceField(_l("Kind"), choices=enum_choices(CITY_KIND_LABELS), default="kota")
    province = StringField(_l("Province"), validators=[Optional(), max_length(200)])

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.name.data.strip(),
            "kind": CityKind(self.kind.data),
            "province": (self.province.data or "").strip(),
        }


class AgencyForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(REQUIRED), max_length(32), CODE_PATTERN],
        description=_l("A short code, unique in the city, e.g. DUKCAPIL."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), max_length(255)])
    kind = ChoiceField(_l("Kind"), choices=enum_choices(AGENCY_KIND_LABELS), default="dinas")
    head_name = StringField(_l("Head of the agency"), validators=[Optional(), max_length(200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), max_length(500)])
    active = BooleanField(_l("Active"), default=True)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.name.data.strip(),
            "kind": AgencyKind(self.kind.data),
            "head_name": (self.head_name.data or "").strip(),
            "address": (self.address.data or "").strip(),
            "active": bool(self.active.data),
        }


class UnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), max_length(255)])
    kind = ChoiceField(_l("Kind"), choices=enum_choices(UNIT_KIND_LABELS), default="bidang")
    parent_id = ChoiceField(
        _l("Inside unit"),
        coerce=int,
        default=0,
        description=_l("Leave empty for a unit directly under the agency."),
    )
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args: Any, parents: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent_id.choices = [(0, _l("— none —")), *parents]

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data.strip(),
            "kind": UnitKind(self.kind.data),
            "parent_id": self.parent_id.data or None,
            "active": bool(self.active.data),
        }
