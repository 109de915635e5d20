"""Document control (ISO 9001 clause 7.5): the register, numbering, the revision workflow, the
periodic review, the master list and its reminders. Services flush; the caller commits."""

from __future__ import annotations

import calendar
import csv
import difflib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from flask import current_app, url_for
from flask_babel import force_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from qms.accounts.models import RoleAssignment, User
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, StaleRecordError
from qms.core.models import check_version
from qms.core.registry import Reminder
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.core.workflow import StateMachine, Transition
from qms.documents.models import (
    DOCUMENT_STATUS_LABELS,
    DOCUMENT_TYPE_PREFIXES,
    SECTIONS,
    Document,
    DocumentClause,
    DocumentReview,
    DocumentRevision,
    DocumentStatus,
    DocumentType,
    ReviewOutcome,
    RevisionState,
)
from qms.extensions import db
from qms.files import operations as files
from qms.files.policies import register_owner
from qms.files.queries import files_of
from qms.organisations.models import Agency, Unit
from qms.organisations.policies import agency_visibility
from qms.standards.models import Clause

DEFAULT_CODE_PATTERN = "{type}-{agency}-{seq:03d}"
NUMBERING_ATTEMPTS = 5
DEFAULT_REVIEW_PERIOD_MONTHS = 12
MAX_REVIEW_PERIOD_MONTHS = 60

REVISION_STATE_LABELS = {
    RevisionState.DRAFT: _l("Draft"),
    RevisionState.IN_REVIEW: _l("In review"),
    RevisionState.APPROVED: _l("Approved"),
    RevisionState.EFFECTIVE: lazy_pgettext("in force", "Effective"),
    RevisionState.SUPERSEDED: _l("Superseded"),
    RevisionState.OBSOLETE: _l("Obsolete"),
    RevisionState.DISCARDED: _l("Discarded"),
}

#: roles that read every agency's documents in their city
CITY_READERS = (Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER, Role.INTERNAL_AUDITOR)

Upload = tuple[IO[bytes], str]


# --- access -------------------------------------------------------------------------------


def _visible_documents(user: User):
    return agency_visibility(
        user, Document.agency_id, agency_roles=(Role.QUALITY_OFFICER,), city_roles=CITY_READERS
    )


def _agency_of(document: Document) -> Agency:
    return document.agency or db.session.get(Agency, document.agency_id)


class DocumentPolicy(access.Policy):
    """The agency's own quality officers and its city's admins change; city readers and
    national readers read; other agencies see nothing."""

    def visible(self, user: User):
        return _visible_documents(user)

    def allows(self, user: User, action: str, record: Document) -> bool:
        return access.manages_agency(user, _agency_of(record))


