"""Forms of the certification programme. Labels and messages are translated; the rules that
matter (NIB, NPWP, limits, stage order) are checked again in the services."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp
from wtforms.validators import ValidationError as WTFormsValidationError

from qms.accounts.forms import EMAIL_PATTERN
from qms.core.errors import DomainError
from qms.core.forms import (
    REQUIRED,
    ChoiceField,
    DayField,
    MultipleChoiceField,
    WholeNumberField,
    enum_choices,
    max_length,
)
from qms.sme import services
from qms.sme.models import (
    CATEGORY_LABELS,
    GRADE_LABELS,
    GUIDANCE_KIND_LABELS,
    SCALE_LABELS,
    SCHEME_LABELS,
    SCHEME_TYPE_LABELS,
)


def _date(label: Any, required: bool = True) -> DayField:
    return DayField(label, validators=[InputRequired(REQUIRED)] if required else [Optional()])


def officer_choices(city_id: int) -> list[SelectChoice]:
    return [SelectChoice(0, _l("— me —"))] + [
        SelectChoice(u.id, u.name) for u in services.coop_officers(city_id)
    ]


def _service_check(check: Any) -> Any:
    """A WTForms validator that runs a service's normalizer, so the form and the API show the
    service's own message."""

    def validator(_form: Any, field: Any) -> None:
        try:
            check(field.data)
        except DomainError as error:
            raise WTFormsValidationError(str(error.message)) from error

    return validator


class BusinessForm(FlaskForm):
    city_id = ChoiceField(_l("City"), coerce=int)
    name = StringField(_l("Business name"), validators=[DataRequired(REQUIRED), max_length(200)])
    owner_name = StringField(_l("Owner"), validators=[DataRequired(REQUIRED), max_length(200)])
    nib = StringField(
        _l("NIB (business identification number)"),
        validators=[DataRequired(REQUIRED), _service_check(services.normalize_nib)],
    )
    npwp = StringField(
        _l("NPWP (tax number)"), validators=[Optional(), _service_check(services.normalize_npwp)]
    )
    address = StringField(_l("Address"), validators=[DataRequired(REQUIRED), max_length(500)])
    kecamatan = StringField(_l("Kecamatan"), validators=[DataRequired(REQUIRED), max_length(100)])
    kelurahan = StringField(_l("Kelurahan"), validators=[DataRequired(REQUIRED), max_length(100)])
    phone = StringField(_l("Phone / WhatsApp"), validators=[Optional(), max_length(30)])
    email = StringField(
        _l("E-mail"),
        validators=[
            Optional(),
            Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")),
            max_length(255),
        ],
    )
    scale = ChoiceField(_l("Scale"), choices=enum_choices(SCALE_LABELS))
    workers = WholeNumberField(
        _l("Number of workers"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 99, _l("Between 1 and 99."))],
    )
    registered_on = _date(_l("Registered with the office on"))

    def __init__(self, *args: Any, cities: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city_id.choices = [SelectChoice(c.id, c.name) for c in cities or []]

    def values(self) -> dict[str, Any]:
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "city_id")
        }


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"), validators=[DataRequired(REQUIRED), max_length(200)])
    brand = StringField(_l("Brand"), validators=[Optional(), max_length(200)])
    category = ChoiceField(_l("Category"), choices=enum_choices(CATEGORY_LABELS))
    standard_id = ChoiceField(_l("Applicable SNI"), coerce=int, default=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from qms.sme.catalogue import standards

        self.standard_id.choices = [SelectChoice(0, _l("— none yet —"))] + [
            SelectChoice(s.id, s.label) for s in standards()
        ]

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "brand": self.brand.data,
            "category": self.category.data,
            "standard_id": self.standard_id.data or None,
        }


class PathwayForm(FlaskForm):
    scheme = ChoiceField(_l("Scheme"), choices=enum_choices(SCHEME_LABELS))
    scheme_type = ChoiceField(
        _l("ISO/IEC 17067 scheme type"),
        choices=[SelectChoice("", _l("— not applicable —")), *enum_choices(SCHEME_TYPE_LABELS)],
        default="5",
    )
    started_on = _date(_l("Registered on"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), max_length(2000)])


