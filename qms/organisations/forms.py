"""Forms for cities, agencies and units; the HTML pages and the JSON API both validate with them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, Regexp

from qms.core.forms import (
    REQUIRED,
    ChoiceField,
    DayField,
    ListFilterForm,
    RecordField,
    column_field,
    enum_choices,
    max_length,
    text_field,
)
from qms.core.labels import label_of
from qms.organisations.models import (
    Agency,
    AgencyKind,
    City,
    CityKind,
    LocalDayOff,
    Unit,
    UnitKind,
)

CODE_PATTERN = Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9-]*$", message=_l("Use letters, digits and hyphens only.")
)


class AgencyFilterForm(ListFilterForm):
    """A register narrowed to a city or an agency (see queries.AgencyFilter), as the lists of
    the agencies' records offer it; a register adds its own filters."""

    city_id = RecordField(_l("City"), validators=[Optional()])
    agency_id = RecordField(_l("Agency"), validators=[Optional()])


def owner_agency_field(model: type) -> RecordField:
    """The agency a new record of `model` goes to (labelled as its column), chosen among those
    the user may write for."""
    return column_field(RecordField, model, "agency_id", DataRequired(REQUIRED))


def _code_field(model: type, **options: Any) -> StringField:
    """A city's or an agency's short code: letters, digits and hyphens, at most 32."""
    return column_field(
        StringField, model, "code", DataRequired(REQUIRED), max_length(32), CODE_PATTERN, **options
    )


class CityForm(FlaskForm):
    code = _code_field(City)
    name = text_field(City, "name", required=True, length=200)
    kind = ChoiceField(
        label_of(City, "kind"), choices=enum_choices(CityKind.labels()), default="kota"
    )
    province = text_field(City, "province", length=200)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.name.data.strip(),
            "kind": CityKind(self.kind.data),
            "province": (self.province.data or "").strip(),
        }


class AgencyForm(FlaskForm):
    code = _code_field(Agency, description=_l("A short code, unique in the city, e.g. DUKCAPIL."))
    name = text_field(Agency, "name", required=True)
    kind = ChoiceField(
        label_of(Agency, "kind"), choices=enum_choices(AgencyKind.labels()), default="dinas"
    )
    head_name = text_field(Agency, "head_name", length=200)
    address = column_field(TextAreaField, Agency, "address", Optional(), max_length(500))
    active = BooleanField(label_of(Agency, "active"), default=True)

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
    name = text_field(Unit, "name", required=True)
    kind = ChoiceField(
        label_of(Unit, "kind"), choices=enum_choices(UnitKind.labels()), default="bidang"
    )
    parent_id = ChoiceField(
        label_of(Unit, "parent_id"),
        coerce=int,
        default=0,
        description=_l("Leave empty for a unit directly under the agency."),
    )
    active = BooleanField(label_of(Unit, "active"), default=True)

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


class LocalDayOffForm(FlaskForm):
    day = column_field(DayField, LocalDayOff, "day", DataRequired(REQUIRED))
    name = StringField(
        label_of(LocalDayOff, "name"),
        validators=[DataRequired(REQUIRED), max_length(200)],
        description=_l("e.g. HUT Kota Kupang, or a cuti bersama decreed after this release."),
    )

    def values(self) -> dict[str, Any]:
        return {"day": self.day.data, "name": self.name.data.strip()}