class DocumentChildPolicy(access.Policy):
    """Revisions, reviews and clause links follow their document."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def visible(self, user: User):
        return self.model.document_id.in_(select(Document.id).where(_visible_documents(user)))

    def allows(self, user: User, action: str, record: Any) -> bool:
        document = record.document or db.session.get(Document, record.document_id)
        return access.manages_agency(user, _agency_of(document))


access.register_policy(Document, DocumentPolicy())
for _model in (DocumentRevision, DocumentReview, DocumentClause):
    access.register_policy(_model, DocumentChildPolicy(_model))
register_owner(DocumentRevision)


def manageable_agencies(user: User) -> list[Agency]:
    """The agencies whose documents the user may change."""
    if user.is_read_only:
        return []
    query = access.scoped(Agency, user).order_by(Agency.name)
    return [a for a in db.session.scalars(query) if access.manages_agency(user, a)]


# --- dates and numbering ------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def format_code(pattern: str, doc_type: DocumentType, agency_code: str, seq: int) -> str:
    return pattern.format(type=DOCUMENT_TYPE_PREFIXES[doc_type], agency=agency_code, seq=seq)


def check_code_pattern(pattern: str) -> None:
    """Refuse at start-up a pattern that cannot number documents."""
    try:
        sample = format_code(pattern, DocumentType.PROCEDURE, "OPD", 1)
    except (KeyError, IndexError, ValueError) as exc:
        raise RuntimeError(f"DOCUMENT_CODE_PATTERN {pattern!r} is invalid: {exc}") from exc
    if sample == format_code(pattern, DocumentType.PROCEDURE, "OPD", 2):
        raise RuntimeError(f"DOCUMENT_CODE_PATTERN {pattern!r} must contain {{seq}}")


def _next_seq(agency_id: int, doc_type: DocumentType) -> int:
    current = db.session.scalar(
        select(func.max(Document.seq)).where(
            Document.agency_id == agency_id, Document.doc_type == doc_type
        )
    )
    return (current or 0) + 1


@contextmanager
def _refuse_concurrent_change() -> Iterator[None]:
    """Turn a lost race (stale version, the one-effective index) into a readable refusal."""
    try:
        yield
    except (StaleDataError, IntegrityError) as exc:
        raise StaleRecordError(
            _l(
                "Someone else changed this document at the same moment. "
                "Reload the page to see the current state, then try again."
            )
        ) from exc


def _check_version(record: Any, expected_version: int | None) -> None:
    check_version(
        record,
        expected_version,
        _l(
            "Someone else changed this record after you opened it. "
            "Reload the page to see the current state, then try again."
        ),
    )


# --- the register -------------------------------------------------------------------------


@dataclass
class DocumentValues:
    title: str
    owner_unit_id: int | None = None
    clause_ids: list[int] = field(default_factory=list)
    review_period_months: int = DEFAULT_REVIEW_PERIOD_MONTHS
    retention_years: int | None = None


def _apply_values(document: Document, doc_type: DocumentType, values: DocumentValues) -> None:
    title = values.title.strip()
    if not title:
        raise DomainError(_l("The title is required."), field="title")
    if not 1 <= values.review_period_months <= MAX_REVIEW_PERIOD_MONTHS:
        raise DomainError(
            _l("The review period must be 1 to %(max)s months.", max=MAX_REVIEW_PERIOD_MONTHS),
            field="review_period_months",
        )
    if values.retention_years is not None and values.retention_years < 1:
        raise DomainError(
            _l("The retention period must be at least one year."), field="retention_years"
        )
    if doc_type == DocumentType.RECORD and values.retention_years is None:
        raise DomainError(
            _l("A record needs a retention period (clause 7.5.3)."), field="retention_years"
        )
    if values.owner_unit_id:
        unit = db.session.get(Unit, values.owner_unit_id)
        if unit is None or unit.agency_id != document.agency_id:
            raise DomainError(
                _l("The owner unit must belong to the document's agency."), field="owner_unit_id"
            )
    document.title = title
    document.owner_unit_id = values.owner_unit_id or None
    document.retention_years = values.retention_years
    if document.review_period_months != values.review_period_months:
        document.review_period_months = values.review_period_months
        basis = _review_basis(document)
        if basis is not None:
            document.next_review_on = add_months(basis, values.review_period_months)


def _set_clauses(document: Document, clause_ids: list[int]) -> None:
    wanted = set(clause_ids)
    found = set(
        db.session.scalars(
            select(Clause.id).where(Clause.id.in_(wanted), Clause.retired_at.is_(None))
        )
    )
    if found != wanted:
        raise DomainError(_l("Choose clauses of a loaded standard."), field="clause_ids")
    for link in list(document.clause_links):
        if link.clause_id not in wanted:
            document.clause_links.remove(link)
    present = {link.clause_id for link in document.clause_links}
    for clause_id in sorted(wanted - present):
        document.clause_links.append(DocumentClause(clause_id=clause_id))


def create_document(
    actor: User, agency: Agency, doc_type: DocumentType, values: DocumentValues
) -> Document:
    """Register a document and give it the agency's next code for its type."""
    document = Document(agency_id=agency.id, agency=agency, doc_type=doc_type)
    access.authorize(actor, access.CREATE, document)
    _apply_values(document, doc_type, values)
    pattern = current_app.config["DOCUMENT_CODE_PATTERN"]
    for _attempt in range(NUMBERING_ATTEMPTS):
        document.seq = _next_seq(agency.id, doc_type)
        document.code = format_code(pattern, doc_type, agency.code, document.seq)
        try:
            # a savepoint: losing the race for a number costs only this insert, then we retry
            with db.session.begin_nested():
                db.session.add(document)
                db.session.flush()
        except IntegrityError:
            continue
        break
    else:
        raise DomainError(_l("No free document number was found. Please try again."))
    _set_clauses(document, values.clause_ids)
    db.session.flush()
    return document


