"""Form building blocks with messages in the user's language (WTForms ships no Indonesian)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Length

REQUIRED = _l("This field is required.")


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class ChoiceField(SelectField):
    """A select whose refusals ("not one of the options") are translated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options."))
        kwargs.setdefault("invalid_value_message", _l("Choose one of the options."))
        super().__init__(*args, **kwargs)
