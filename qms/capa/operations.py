"""Changes to nonconformities outside the workflow's steps: raising one (by hand, from an audit
finding, or as a linked one elsewhere), correcting its description, archiving it, and the
actions of its plan. Each checks the version read and the actor's permission, and flushes;
the request (or the command) commits.

For other features (wired in qms/capa/findings.py): `raise_from_finding()` and
`nonconformity_for_finding()`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.capa.deadlines import due_date_for
from qms.capa.models import (
    DRAFTING_STATUSES,
    ActionKind,
    CorrectiveAction,
    NcGrade,
    NcSource,
    NcStatus,
    Nonconformity,
)
from qms.capa.numbering import format_number, next_sequence, reserve_sequence
from qms.capa.policies import DESCRIBE, auditor_follows
from qms.core import access, archiving
from qms.core.errors import DomainError, required_text, required_value
from qms.core.models import check_version, stale_write_refused
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.files import operations
from qms.organisations.models import Agency, Unit
from qms.standards.queries import quality_standard_code

STALE = _l("Someone else changed this record meanwhile. Reload it and try again.")
ARCHIVED = _l("This nonconformity is archived: it cannot be changed.")


def expect_version(record: Any, version: int | None) -> None:
    check_version(record, version, STALE)


def flush() -> None:
    """Flush; a concurrent write of the same row (its version moved on) becomes a readable
    error instead of a silent overwrite."""
    with stale_write_refused(STALE):
        db.session.flush()


def refuse_archived(nc: Nonconformity) -> None:
    if nc.is_archived:
        raise DomainError(ARCHIVED)


# --- raising ------------------------------------------------------------------------------

#: the description of a nonconformity: what its raising form asks besides agency, source, grade
#: and dates (those decide the number and the deadline, so a wrong one is archived and raised
#: anew); the same fields can be corrected until the root cause is analysed
DETAIL_FIELDS = (
    "unit_id",
    "source_reference",
    "process",
    "clause",
    "criterion",
    "requirement",
    "evidence",
    "statement",
    "auditee_representative",
    "auditor_id",
)


def _check_people_and_places(nc: Nonconformity) -> None:
    if nc.unit_id:
        unit = db.session.get(Unit, nc.unit_id)
        if unit is None or unit.agency_id != nc.agency_id:
            raise DomainError(_l("The unit must belong to the agency."), field="unit_id")
    if nc.auditor_id:
        auditor = db.session.get(User, nc.auditor_id)
        if auditor is None or nc.agency.city_id not in auditor.city_ids(Role.INTERNAL_AUDITOR):
            raise DomainError(
                _l("The follow-up auditor must be an internal auditor of the city."),
                field="auditor_id",
            )


def create_nonconformity(
    agency: Agency,
    *,
    source: NcSource,
    grade: NcGrade,
    statement: str,
    raised_by: User | None,
    raised_on: date | None = None,
    due_date: date | None = None,
    authorize: bool = True,
    sequence: int | None = None,
    **values: Any,
) -> Nonconformity:
    """A new nonconformity of the agency with its number; without a due date the configured
    deadline for the source and grade applies. `sequence`: the number an imported one keeps
    (the year's counter moves past it)."""
    raised_on = raised_on or local_today()
    if not statement.strip():
        raise DomainError(_l("State the nonconformity."), field="statement")
    nc = Nonconformity(
        agency_id=agency.id,
        agency=agency,
        source=NcSource(source),
        grade=NcGrade(grade),
        statement=statement.strip(),
        raised_on=raised_on,
        raised_by_id=raised_by.id if raised_by else None,
        due_date=due_date or due_date_for(source, grade, raised_on),
        status=NcStatus.OPEN,
    )
    for name in DETAIL_FIELDS:
        if values.get(name) is not None:
            setattr(nc, name, values[name])
    for name in ("finding_id", "origin_id", "escalation_key", "other_clauses"):
        setattr(nc, name, values.get(name))
    # a clause names its standard: the finding's, the origin's, else the quality standard
    nc.clause_standard = (
        (values.get("clause_standard") or quality_standard_code()) if nc.clause else ""
    )
    if nc.auditor_id is None and raised_by is not None and auditor_follows(raised_by, nc):
        nc.auditor_id = raised_by.id
    if authorize:
        access.authorize(raised_by, access.CREATE, nc)
    if nc.due_date < raised_on:
        raise DomainError(_l("The due date cannot be before the date raised."), field="due_date")
    _check_people_and_places(nc)
    nc.year = raised_on.year
    if sequence is not None:
        reserve_sequence(agency.id, nc.year, sequence)
        nc.sequence = sequence
    else:
        nc.sequence = next_sequence(agency.id, nc.year)
    nc.number = format_number(agency, nc.year, nc.sequence)
    db.session.add(nc)
    db.session.flush()
    return nc


def raise_nonconformity(actor: User, agency: Agency, values: dict[str, Any]) -> Nonconformity:
    """Raise a nonconformity by hand (from a form or the API) in an agency the caller chose
    among those they may raise in (`access.owner_for_create`)."""
    raised_on = values.get("raised_on")
    if raised_on is not None and raised_on > local_today():
        raise DomainError(_l("The date raised cannot be in the future."), field="raised_on")
    fields = {k: v for k, v in values.items() if k in DETAIL_FIELDS and k != "statement"}
    return create_nonconformity(
        agency,
        source=NcSource(values["source"]),
        grade=NcGrade(values["grade"]),
        statement=values.get("statement") or "",
        raised_by=actor,
        raised_on=raised_on,
        due_date=values.get("due_date"),
        **fields,
    )


def raise_from_finding(
    *,
    agency: Agency,
    clause: str,
    requirement: str,
    clause_standard: str = "",
    other_clauses: list[dict[str, str]] | None = None,
    evidence: str,
    statement: str,
    grade: NcGrade | str,
    raised_by: User | None,
    due_date: date | None = None,
    finding_id: int | None = None,
    raised_on: date | None = None,
    source: NcSource | str = NcSource.INTERNAL_AUDIT,
    source_reference: str = "",
    unit_id: int | None = None,
    process: str = "",
    criterion: str = "",
    auditee_representative: str = "",
    auditor_id: int | None = None,
) -> Nonconformity:
    """The nonconformity for an audit finding (major or minor), created once: calling it again
    for the same finding returns the existing one. The audit service has already checked who may
    record the finding, so no permission is checked here. Without a due date, the configured
    deadline for the source and grade applies."""
    if finding_id is not None:
        existing = nonconformity_for_finding(finding_id)
        if existing is not None:
            return existing
    return create_nonconformity(
        agency,
        source=NcSource(source),
        grade=NcGrade(grade),
        statement=statement,
        raised_by=raised_by,
        raised_on=raised_on,
        due_date=due_date,
        authorize=False,
        clause=clause,
        clause_standard=clause_standard,
        other_clauses=other_clauses or None,
        requirement=requirement,
        evidence=evidence,
        finding_id=finding_id,
        source_reference=source_reference,
        unit_id=unit_id,
        process=process,
        criterion=criterion,
        auditee_representative=auditee_representative,
        auditor_id=auditor_id,
    )


def nonconformity_for_finding(finding_id: int) -> Nonconformity | None:
    return db.session.scalar(
        select(Nonconformity)
        .where(Nonconformity.finding_id == finding_id)
        .order_by(Nonconformity.id)
        .limit(1)
    )


# --- correcting and archiving -------------------------------------------------------------

#: kept as the audit recorded them on a nonconformity raised from a finding: the finding is the
#: audit's final record (fixed once the report is issued) and its lead auditor follows it up
FINDING_FIELDS = frozenset(
    {"source_reference", "clause", "requirement", "evidence", "statement", "auditor_id"}
)
#: the description can be corrected, and an entry raised by mistake archived, until the root
#: cause is analysed: the analysis, the plan and its verification are built on what it says
AMENDABLE = frozenset({NcStatus.OPEN, NcStatus.CORRECTION_RECORDED})


def locked_fields(nc: Nonconformity) -> frozenset[str]:
    return FINDING_FIELDS if nc.finding_id is not None else frozenset()


def _plain_value(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def amendment_refusal(nc: Nonconformity) -> Any | None:
    """Why the description can no longer be corrected (None while it can)."""
    if nc.is_archived:
        return ARCHIVED
    if nc.status not in AMENDABLE:
        return _l("The description is fixed once the root cause has been analysed.")
    return None


def archive_refusal(nc: Nonconformity) -> Any | None:
    """Why the nonconformity cannot be archived (None if it can)."""
    if nc.is_archived:
        return _l("This nonconformity is already archived.")
    if nc.finding_id is not None:
        return _l(
            "A nonconformity raised from an audit finding is the audit's record: it is "
            "followed up to its close, not archived."
        )
    if nc.status not in AMENDABLE:
        return _l("Only a nonconformity whose root cause has not been analysed can be archived.")
    return None


def update_details(
    actor: User, nc: Nonconformity, values: dict[str, Any], *, version: int | None = None
) -> Nonconformity:
    """Correct the description of a nonconformity (DETAIL_FIELDS present in `values`) until its
    root cause is analysed; the fields its audit finding gave it cannot change."""
    expect_version(nc, version)
    access.authorize(actor, DESCRIBE, nc)
    refusal = amendment_refusal(nc)
    if refusal is not None:
        raise DomainError(refusal)
    locked = locked_fields(nc)
    for name in DETAIL_FIELDS:
        if name not in values:
            continue
        value = _plain_value(values[name])
        if name in locked:
            if value != _plain_value(getattr(nc, name)):
                raise DomainError(
                    _l("This is the audit finding's record and cannot be changed here."),
                    field=name,
                )
            continue
        setattr(nc, name, value if name.endswith("_id") else (value or ""))
    if not nc.clause:
        nc.clause_standard = ""
    elif not nc.clause_standard:
        nc.clause_standard = quality_standard_code()
    if not (nc.statement or "").strip():
        raise DomainError(_l("State the nonconformity."), field="statement")
    _check_people_and_places(nc)
    flush()
    return nc


def archive(
    actor: User, nc: Nonconformity, reason: str, *, version: int | None = None
) -> Nonconformity:
    """Take an entry raised by mistake (or a duplicate) out of the register, with the reason.
    The agency's quality officer or the city admin may, until the root cause is analysed; a
    nonconformity raised from an audit finding is never archived. Complaints linked to it stay
    linked (they do not escalate again)."""
    expect_version(nc, version)
    access.authorize(actor, access.ARCHIVE, nc)
    refusal = archive_refusal(nc)
    if refusal is not None:
        raise DomainError(refusal)
    nc.archive_reason = required_text(
        {"reason": reason}, "reason", _l("Say why the nonconformity is archived.")
    )
    archiving.mark_archived(actor, nc)
    flush()
    return nc


# --- the actions of a plan ----------------------------------------------------------------


def _touch(nc: Nonconformity) -> None:
    """A change to the plan moves the nonconformity's version, so a concurrent step taken on
    the old plan is refused."""
    nc.updated_at = utcnow()


def action_adding_refusal(nc: Nonconformity) -> Any | None:
    """Why no action can be added to the plan now (None while one can)."""
    if nc.status not in DRAFTING_STATUSES:
        return _l("Actions are added while the plan is written, after the root cause analysis.")
    return None


def removal_refusal(action: CorrectiveAction) -> Any | None:
    """Why the action cannot be dropped from its plan (None while it can)."""
    nc = action.nonconformity
    if nc.status not in DRAFTING_STATUSES or action.plan_round != nc.plan_round:
        return _l("Only actions of a plan still being written can be removed.")
    return None


def completion_refusal(action: CorrectiveAction) -> Any | None:
    """Why the action cannot be marked done (None while it can)."""
    nc = action.nonconformity
    if nc.status != NcStatus.PLAN_ACCEPTED or action.plan_round != nc.plan_round:
        return _l("Actions are done once their plan has been accepted.")
    if action.is_done:
        return _l("This action is already done.")
    return None


def _refuse(refusal: Any | None) -> None:
    if refusal is not None:
        raise DomainError(refusal)


def add_action(
    actor: User, nc: Nonconformity, values: dict[str, Any], *, version: int | None = None
) -> CorrectiveAction:
    expect_version(nc, version)
    access.authorize(actor, access.EDIT, nc)
    _refuse(action_adding_refusal(nc))
    description = required_text(values, "description", _l("Describe the action."))
    owner = required_text(values, "owner", _l("Name the person in charge."))
    due = required_value(values, "due_date", _l("Set the action's due date."))
    if due < nc.raised_on:
        raise DomainError(_l("The due date cannot be before the date raised."), field="due_date")
    action = CorrectiveAction(
        nonconformity=nc,
        plan_round=nc.plan_round,
        kind=ActionKind(values.get("kind") or ActionKind.CORRECTIVE),
        description=description,
        owner=owner,
        due_date=due,
    )
    db.session.add(action)
    _touch(nc)
    flush()
    return action


def remove_action(actor: User, action: CorrectiveAction, *, version: int | None = None) -> None:
    """Drop an action from a plan that is still being written (the removal is in the history)."""
    nc = action.nonconformity
    expect_version(nc, version)
    access.authorize(actor, access.EDIT, action)
    _refuse(removal_refusal(action))
    db.session.delete(action)
    _touch(nc)
    flush()


def complete_action(
    actor: User,
    action: CorrectiveAction,
    *,
    evidence: Any,
    filename: str,
    note: str = "",
    version: int | None = None,
) -> CorrectiveAction:
    """Mark an action of the accepted plan done; the evidence file is required."""
    nc = action.nonconformity
    expect_version(nc, version)
    access.authorize(actor, access.EDIT, action)
    _refuse(completion_refusal(action))
    if evidence is None or not filename:
        raise DomainError(_l("Attach the evidence that the action was done."), field="file")
    operations.store(evidence, filename, action, actor, description=note)
    action.done_at = utcnow()
    action.done_by_id = actor.id
    action.done_note = note.strip()
    _touch(nc)
    flush()
    return action