def update_document(
    actor: User, document: Document, values: DocumentValues, expected_version: int | None = None
) -> Document:
    access.authorize(actor, access.EDIT, document)
    _check_version(document, expected_version)
    with _refuse_concurrent_change():
        _apply_values(document, document.doc_type, values)
        _set_clauses(document, values.clause_ids)
        db.session.flush()
    return document


def withdraw_document(
    actor: User, document: Document, reason: str, expected_version: int | None = None
) -> Document:
    """The document is no longer in force: its effective revision becomes obsolete."""
    access.authorize(actor, access.EDIT, document)
    _check_version(document, expected_version)
    if not reason.strip():
        raise DomainError(_l("Say why the document is withdrawn."), field="reason")
    current = document.current_revision
    if current is None:
        raise DomainError(_l("Only a document with an effective revision can be withdrawn."))
    if document.open_revision is not None:
        raise DomainError(
            _l(
                "Revision %(number)s is still being worked on.",
                number=document.open_revision.number,
            )
        )
    with _refuse_concurrent_change():
        REVISION_WORKFLOW.apply(current, "withdraw", actor, RevisionState)
        current.ended_on = local_today()
        document.current_revision = None
        document.next_review_on = None
        document.withdrawn_at = utcnow()
        document.withdrawal_reason = reason.strip()
        db.session.flush()
    return document


# --- revisions ----------------------------------------------------------------------------


def _manages(user: User, revision: DocumentRevision) -> bool:
    return access.can(user, access.EDIT, revision)


def _may_approve(user: User, revision: DocumentRevision) -> bool:
    return _manages(user, revision) and user.id != revision.author_id


REVISION_WORKFLOW = StateMachine(
    "state",
    [
        Transition(
            "submit",
            frozenset({RevisionState.DRAFT}),
            RevisionState.IN_REVIEW,
            _l("Submit for review"),
            _manages,
        ),
        Transition(
            "request_changes",
            frozenset({RevisionState.IN_REVIEW}),
            RevisionState.DRAFT,
            _l("Request changes"),
            _manages,
        ),
        Transition(
            "approve",
            frozenset({RevisionState.IN_REVIEW}),
            RevisionState.APPROVED,
            _l("Approve"),
            _may_approve,
        ),
        Transition(
            "make_effective",
            frozenset({RevisionState.APPROVED}),
            RevisionState.EFFECTIVE,
            _l("Put into effect"),
            _manages,
        ),
        # a draft that will not go ahead; it stays in the history and no longer blocks a new one
        Transition(
            "discard",
            frozenset({RevisionState.DRAFT}),
            RevisionState.DISCARDED,
            _l("Discard the draft"),
            _manages,
        ),
        # taken by the service only: when the next revision takes effect, or on withdrawal
        Transition(
            "supersede",
            frozenset({RevisionState.EFFECTIVE}),
            RevisionState.SUPERSEDED,
            _l("Supersede"),
            _manages,
        ),
        Transition(
            "withdraw",
            frozenset({RevisionState.EFFECTIVE}),
            RevisionState.OBSOLETE,
            _l("Withdraw"),
            _manages,
        ),
    ],
    state_labels=REVISION_STATE_LABELS,
)

#: the transitions a user takes on a revision's page
USER_ACTIONS = ("submit", "request_changes", "approve", "make_effective", "discard")


