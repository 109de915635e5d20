from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from qms.core.forms import DayField, max_length


def _optional_int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class GenerateForm(FlaskForm):
    """The view fills the choices from what the user may see; the service checks the
    combination against the report type and the user's scope and words the refusals, so the
    fields do not validate their choices themselves."""

    report = SelectField(_l("Report"), choices=[], validate_choice=False)
    city_id = SelectField(_l("City"), coerce=_optional_int, choices=[], validate_choice=False)
    agency_id = SelectField(_l("Agency"), coerce=_optional_int, choices=[], validate_choice=False)
    record_reference = StringField(
        _l("Record (audit reference, nonconformity number or NIB)"), validators=[Optional()]
    )
    period_start = DayField(_l("Period from"), validators=[Optional()])
    period_end = DayField(_l("Period to"), validators=[Optional()])
    locale = SelectField(
        _l("Language of the report"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        validate_choice=False,
    )

    def request_parameters(self) -> dict[str, Any]:
        """What the form asks for, as the portal's `build_request` takes it."""
        return {
            "city_id": self.city_id.data,
            "agency_id": self.agency_id.data,
            "record_reference": self.record_reference.data or "",
            "period_start": self.period_start.data,
            "period_end": self.period_end.data,
            "locale": self.locale.data,
        }


class VerifyForm(FlaskForm):
    ident = StringField(_l("Report identifier"), validators=[Optional()])
    file = FileField(_l("PDF to compare (optional)"))


class LetterheadForm(FlaskForm):
    government = StringField(
        _l("Name of the government"),
        validators=[Optional(), max_length(200)],
        description=_l("As printed at the top, e.g. PEMERINTAH KOTA KUPANG. Empty: from the city."),
    )
    address = TextAreaField(
        _l("Address lines"),
        validators=[Optional(), max_length(500)],
        description=_l("Up to four lines: address, telephone, e-mail, website."),
    )
    emblem_file = FileField(
        _l("Emblem (PNG or JPEG)"),
        description=_l("The city's emblem (lambang daerah). Leave empty to keep the current one."),
    )
    remove_emblem = BooleanField(_l("Print the letterhead without an emblem"))

    def values(self) -> dict[str, object]:
        return {
            "government": (self.government.data or "").strip(),
            "address": (self.address.data or "").strip(),
            "remove_emblem": bool(self.remove_emblem.data),
        }
