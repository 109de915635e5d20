"""Forms of document control; the pages and the JSON API validate with the same ones. Labels
come from the models' columns."""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from qms.core.forms import (
    REQUIRED,
    ChoiceField,
    DayField,
    MultipleChoiceField,
    VersionedForm,
    WholeNumberField,
    choices,
    chosen,
    column_field,
    max_length,
    required_choice,
    text_field,
)
from qms.core.labels import label_of
from qms.core.roles import ROLE_LABELS, Role
from qms.documents.approvers import APPROVER_ROLES
from qms.documents.models import (
    SECTIONS,
    Document,
    DocumentReview,
    DocumentRevision,
    DocumentStatus,
    DocumentType,
    ReviewOutcome,
    ReviewState,
    RevisionState,
)
from qms.documents.operations import DocumentValues
from qms.documents.queries import MasterListFilter
from qms.documents.settings import (
    MAX_RETENTION_YEARS,
    MAX_REVIEW_PERIOD_MONTHS,
    default_review_period,
    review_notice_days,
)
from qms.documents.workflow import USER_ACTIONS
from qms.organisations.forms import AgencyFilterForm


class DocumentFields(FlaskForm):
    """What a document's form asks, when it is registered and when it is changed."""

    title = text_field(Document, "title", required=True)
    owner_unit_id = ChoiceField(label_of(Document, "owner_unit_id"), coerce=int, default=0)
    clause_ids = MultipleChoiceField(label_of(Document, "clause_ids"), coerce=int, default=[])
    review_period_months = column_field(
        WholeNumberField,
        Document,
        "review_period_months",
        Optional(),
        NumberRange(
            1,
            MAX_REVIEW_PERIOD_MONTHS,
            _l("Enter 1 to %(max)s months.", max=MAX_REVIEW_PERIOD_MONTHS),
        ),
        default=default_review_period,
    )
    retention_years = column_field(
        WholeNumberField,
        Document,
        "retention_years",
        Optional(),
        NumberRange(
            1,
            MAX_RETENTION_YEARS,
            _l("Enter 1 to %(max)s years.", max=MAX_RETENTION_YEARS),
        ),
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

    def values(self) -> DocumentValues:
        return DocumentValues(
            title=self.title.data or "",
            owner_unit_id=self.owner_unit_id.data or None,
            clause_ids=list(self.clause_ids.data or []),
            review_period_months=self.review_period_months.data or None,
            retention_years=self.retention_years.data,
        )


class DocumentForm(DocumentFields, VersionedForm):
    """A change to a document: the version read is required, so a stale change is refused."""


def document_data(document: Document) -> dict[str, Any]:
    """A document as its form holds it: where the edit page starts, what a PATCH keeps."""
    return {
        "title": document.title,
        "owner_unit_id": document.owner_unit_id or 0,
        "clause_ids": [c.id for c in document.clauses],
        "review_period_months": document.review_period_months,
        "retention_years": document.retention_years,
    }


class NewDocumentForm(DocumentFields):
    agency_id = column_field(ChoiceField, Document, "agency_id", DataRequired(REQUIRED), coerce=int)
    doc_type = required_choice(Document, "doc_type", DocumentType.labels())

    def __init__(self, *args: Any, agencies: Iterable = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = choices((a.id, a.name) for a in agencies)


#: one text field per section of the procedure template, declared on the class (so that the
#: API's schema lists them), labelled from the revision's columns
SectionsForm = types.new_class(
    "SectionsForm",
    (FlaskForm,),
    exec_body=lambda namespace: namespace.update(
        {name: TextAreaField(label_of(DocumentRevision, name)) for name in SECTIONS}
    ),
)


class RevisionFields(SectionsForm):
    """What a revision's form asks, when it is started and when its draft is changed."""

    change_summary = text_field(DocumentRevision, "change_summary", required=True, length=500)

    def sections(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in SECTIONS}

    def section_fields(self) -> list[Field]:
        return [self[name] for name in SECTIONS]


class RevisionForm(RevisionFields, VersionedForm):
    """A change to a draft revision, with the version read."""


def revision_data(revision: DocumentRevision) -> dict[str, Any]:
    """A revision as its form holds it (what a PATCH keeps)."""
    return {"change_summary": revision.change_summary} | {
        name: getattr(revision, name) for name in SECTIONS
    }


class NewRevisionForm(RevisionFields):
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
    effective_on = column_field(DayField, DocumentRevision, "effective_on")

    def values(self) -> dict[str, Any]:
        """The step's details as `workflow.transition` takes them (the action apart)."""
        return {
            "comment": self.comment.data or "",
            "effective_on": self.effective_on.data,
            "expected_version": self.version.data,
        }


class ReviewForm(VersionedForm):
    outcome = required_choice(DocumentReview, "outcome", ReviewOutcome.labels())
    notes = column_field(TextAreaField, DocumentReview, "notes", max_length(5000))
    reviewed_on = column_field(DayField, DocumentReview, "reviewed_on")

    def values(self) -> dict[str, Any]:
        """The review as `operations.review_document` takes it."""
        return {
            "outcome": ReviewOutcome(self.outcome.data),
            "notes": self.notes.data or "",
            "reviewed_on": self.reviewed_on.data,
            "expected_version": self.version.data,
        }


class WithdrawForm(VersionedForm):
    reason = column_field(
        TextAreaField, Document, "withdrawal_reason", DataRequired(REQUIRED), max_length(5000)
    )


#: "Due within 30 days", with the configured notice period
_DUE_WITHIN = LazyString(lambda: _("Due within %(days)s days", days=review_notice_days()))


def _narrowing(column: str, everything: Any, options: Iterable) -> ChoiceField:
    """A filter of the master list by a document's column: `everything` ("", chosen at first),
    or one of its `options`."""
    return column_field(
        ChoiceField, Document, column, choices=choices([("", everything), *options]), default=""
    )


class MasterListFilterForm(AgencyFilterForm):
    class Meta:
        csrf = False

    doc_type = _narrowing("doc_type", _l("All types"), DocumentType.labels().items())
    status = _narrowing("status", _l("All"), DocumentStatus.labels().items())
    review = _narrowing(
        "review_state",
        _l("All"),
        [(ReviewState.DUE, _DUE_WITHIN), (ReviewState.OVERDUE, _l("Overdue"))],
    )
    revision = ChoiceField(
        _l("Revision"),
        choices=choices([("", _l("All")), (RevisionState.IN_REVIEW.value, _l("In review"))]),
        default="",
        validators=[Optional()],
    )
    q = StringField(_l("Search"), validators=[Optional(), max_length(100)])

    def filters(self) -> MasterListFilter:
        """The filters as chosen; a value that is not a valid choice is ignored."""
        self.validate()
        return MasterListFilter(
            city_id=chosen(self.city_id),
            agency_id=chosen(self.agency_id),
            doc_type=chosen(self.doc_type),
            status=chosen(self.status),
            review=chosen(self.review),
            revision=chosen(self.revision),
            q=chosen(self.q) or "",
        )


class ApproversForm(FlaskForm):
    """Per document type, the roles of the agency that approve it (one field per type, named
    by the type's value; `fill` shows the agency's current table)."""

    def fill(self, current: dict[DocumentType, frozenset[Role]]) -> None:
        for document_type, roles in current.items():
            field = getattr(self, document_type.value)
            field.data = [r.value for r in APPROVER_ROLES if r in roles]

    def values(self) -> dict[DocumentType, set[Role]]:
        return {t: {Role(v) for v in getattr(self, t.value).data or ()} for t in DocumentType}


for _type in DocumentType:
    setattr(
        ApproversForm,
        _type.value,
        MultipleChoiceField(
            _type.label,
            choices=[(r.value, ROLE_LABELS[r]) for r in APPROVER_ROLES],
            validators=[DataRequired(_l("Choose at least one role that approves this type."))],
        ),
    )