def available_actions(revision: DocumentRevision, user: User) -> list[Transition]:
    return [t for t in REVISION_WORKFLOW.available(revision, user) if t.name in USER_ACTIONS]


def state_label(revision: DocumentRevision) -> str:
    return str(REVISION_STATE_LABELS[revision.state])


def revision_names(ids: set[int]) -> dict[int, str]:
    """Revisions as history tables name them: "Revision 2"."""
    rows = db.session.execute(
        select(DocumentRevision.id, DocumentRevision.number).where(DocumentRevision.id.in_(ids))
    )
    return {key: _("Revision %(number)s", number=number) for key, number in rows}


def _sections(revision: DocumentRevision | None) -> dict[str, str]:
    return {name: (getattr(revision, name) if revision else "") for name, _label in SECTIONS}


def _clean_sections(sections: dict[str, str]) -> dict[str, str]:
    return {name: (sections.get(name) or "").strip() for name, _label in SECTIONS}


def create_revision(
    actor: User,
    document: Document,
    change_summary: str,
    sections: dict[str, str] | None = None,
    upload: Upload | None = None,
) -> DocumentRevision:
    """Start the next revision as a draft; without text it starts from the effective one's."""
    access.authorize(actor, access.EDIT, document)
    if document.withdrawn_at is not None:
        raise DomainError(_l("The document was withdrawn; it cannot be revised."))
    open_revision = document.open_revision
    if open_revision is not None:
        raise DomainError(
            _l(
                "Revision %(number)s is still being worked on; finish it first.",
                number=open_revision.number,
            )
        )
    if not change_summary.strip():
        raise DomainError(_l("Describe what changes in this revision."), field="change_summary")
    text = _sections(document.current_revision) if sections is None else _clean_sections(sections)
    number = max((r.number for r in document.revisions), default=0) + 1
    revision = DocumentRevision(
        document=document,
        number=number,
        author_id=actor.id,
        change_summary=change_summary.strip(),
        **text,
    )
    with _refuse_concurrent_change():
        db.session.add(revision)
        db.session.flush()
    if upload is not None:
        files.store(upload[0], upload[1], revision, actor)
    return revision


def _require_draft(revision: DocumentRevision) -> None:
    if revision.state != RevisionState.DRAFT:
        raise DomainError(
            _l(
                "Only a draft can be changed; this revision is “%(state)s”.",
                state=state_label(revision),
            )
        )


def update_revision(
    actor: User,
    revision: DocumentRevision,
    change_summary: str,
    sections: dict[str, str],
    expected_version: int | None = None,
) -> DocumentRevision:
    access.authorize(actor, access.EDIT, revision)
    _check_version(revision, expected_version)
    _require_draft(revision)
    if not change_summary.strip():
        raise DomainError(_l("Describe what changes in this revision."), field="change_summary")
    revision.change_summary = change_summary.strip()
    for name, value in _clean_sections(sections).items():
        setattr(revision, name, value)
    with _refuse_concurrent_change():
        db.session.flush()
    return revision


def attach_file(
    actor: User, revision: DocumentRevision, upload: Upload, description: str = ""
) -> Any:
    """Add a file to a draft; a refused file leaves nothing behind."""
    access.authorize(actor, access.EDIT, revision)
    _require_draft(revision)
    return files.store(upload[0], upload[1], revision, actor, description)


