from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from qms.core.forms import (
    REQUIRED,
    ChoiceField,
    DayField,
    MultipleChoiceField,
    WholeNumberField,
    choices,
    max_length,
)
from qms.documents.models import (
    DOCUMENT_STATUS_LABELS,
    DOCUMENT_TYPE_LABELS,
    REVIEW_OUTCOME_LABELS,
    SECTIONS,
)
from qms.documents.services import (
    DEFAULT_REVIEW_PERIOD_MONTHS,
    MAX_REVIEW_PERIOD_MONTHS,
    USER_ACTIONS,
    DocumentValues,
    MasterListFilter,
)


class VersionedForm(FlaskForm):
    #: the record's version when the page was opened (optimistic locking)
    version = WholeNumberField(validators=[Optional()], widget=HiddenInput())


class DocumentForm(VersionedForm):
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), max_length(255)])
    owner_unit_id = ChoiceField(_l("Owner unit"), coerce=int, default=0)
    clause_ids = MultipleChoiceField(_l("Clauses it serves"), coerce=int, default=[])
    review_period_months = WholeNumberField(
        _l("Review period (months)"),
        default=12,
        validators=[
            Optional(),
            NumberRange(
                1,
                MAX_REVIEW_PERIOD_MONTHS,
                _l("Enter 1 to %(max)s months.", max=MAX_REVIEW_PERIOD_MONTHS),
            ),
        ],
    )
    retention_years = WholeNumberField(
        _l("Retention period of records (years)"),
        validators=[Optional(), NumberRange(1, 100, _l("Enter 1 to 100 years."))],
    )

    def __init__(
        self, *args: Any, units: Iterable = (), clauses: Iterable = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.owner_unit_id.choices = choices(
            [(0, _l("— the whole agency —"))]
            + [(u.id, f"{u.agency.name} › {u.path}") for u in units]
        )
        self.clause_ids.choices = choices((c.id, c.label) for c in clauses)


class NewDocumentForm(DocumentForm):
    agency_id = ChoiceField(_l("Agency"), coerce=int, validators=[DataRequired(REQUIRED)])
    doc_type = ChoiceField(
        _l("Type"),
        choices=choices(DOCUMENT_TYPE_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )

    def __init__(self, *args: Any, agencies: Iterable = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = choices((a.id, a.name) for a in agencies)


class RevisionForm(VersionedForm):
    change_summary = StringField(
        _l("What changes in this revision"),
        validators=[DataRequired(REQUIRED), max_length(500)],
    )
    purpose = TextAreaField(SECTIONS[0][1])
    scope = TextAreaField(SECTIONS[1][1])
    definitions = TextAreaField(SECTIONS[2][1])
    responsibilities = TextAreaField(SECTIONS[3][1])
    procedure = TextAreaField(SECTIONS[4][1])
    records = TextAreaField(SECTIONS[5][1])

    def sections(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name, _label in SECTIONS}


class NewRevisionForm(RevisionForm):
    file = FileField(_l("File (PDF, DOCX, ODT, XLSX or image)"))


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(REQUIRED)])
    description = StringField(_l("Description"), validators=[max_length(255)])


class TransitionForm(VersionedForm):
    action = ChoiceField(
        _l("Action"),
        choices=choices((a, a) for a in USER_ACTIONS),
        validators=[DataRequired(REQUIRED)],
    )
    comment = TextAreaField(_l("Comment"), validators=[max_length(5000)])
    effective_on = DayField(_l("Effective from"), validators=[Optional()])


class ReviewForm(VersionedForm):
    outcome = ChoiceField(
        _l("Outcome"),
        choices=choices(REVIEW_OUTCOME_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    notes = TextAreaField(_l("Notes"), validators=[max_length(5000)])
    reviewed_on = DayField(_l("Review date"), validators=[Optional()])


class WithdrawForm(VersionedForm):
    reason = TextAreaField(
        _l("Reason for withdrawal"), validators=[DataRequired(REQUIRED), max_length(5000)]
    )


class MasterListFilterForm(FlaskForm):
    class Meta:
        csrf = False

    agency_id = ChoiceField(_l("Agency"), coerce=int, default=0, validators=[Optional()])
    doc_type = ChoiceField(
        _l("Type"),
        choices=choices([("", _l("All types")), *DOCUMENT_TYPE_LABELS.items()]),
        default="",
        validators=[Optional()],
    )
    status = ChoiceField(
        _l("Status"),
        choices=choices([("", _l("All")), *DOCUMENT_STATUS_LABELS.items()]),
        default="",
        validators=[Optional()],
    )
    review = ChoiceField(
        _l("Review"),
        choices=choices(
            [("", _l("All")), ("due", _l("Due within 30 days")), ("overdue", _l("Overdue"))]
        ),
        default="",
        validators=[Optional()],
    )
    q = StringField(_l("Search"), validators=[Optional(), max_length(100)])

    def __init__(self, *args: Any, agencies: Iterable = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = choices(
            [(0, _l("All agencies"))] + [(a.id, a.name) for a in agencies]
        )

    def filters(self) -> MasterListFilter:
        """The filters as chosen; a value that is not a valid choice is ignored."""
        self.validate()

        def value(name: str) -> Any:
            field = getattr(self, name)
            return None if field.errors else (field.data or None)

        return MasterListFilter(
            agency_id=value("agency_id"),
            doc_type=value("doc_type"),
            status=value("status"),
            review=value("review"),
            q=value("q") or "",
        )


def document_values(form: DocumentForm) -> DocumentValues:
    return DocumentValues(
        title=form.title.data or "",
        owner_unit_id=form.owner_unit_id.data or None,
        clause_ids=list(form.clause_ids.data or []),
        review_period_months=form.review_period_months.data or DEFAULT_REVIEW_PERIOD_MONTHS,
        retention_years=form.retention_years.data,
    )
