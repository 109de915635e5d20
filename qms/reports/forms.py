from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from qms.core.forms import DayField


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


class VerifyForm(FlaskForm):
    ident = StringField(_l("Report identifier"), validators=[Optional()])
    file = FileField(_l("PDF to compare (optional)"))