def transition(
    actor: User,
    revision: DocumentRevision,
    action: str,
    *,
    comment: str = "",
    effective_on: date | None = None,
    expected_version: int | None = None,
) -> DocumentRevision:
    """Take one step of the revision workflow; the one entry point for the HTML side and API."""
    if action not in USER_ACTIONS:
        raise DomainError(_l("Unknown action: %(name)s.", name=action))
    access.authorize(actor, access.EDIT, revision)
    _check_version(revision, expected_version)
    if action == "approve" and revision.author_id == actor.id:
        raise PermissionDenied(
            _l(
                "You wrote this revision, so someone else must approve it "
                "(another quality officer or the city administrator)."
            )
        )
    REVISION_WORKFLOW.check(revision, action, actor)
    with _refuse_concurrent_change():
        if action == "submit":
            if not revision.has_text and not files_of(revision):
                raise DomainError(
                    _l("Write the text or attach the file before submitting the revision.")
                )
            revision.submitted_at = utcnow()
            revision.review_comment = ""
        elif action == "request_changes":
            if not comment.strip():
                raise DomainError(_l("Say what needs to change."), field="comment")
            revision.review_comment = comment.strip()
        elif action == "discard":
            if not comment.strip():
                raise DomainError(_l("Say why the draft is discarded."), field="comment")
            revision.discard_reason = comment.strip()
        elif action == "approve":
            revision.approved_by_id = actor.id
            revision.approved_at = utcnow()
        else:
            _take_effect(actor, revision, effective_on or local_today())
            return revision
        REVISION_WORKFLOW.apply(revision, action, actor, RevisionState)
    return revision


def _take_effect(actor: User, revision: DocumentRevision, effective_on: date) -> None:
    """The revision becomes the document's one effective revision; the previous is superseded."""
    document = revision.document
    if effective_on > local_today():
        raise DomainError(
            _l("The effective date cannot be in the future; put it into effect on that day."),
            field="effective_on",
        )
    previous = db.session.scalar(
        select(DocumentRevision)
        .where(
            DocumentRevision.document_id == document.id,
            DocumentRevision.state == RevisionState.EFFECTIVE,
        )
        # as stored now, not as this session first read it: another request may have changed it
        .execution_options(populate_existing=True)
    )
    if previous is not None and previous.effective_on and effective_on < previous.effective_on:
        raise DomainError(
            _l("The effective date cannot be before the previous revision's."),
            field="effective_on",
        )
    if previous is not None:
        # superseded first: the database allows one effective revision per document
        REVISION_WORKFLOW.apply(previous, "supersede", actor, RevisionState)
        previous.ended_on = effective_on
    revision.effective_on = effective_on
    REVISION_WORKFLOW.apply(revision, "make_effective", actor, RevisionState)
    document.current_revision = revision
    document.next_review_on = add_months(effective_on, document.review_period_months)
    db.session.flush()


# --- the difference between two revisions -------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class SectionDiff:
    label: Any
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)


def diff_revisions(old: DocumentRevision, new: DocumentRevision) -> list[SectionDiff]:
    """Line by line, per template section. Plain data: the template escapes it."""
    result = []
    for name, label in SECTIONS:
        before = getattr(old, name).splitlines()
        after = getattr(new, name).splitlines()
        lines: list[DiffLine] = []
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                lines.extend(DiffLine("same", line) for line in before[i1:i2])
                continue
            lines.extend(DiffLine("removed", line) for line in before[i1:i2])
            lines.extend(DiffLine("added", line) for line in after[j1:j2])
        result.append(SectionDiff(label, lines))
    return result


def revision_by_number(document: Document, number: int) -> DocumentRevision | None:
    return next((r for r in document.revisions if r.number == number), None)


def previous_revision(revision: DocumentRevision) -> DocumentRevision | None:
    """The revision this one is compared with: the one before it, skipping discarded drafts
    (their text never took effect)."""
    earlier = [
        r
        for r in revision.document.revisions
        if r.number < revision.number and r.state != RevisionState.DISCARDED
    ]
    return earlier[-1] if earlier else None


# --- periodic review ----------------------------------------------------------------------


def _review_basis(document: Document) -> date | None:
    """The day the review period counts from: the effective date or the last no-change review."""
    if document.current_revision is None or document.current_revision.effective_on is None:
        return None
    last = db.session.scalar(
        select(func.max(DocumentReview.reviewed_on)).where(
            DocumentReview.document_id == document.id,
            DocumentReview.outcome == ReviewOutcome.NO_CHANGE,
            DocumentReview.reviewed_on >= document.current_revision.effective_on,
        )
    )
    return last or document.current_revision.effective_on


