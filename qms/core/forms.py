"""Form building blocks with messages in the user's language (WTForms ships no Indonesian)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from qms.core.inputs import MAX_ID
from qms.core.labels import label_of
from qms.core.timeutil import from_local, to_local

FieldT = TypeVar("FieldT", bound=Field)

REQUIRED = _l("This field is required.")
BAD_NUMBER = _l("Enter a whole number.")
BAD_DATE = _l("Enter a date (YYYY-MM-DD).")
BAD_MOMENT = _l("Enter a date and time (YYYY-MM-DD HH:MM).")
BAD_CHOICE = _l("Choose one of the options.")


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def _options(choices: Any) -> Any:
    """(value, label) pairs as WTForms' SelectChoice (plain tuples are deprecated there)."""
    if isinstance(choices, list | tuple):
        return [SelectChoice(*c) if isinstance(c, tuple) else c for c in choices]
    return choices


class ChoiceField(SelectField):
    """A select whose refusals ("not one of the options") are translated, and whose choices
    may be given as (value, label) pairs, as in the rest of the code."""

    def __init__(self, *args: Any, choices: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", BAD_CHOICE)
        kwargs.setdefault("invalid_value_message", BAD_CHOICE)
        super().__init__(*args, choices=_options(choices), **kwargs)

    @property
    def choices(self) -> Any:
        return SelectField.choices.fget(self)

    @choices.setter
    def choices(self, value: Any) -> None:
        SelectField.choices.fset(self, _options(value))


class MultipleChoiceField(ChoiceField, SelectMultipleField):
    """A multiple select with ChoiceField's translated refusals and (value, label) pairs."""


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def enum_choices(labels: Mapping[enum.Enum, Any]) -> list[SelectChoice]:
    """The options of a {member: label} dict, in its order, valued by the members' values."""
    return [SelectChoice(member.value, label) for member, label in labels.items()]


def text_field(
    model: type, column: str, *, required: bool = False, length: int = 255
) -> StringField:
    """A line of text for a model's column (labelled as the column), at most `length`
    characters."""
    first = DataRequired(REQUIRED) if required else Optional()
    return column_field(StringField, model, column, first, max_length(length))


def column_field(
    field_class: Callable[..., FieldT], model: type, column: str, *validators: Any, **options: Any
) -> FieldT:
    """A field of `field_class` for a model's column (labelled as the column), checked by
    `validators` (none: it may be left empty)."""
    return field_class(
        label_of(model, column), validators=list(validators) or [Optional()], **options
    )


def required_choice(
    model: type, column: str, labels: Mapping[enum.Enum, Any], *, default: str | None = None
) -> ChoiceField:
    """A choice among the values of a model's enum column (labelled as the column) that must be
    made (`default`, the value a new record's form shows chosen)."""
    return ChoiceField(
        label_of(model, column),
        choices=enum_choices(labels),
        default=default,
        validators=[DataRequired(REQUIRED)],
    )


def optional_choice(model: type, column: str, labels: Mapping[enum.Enum, Any]) -> ChoiceField:
    """A choice among the values of a model's enum column (labelled as the column), or none
    ("–", first): a list's filter, or a field that may be left empty."""
    return ChoiceField(
        label_of(model, column),
        choices=[("", "–"), *enum_choices(labels)],
        validators=[Optional()],
    )


def _record_id(value: Any) -> int | None:
    """The id chosen, or None for no choice ("" or 0); a number that is no id is refused as a
    choice not offered."""
    if value in (None, "", "0", 0):
        return None
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


class RecordField(ChoiceField):
    """A record chosen by its id from the options the page offers (the operation checks that
    the record fits, so an id the page does not offer is not refused here)."""

    json_schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", _record_id)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class WholeNumberField(IntegerField):
    """An integer field whose parse error is in the user's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(BAD_NUMBER) from None


BAD_DECIMAL = _l("Enter a number (a decimal point, not a comma).")


class NumberField(DecimalField):
    """A decimal number whose parse error is in the user's language; the operation checks its
    range (which depends on the record: a percentage, a count…)."""

    json_schema = {"type": "number"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("places", None)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(BAD_DECIMAL) from None
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(BAD_DECIMAL)


#: the dates a record of this system can plausibly carry (a year 1202 is a typing error)
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)
IMPLAUSIBLE_DATE = _l(
    "Enter a date between %(first)s and %(last)s.",
    first=EARLIEST_DAY.year,
    last=LATEST_DAY.year,
)


class DayField(DateField):
    """A date field whose parse error is in the user's language and that refuses dates no record
    can carry."""

    json_schema = {"type": "string", "format": "date"}

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(BAD_DATE) from None
        if self.data is not None and not EARLIEST_DAY <= self.data <= LATEST_DAY:
            self.data = None
            raise ValueError(IMPLAUSIBLE_DATE)


class MomentField(DateTimeLocalField):
    """A date and time entered and shown in the offices' time zone and held as the naive UTC
    timestamp that is stored (so that "08.30" typed is "08.30" read back); its parse error is in
    the user's language."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", list(self.FORMATS))
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(BAD_MOMENT) from None
        if self.data is not None and not EARLIEST_DAY <= self.data.date() <= LATEST_DAY:
            self.data = None
            raise ValueError(IMPLAUSIBLE_DATE)
        if valuelist and self.data is not None:
            self.data = from_local(self.data)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return to_local(self.data).strftime(self.FORMATS[0]) if self.data else ""


def chosen(field: Field) -> Any:
    """A list filter's value, None for all: a value that is no option (a mistyped link) filters
    nothing."""
    return None if field.errors else (field.data or None)


def field_values(form: FlaskForm, *leaving_out: str) -> dict[str, Any]:
    """The form's data by field name, without its CSRF token and the fields `leaving_out` (the
    owner the view checked, the version the caller read…)."""
    return {
        name: field.data
        for name, field in form._fields.items()
        if name != form.meta.csrf_field_name and name not in leaving_out
    }


class ListFilterForm(FlaskForm):
    """The filters of a list (query parameters of its page and of the API), each field's value
    `chosen`, by the field's name."""

    def values(self) -> dict[str, Any]:
        return {
            name: chosen(field)
            for name, field in self._fields.items()
            if name != self.meta.csrf_field_name
        }


class VersionedForm(FlaskForm):
    """Carries the version of the record the user read, so a stale write is refused (see
    qms.core.models.check_version)."""

    version = WholeNumberField(validators=[InputRequired(REQUIRED)], widget=HiddenInput())