class TransitionForm(FlaskForm):
    """One form for every step; each step uses the fields it needs (the service says which are
    missing)."""

    action = StringField(validators=[DataRequired(REQUIRED)])
    on = _date(_l("Date"))
    officer_id = ChoiceField(_l("Responsible officer"), coerce=int, default=0)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), max_length(2000)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), max_length(2000)])
    lspro_name = StringField(
        _l("Certification body (LSPro)"), validators=[Optional(), max_length(255)]
    )
    lspro_accreditation = StringField(
        _l("KAN accreditation number"), validators=[Optional(), max_length(32)]
    )
    certificate_number = StringField(
        _l("Certificate number"), validators=[Optional(), max_length(100)]
    )
    issuer = StringField(_l("Issued by"), validators=[Optional(), max_length(255)])
    issued_on = _date(_l("Issued on"), required=False)
    expires_on = _date(_l("Expires on"), required=False)

    def __init__(self, *args: Any, city_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officer_id.choices = officer_choices(city_id)

    def values(self) -> dict[str, Any]:
        return {
            "on": self.on.data,
            "officer_id": self.officer_id.data or None,
            "notes": self.notes.data or "",
            "reason": self.reason.data or "",
            "lspro_name": self.lspro_name.data,
            "lspro_accreditation": self.lspro_accreditation.data,
            "certificate_number": self.certificate_number.data,
            "issuer": self.issuer.data,
            "issued_on": self.issued_on.data,
            "expires_on": self.expires_on.data,
        }


class FindingForm(FlaskForm):
    grade = ChoiceField(_l("Grade"), choices=enum_choices(GRADE_LABELS))
    description = TextAreaField(_l("Finding"), validators=[DataRequired(REQUIRED)])
    raised_on = _date(_l("Raised on"))
    due_on = _date(_l("Fix by (empty: the default deadline)"), required=False)


class CloseFindingForm(FlaskForm):
    closed_on = _date(_l("Closed on"))
    note = TextAreaField(_l("How it was fixed"), validators=[DataRequired(REQUIRED)])


class LabTestForm(FlaskForm):
    """The results come as result-<parameter key> fields, one per parameter of the SNI."""

    lab_name = StringField(_l("Laboratory"), validators=[DataRequired(REQUIRED), max_length(255)])
    report_number = StringField(
        _l("Test report number"), validators=[DataRequired(REQUIRED), max_length(100)]
    )
    sampled_on = _date(_l("Sampled on"))
    tested_on = _date(_l("Tested on"))


class SurveillanceForm(FlaskForm):
    done_on = _date(_l("Done on"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), max_length(2000)])


class EvidenceForm(FlaskForm):
    file = FileField(_l("File"), validators=[DataRequired(REQUIRED)])
    description = StringField(_l("Description"), validators=[Optional(), max_length(255)])


class VisitForm(FlaskForm):
    kind = ChoiceField(_l("Kind"), choices=enum_choices(GUIDANCE_KIND_LABELS))
    held_on = _date(_l("Date"))
    officer_id = ChoiceField(_l("Officer"), coerce=int, default=0)
    topics = StringField(_l("Topics"), validators=[DataRequired(REQUIRED), max_length(500)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), max_length(4000)])
    follow_up = TextAreaField(_l("Follow-up"), validators=[Optional(), max_length(2000)])
    follow_up_on = _date(_l("Follow up by"), required=False)

    def __init__(self, *args: Any, city_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officer_id.choices = officer_choices(city_id)

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind.data,
            "held_on": self.held_on.data,
            "officer_id": self.officer_id.data or None,
            "topics": self.topics.data,
            "notes": self.notes.data or "",
            "follow_up": self.follow_up.data or "",
            "follow_up_on": self.follow_up_on.data,
        }


class TrainingForm(FlaskForm):
    city_id = ChoiceField(_l("City"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), max_length(255)])
    held_on = _date(_l("Date"))
    trainer = StringField(_l("Trainer"), validators=[DataRequired(REQUIRED), max_length(200)])
    place = StringField(_l("Place"), validators=[Optional(), max_length(255)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), max_length(4000)])
    business_ids = MultipleChoiceField(
        _l("Businesses that attended"),
        coerce=int,
        validators=[DataRequired(_l("Choose at least one business that attended."))],
        # the service checks that every business belongs to the training's city
        validate_choice=False,
    )

    def __init__(self, *args: Any, cities: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city_id.choices = [SelectChoice(c.id, c.name) for c in cities or []]

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "held_on": self.held_on.data,
            "trainer": self.trainer.data,
            "place": self.place.data or "",
            "notes": self.notes.data or "",
        }