def review_document(
    actor: User,
    document: Document,
    outcome: ReviewOutcome,
    notes: str = "",
    reviewed_on: date | None = None,
    expected_version: int | None = None,
) -> DocumentReview:
    """Record a periodic review: no change moves the next review on; otherwise a draft starts."""
    access.authorize(actor, access.EDIT, document)
    _check_version(document, expected_version)
    reviewed_on = reviewed_on or local_today()
    if reviewed_on > local_today():
        raise DomainError(_l("The review date cannot be in the future."), field="reviewed_on")
    if document.current_revision is None:
        raise DomainError(_l("Only a document with an effective revision is reviewed."))
    due_on = document.next_review_on
    with _refuse_concurrent_change():
        # every review moves the document's version, even one that changes none of its fields
        # (a second "no change" on the same day): the same review posted twice is refused
        document.updated_at = utcnow()
        revision = None
        if outcome == ReviewOutcome.NO_CHANGE:
            document.next_review_on = add_months(reviewed_on, document.review_period_months)
        else:
            revision = create_revision(
                actor, document, notes.strip() or _("Changes found in the periodic review")
            )
        review = DocumentReview(
            document=document,
            reviewed_on=reviewed_on,
            reviewer_id=actor.id,
            outcome=outcome,
            notes=notes.strip(),
            due_on=due_on,
            next_review_on=document.next_review_on,
            revision=revision,
        )
        db.session.add(review)
        db.session.flush()
    return review


def review_state(document: Document, today: date | None = None) -> str | None:
    """ "overdue", "due" (within the notice period) or None (see Document.review_state)."""
    return document.review_state(today or local_today())


# --- the master list ----------------------------------------------------------------------


@dataclass
class MasterListFilter:
    agency_id: int | None = None
    doc_type: str | None = None
    status: str | None = None
    review: str | None = None  # "due" or "overdue"
    q: str = ""


def master_list_query(
    user: User, filters: MasterListFilter | None = None, today: date | None = None
) -> Select:
    """The documents the user may see, filtered, in the order of the printed master list."""
    filters = filters or MasterListFilter()
    today = today or local_today()
    query = (
        access.scoped(Document, user)
        .join(Agency, Agency.id == Document.agency_id)
        .options(joinedload(Document.agency), joinedload(Document.current_revision))
        .order_by(Agency.name, Document.doc_type, Document.seq)
    )
    if filters.agency_id:
        query = query.where(Document.agency_id == filters.agency_id)
    if filters.doc_type:
        query = query.where(Document.doc_type == DocumentType(filters.doc_type))
    if filters.status:
        query = query.where(Document.status == DocumentStatus(filters.status).value)
    if filters.review:
        query = query.where(Document.review_state(today) == filters.review)
    if filters.q.strip():
        needle = f"%{filters.q.strip().lower()}%"
        query = query.where(
            or_(func.lower(Document.title).like(needle), func.lower(Document.code).like(needle))
        )
    return query


def master_list(
    user: User, filters: MasterListFilter | None = None, today: date | None = None
) -> list[Document]:
    return list(db.session.scalars(master_list_query(user, filters, today)).unique())


def master_list_csv(documents: list[Document]) -> str:
    """UTF-8 text with a byte-order mark, so that Excel reads the Indonesian letters right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Agency"),
            _("Code"),
            _("Title"),
            _("Type"),
            _("Current revision"),
            _("Effective date"),
            _("Next review"),
            _("Status"),
        ]
    )
    for document in documents:
        current = document.current_revision
        writer.writerow(
            [
                document.agency.name,
                document.code,
                document.title,
                document.type_label,
                current.number if current else "",
                current.effective_on.isoformat() if current and current.effective_on else "",
                document.next_review_on.isoformat() if document.next_review_on else "",
                document.status_label,
            ]
        )
    return "\ufeff" + out.getvalue()


def reviews_needing_attention(user: User, today: date | None = None) -> dict[str, list[Document]]:
    """For the home panel: the user's documents whose review is overdue or due soon."""
    return {
        "overdue": master_list(user, MasterListFilter(review="overdue"), today),
        "due": master_list(user, MasterListFilter(review="due"), today),
    }


