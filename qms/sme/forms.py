"""Forms of the certification programme, used by the pages and the JSON API alike. Labels come
from the models' columns; the rules that matter (NIB, NPWP, limits, stage order) are checked
again in the operations and the workflow."""

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
from qms.core import access
from qms.core.errors import DomainError
from qms.core.forms import (
    REQUIRED,
    ChoiceField,
    DayField,
    MultipleChoiceField,
    VersionedForm,
    WholeNumberField,
    enum_choices,
    field_values,
    max_length,
    text_field,
)
from qms.core.labels import label_of
from qms.sme import catalogue, models, vocabulary
from qms.sme.operations import normalize_nib, normalize_npwp
from qms.sme.policies import coop_officers
from qms.sme.workflow import STEPS


def day_field(label: Any, required: bool = True) -> DayField:
    return DayField(label, validators=[InputRequired(REQUIRED)] if required else [Optional()])


def officer_choices(city_id: int) -> list[SelectChoice]:
    return [SelectChoice(0, _l("— me —"))] + [
        SelectChoice(u.id, u.name) for u in coop_officers(city_id)
    ]


class _OfficerForm(FlaskForm):
    """A form naming the responsible officer (`officer_id`) among the city's coop officers."""

    officer_id: ChoiceField

    def __init__(self, *args: Any, city_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officer_id.choices = officer_choices(city_id)


def _any(labels: dict) -> list[SelectChoice]:
    """A filter's options: "all" (empty) and each value."""
    return [SelectChoice("", _l("All")), *enum_choices(labels)]


def _record_id(label: Any) -> WholeNumberField:
    """An optional filter by a record's id."""
    return WholeNumberField(
        label,
        validators=[
            Optional(),
            NumberRange(1, access.MAX_ID, _l("Enter a whole number from 1 to %(max)s.")),
        ],
    )


def _service_check(check: Any) -> Any:
    """A WTForms validator that runs a service's normalizer, so the form and the API show the
    service's own message."""

    def validator(_form: Any, field: Any) -> None:
        try:
            check(field.data)
        except DomainError as error:
            raise WTFormsValidationError(str(error.message)) from error

    return validator


def _business(name: str) -> Any:
    return label_of(models.Business, name)


class BusinessFields(FlaskForm):
    """What a business's form asks, when it is registered and when it is changed."""

    city_id = ChoiceField(_business("city_id"), coerce=int)
    name = StringField(_business("name"), validators=[DataRequired(REQUIRED), max_length(200)])
    owner_name = StringField(
        _business("owner_name"), validators=[DataRequired(REQUIRED), max_length(200)]
    )
    nib = StringField(
        _business("nib"), validators=[DataRequired(REQUIRED), _service_check(normalize_nib)]
    )
    npwp = StringField(_business("npwp"), validators=[Optional(), _service_check(normalize_npwp)])
    address = StringField(
        _business("address"), validators=[DataRequired(REQUIRED), max_length(500)]
    )
    kecamatan = StringField(
        _business("kecamatan"), validators=[DataRequired(REQUIRED), max_length(100)]
    )
    kelurahan = StringField(
        _business("kelurahan"), validators=[DataRequired(REQUIRED), max_length(100)]
    )
    phone = StringField(_business("phone"), validators=[Optional(), max_length(30)])
    email = StringField(
        _business("email"),
        validators=[
            Optional(),
            Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")),
            max_length(255),
        ],
    )
    scale = ChoiceField(_business("scale"), choices=enum_choices(vocabulary.Scale.labels()))
    workers = WholeNumberField(
        _business("workers"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 99, _l("Between 1 and 99."))],
    )
    registered_on = day_field(_business("registered_on"))

    def __init__(self, *args: Any, cities: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city_id.choices = [SelectChoice(c.id, c.name) for c in cities or []]

    def values(self) -> dict[str, Any]:
        return field_values(self, "city_id", "version")


class BusinessForm(BusinessFields, VersionedForm):
    """A change to a business: the version read is required, so a stale change is refused."""


class ProductFields(FlaskForm):
    """What a product's form asks, when it is added and when it is changed."""

    name = text_field(models.Product, "name", required=True, length=200)
    brand = text_field(models.Product, "brand", length=200)
    category = ChoiceField(
        label_of(models.Product, "category"),
        choices=enum_choices(vocabulary.ProductCategory.labels()),
    )
    standard_id = ChoiceField(label_of(models.Product, "standard_id"), coerce=int, default=0)
    variant_id = ChoiceField(label_of(models.Product, "variant_id"), coerce=int, default=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        standards = catalogue.standards()
        self.standard_id.choices = [SelectChoice(0, _l("— none yet —"))] + [
            SelectChoice(s.id, s.label) for s in standards
        ]
        # the operation checks that the column is one of the chosen SNI's
        self.variant_id.choices = [SelectChoice(0, _l("— not applicable —"))] + [
            SelectChoice(v.id, v.label) for s in standards for v in s.current_variants
        ]

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "brand": self.brand.data,
            "category": self.category.data,
            "standard_id": self.standard_id.data or None,
            "variant_id": self.variant_id.data or None,
        }


class ProductForm(ProductFields, VersionedForm):
    """A change to a product: the version read is required, so a stale change is refused."""


class ArchiveForm(VersionedForm):
    """Archiving a business or product: only the version read."""


class PathwayForm(FlaskForm):
    scheme = ChoiceField(
        label_of(models.Pathway, "scheme"), choices=enum_choices(vocabulary.Scheme.labels())
    )
    scheme_type = ChoiceField(
        label_of(models.Pathway, "scheme_type"),
        choices=[
            SelectChoice("", _l("— not applicable —")),
            *enum_choices(vocabulary.SchemeType.labels()),
        ],
        default="5",
    )
    started_on = day_field(_l("Registered on"))
    notes = TextAreaField(
        label_of(models.StageRecord, "notes"), validators=[Optional(), max_length(2000)]
    )

    def values(self) -> dict[str, Any]:
        """As `operations.open_pathway` takes them."""
        return {
            "scheme": self.scheme.data,
            "scheme_type": self.scheme_type.data or None,
            "started_on": self.started_on.data,
            "notes": self.notes.data or "",
        }


class TransitionForm(_OfficerForm, VersionedForm):
    """One form for every step; each step uses the fields it needs (`Step.fields`; the workflow
    says which are missing). The pathway's version read is required, so a step taken on a stale
    page is refused."""

    action = ChoiceField(
        _l("Step"),
        choices=[SelectChoice(name, step.label) for name, step in STEPS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    on = day_field(_l("Date"))
    officer_id = ChoiceField(label_of(models.StageRecord, "officer_id"), coerce=int, default=0)
    notes = TextAreaField(
        label_of(models.StageRecord, "notes"), validators=[Optional(), max_length(2000)]
    )
    reason = TextAreaField(
        label_of(models.Pathway, "hold_reason"), validators=[Optional(), max_length(2000)]
    )
    lspro_name = text_field(models.Pathway, "lspro_name")
    lspro_accreditation = text_field(models.Pathway, "lspro_accreditation", length=32)
    invoice_number = text_field(models.Pathway, "invoice_number", length=100)
    certificate_number = text_field(models.Certificate, "number", length=100)
    issuer = text_field(models.Certificate, "issuer")
    issued_on = day_field(label_of(models.Certificate, "issued_on"), required=False)
    expires_on = day_field(label_of(models.Certificate, "expires_on"), required=False)
    batch = text_field(models.Certificate, "batch", length=100)

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
            "invoice_number": self.invoice_number.data,
            "batch": self.batch.data,
        }


class FindingForm(FlaskForm):
    grade = ChoiceField(
        label_of(models.AuditFinding, "grade"),
        choices=enum_choices(vocabulary.FindingGrade.labels()),
    )
    description = TextAreaField(
        label_of(models.AuditFinding, "description"), validators=[DataRequired(REQUIRED)]
    )
    raised_on = day_field(label_of(models.AuditFinding, "raised_on"))
    #: empty: the default deadline (SME_FINDING_MONTHS after it was raised)
    due_on = day_field(label_of(models.AuditFinding, "due_on"), required=False)


class CloseFindingForm(FlaskForm):
    closed_on = day_field(label_of(models.AuditFinding, "closed_on"))
    note = TextAreaField(
        label_of(models.AuditFinding, "closure_note"), validators=[DataRequired(REQUIRED)]
    )


class LabTestForm(FlaskForm):
    """The results come as result-<parameter key> fields, one per parameter of the SNI."""

    lab_name = text_field(models.LabTest, "lab_name", required=True)
    lab_accreditation = text_field(models.LabTest, "lab_accreditation", required=True, length=32)
    report_number = text_field(models.LabTest, "report_number", required=True, length=100)
    sampled_on = day_field(label_of(models.LabTest, "sampled_on"))
    tested_on = day_field(label_of(models.LabTest, "tested_on"))

    def values(self) -> dict[str, Any]:
        """As `labtests.record_lab_test` takes them, the results apart."""
        return {
            "lab_name": self.lab_name.data,
            "lab_accreditation": self.lab_accreditation.data,
            "report_number": self.report_number.data,
            "sampled_on": self.sampled_on.data,
            "tested_on": self.tested_on.data,
        }


class SurveillanceForm(FlaskForm):
    done_on = day_field(label_of(models.Surveillance, "done_on"))
    notes = TextAreaField(
        label_of(models.Surveillance, "notes"), validators=[Optional(), max_length(2000)]
    )


class EvidenceForm(FlaskForm):
    file = FileField(_l("File"), validators=[DataRequired(REQUIRED)])
    description = StringField(_l("Description"), validators=[Optional(), max_length(255)])


def _visit(name: str) -> Any:
    return label_of(models.GuidanceVisit, name)


class VisitForm(_OfficerForm):
    kind = ChoiceField(_visit("kind"), choices=enum_choices(vocabulary.GuidanceKind.labels()))
    held_on = day_field(_visit("held_on"))
    officer_id = ChoiceField(_visit("officer_id"), coerce=int, default=0)
    topics = StringField(_visit("topics"), validators=[DataRequired(REQUIRED), max_length(500)])
    notes = TextAreaField(_visit("notes"), validators=[Optional(), max_length(4000)])
    follow_up = TextAreaField(_visit("follow_up"), validators=[Optional(), max_length(2000)])
    follow_up_on = day_field(_visit("follow_up_on"), required=False)

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


def _training(name: str) -> Any:
    return label_of(models.TrainingBatch, name)


class TrainingForm(FlaskForm):
    city_id = ChoiceField(_training("city_id"), coerce=int)
    title = StringField(_training("title"), validators=[DataRequired(REQUIRED), max_length(255)])
    held_on = day_field(_training("held_on"))
    trainer = StringField(
        _training("trainer"), validators=[DataRequired(REQUIRED), max_length(200)]
    )
    place = StringField(_training("place"), validators=[Optional(), max_length(255)])
    notes = TextAreaField(_training("notes"), validators=[Optional(), max_length(4000)])
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


# --- the API's list filters ---------------------------------------------------------------


class BusinessFilterForm(FlaskForm):
    q = StringField(_l("Name, owner, NIB or kelurahan"), validators=[Optional()])
    kecamatan = StringField(_business("kecamatan"), validators=[Optional()])
    scale = ChoiceField(_business("scale"), choices=_any(vocabulary.Scale.labels()), default="")
    city_id = _record_id(_business("city_id"))


class ProductFilterForm(FlaskForm):
    category = ChoiceField(
        label_of(models.Product, "category"),
        choices=_any(vocabulary.ProductCategory.labels()),
        default="",
    )
    standard_id = _record_id(label_of(models.Product, "standard_id"))


class PathwayFilterForm(FlaskForm):
    stage = ChoiceField(
        label_of(models.Pathway, "stage"), choices=_any(vocabulary.Stage.labels()), default=""
    )