def reads_documents_of(user: User, agency: Agency) -> bool:
    """Whether the user reads the agency's documents (the same rule as `DocumentPolicy`)."""
    readable = select(Agency.id).where(
        Agency.id == agency.id,
        agency_visibility(
            user, Agency.id, agency_roles=(Role.QUALITY_OFFICER,), city_roles=CITY_READERS
        ),
    )
    return db.session.scalar(readable) is not None


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def agency_status(user: User, agency: Agency, today: date | None = None) -> dict[str, Any]:
    """For the agency's page: its documents the user may see, counted by status, and the
    reviews due within the notice period or overdue."""

    def count(**filters: str) -> int:
        return _count(
            master_list_query(user, MasterListFilter(agency_id=agency.id, **filters), today)
        )

    return {
        "agency": agency,
        "status_labels": DOCUMENT_STATUS_LABELS,
        "by_status": {status: count(status=status.value) for status in DocumentStatus},
        "reviews": {review: count(review=review) for review in ("overdue", "due")},
    }


# --- reminders ----------------------------------------------------------------------------


def _officers_by_agency(agency_ids: set[int]) -> dict[int, list[User]]:
    rows = db.session.execute(
        select(RoleAssignment.agency_id, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.QUALITY_OFFICER,
            RoleAssignment.agency_id.in_(agency_ids),
            User.active.is_(True),
        )
        .order_by(User.id)
    )
    officers: dict[int, list[User]] = {}
    for agency_id, user in rows:
        officers.setdefault(agency_id, []).append(user)
    return officers


def review_reminders(today: date) -> Iterator[Reminder]:
    """Reviews due within the notice period and overdue ones, to each of the agency's quality
    officers; the key makes each (document, due date, stage, officer) mail go out once."""
    documents = list(
        db.session.scalars(
            select(Document)
            .where(Document.archived_at.is_(None), Document.review_state(today).is_not(None))
            .order_by(Document.id)
        )
    )
    officers = _officers_by_agency({d.agency_id for d in documents})
    for document in documents:
        stage = review_state(document, today)
        for officer in officers.get(document.agency_id, []):
            with force_locale(officer.locale):
                yield _review_reminder(document, officer, stage, today)


def _review_reminder(document: Document, officer: User, stage: str | None, today: date) -> Reminder:
    from qms.core.i18n import fmt_date

    values = {"code": document.code, "title": document.title}
    if stage == "overdue":
        subject = _("Review overdue: %(code)s %(title)s", **values)
        opening = _(
            "The periodic review of this document was due on %(date)s and has not been recorded.",
            date=fmt_date(document.next_review_on),
        )
    else:
        subject = _("Review due: %(code)s %(title)s", **values)
        opening = _(
            "The periodic review of this document is due on %(date)s.",
            date=fmt_date(document.next_review_on),
        )
    link = url_for("documents.show", document_id=document.id, _external=True)
    body = "\n\n".join(
        [
            _("Dear %(name)s,", name=officer.name),
            opening,
            _(
                "Record the review: “no change” moves the next review date on; otherwise start "
                "a new revision."
            ),
            link,
        ]
    )
    return Reminder(
        to=officer.email,
        subject=subject,
        body=body,
        key=f"doc-review:{document.id}:{document.next_review_on.isoformat()}:{stage}:{officer.id}",
    )


# --- choices for the forms ----------------------------------------------------------------


def units_of(agencies: list[Agency]) -> list[Unit]:
    if not agencies:
        return []
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.agency_id.in_([a.id for a in agencies]), Unit.archived_at.is_(None))
            .order_by(Unit.agency_id, Unit.name)
        )
    )


def clause_choices() -> list[Clause]:
    """The current clauses of every loaded standard, in the standard's order."""
    return list(
        db.session.scalars(
            select(Clause)
            .where(Clause.retired_at.is_(None))
            .order_by(Clause.standard_id, Clause.position)
        )
    )
