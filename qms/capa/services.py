"""The rules of nonconformities and corrective actions (ISO 9001 10.2): who may see and move
them, numbering, deadlines, the gated workflow, reminders and escalation.

Functions for other features: `raise_from_finding()`, `nonconformity_for_finding()`,
`plan_is_accepted()`, `is_closed()` (qms/capa/findings.py wires them to the internal audits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from qms.accounts.models import RoleAssignment, User
from qms.audits import grades as audit_grades
from qms.audits.models import AuditTeamMember, Finding
from qms.capa.models import (
    MAX_WHY_STEPS,
    PENDING_STATUSES,
    PLAN_ACCEPTED_STATUSES,
    STATUS_LABELS,
    ActionKind,
    CauseCategory,
    CorrectiveAction,
    EffectivenessCheck,
    NcCounter,
    NcGrade,
    NcSource,
    NcStatus,
    Nonconformity,
    VerificationResult,
)
from qms.capa.settings import setting
from qms.core import access
from qms.core.errors import DomainError
from qms.core.i18n import fmt_date
from qms.core.models import check_version, stale_write_refused
from qms.core.numbering import draw_next
from qms.core.registry import Reminder
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.core.workflow import StateMachine, Transition
from qms.extensions import db
from qms.files import operations as files
from qms.files.policies import register_owner
from qms.files.queries import files_of
from qms.organisations.models import Agency, Unit
from qms.organisations.policies import agency_visibility

REVIEW = "review"
VERIFY = "verify"
#: correct the description of a nonconformity (see `update_details`)
DESCRIBE = "describe"


# --- access -------------------------------------------------------------------------------


def _auditor_follows(user: User, nc: Nonconformity) -> bool:
    """An internal auditor of the city who raised the nonconformity or was assigned to it."""
    return nc.agency.city_id in user.city_ids(Role.INTERNAL_AUDITOR) and user.id in (
        nc.raised_by_id,
        nc.auditor_id,
    )


def _is_agency_officer(user: User, nc: Nonconformity) -> bool:
    return nc.agency_id in user.agency_ids(Role.QUALITY_OFFICER)


class NonconformityPolicy(access.Policy):
    def visible(self, user: User):
        """The agency's officers and city readers see its register; an internal auditor sees
        what they raised, follow up, accepted or verified, and what came from a finding of an
        audit whose team they were on (the whole team stands behind the report)."""
        conditions = [agency_visibility(user, Nonconformity.agency_id)]
        if user.has_role(Role.INTERNAL_AUDITOR):
            verified = select(EffectivenessCheck.nonconformity_id).where(
                EffectivenessCheck.verified_by_id == user.id
            )
            on_team = (
                select(Finding.id)
                .join(AuditTeamMember, AuditTeamMember.audit_id == Finding.audit_id)
                .where(AuditTeamMember.user_id == user.id)
            )
            conditions.append(
                or_(
                    Nonconformity.raised_by_id == user.id,
                    Nonconformity.auditor_id == user.id,
                    Nonconformity.plan_accepted_by_id == user.id,
                    Nonconformity.id.in_(verified),
                    Nonconformity.finding_id.in_(on_team),
                )
            )
        return access.any_of(conditions)

    def allows(self, user: User, action: str, record: Nonconformity) -> bool:
        agency = record.agency or db.session.get(Agency, record.agency_id)
        if action == access.CREATE:
            return access.manages_agency(user, agency) or agency.city_id in user.city_ids(
                Role.INTERNAL_AUDITOR
            )
        if action == REVIEW:
            return _auditor_follows(user, record) or _is_agency_officer(user, record)
        if action == VERIFY:
            return self.allows(user, REVIEW, record) or access.is_city_admin(user, agency.city_id)
        if action == DESCRIBE:
            # whoever raised it may still correct their own wording; archiving stays the agency's
            raised_it = record.raised_by_id == user.id and agency.city_id in user.city_ids(
                Role.INTERNAL_AUDITOR
            )
            return raised_it or access.manages_agency(user, agency)
        return access.manages_agency(user, agency)


def _visible_nonconformity_ids(user: User) -> Select:
    return select(Nonconformity.id).where(NonconformityPolicy().visible(user))


class ActionPolicy(access.Policy):
    def visible(self, user: User):
        return CorrectiveAction.nonconformity_id.in_(_visible_nonconformity_ids(user))

    def allows(self, user: User, action: str, record: CorrectiveAction) -> bool:
        nc = record.nonconformity or db.session.get(Nonconformity, record.nonconformity_id)
        return access.can(user, access.EDIT, nc)


class CheckPolicy(access.Policy):
    """Effectiveness checks are written only by the verify transitions."""

    def visible(self, user: User):
        return EffectivenessCheck.nonconformity_id.in_(_visible_nonconformity_ids(user))


access.register_policy(Nonconformity, NonconformityPolicy())
access.register_policy(CorrectiveAction, ActionPolicy())
access.register_policy(EffectivenessCheck, CheckPolicy())
access.register_policy(NcCounter, access.Policy())
register_owner(CorrectiveAction)


# --- numbering and deadlines --------------------------------------------------------------


def _next_sequence(agency_id: int, year: int) -> int:
    """Atomically take the next number of the agency's year (its counter row is created on the
    year's first number)."""
    where = (NcCounter.agency_id == agency_id, NcCounter.year == year)
    value = draw_next(NcCounter, "last", *where)
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.add(NcCounter(agency_id=agency_id, year=year, last=0))
        except IntegrityError:
            pass  # another request created the counter meanwhile; drawing waits for its lock
        value = draw_next(NcCounter, "last", *where)
    assert value is not None
    return value


def format_number(agency: Agency, year: int, sequence: int) -> str:
    return f"KTS-{year}-{agency.code}-{sequence:03d}"


def deadline_days(source: NcSource | str, grade: NcGrade | str) -> int:
    deadlines = setting("CAPA_DEADLINES")
    try:
        return int(deadlines[str(source)][str(grade)])
    except KeyError as exc:
        raise LookupError(f"No deadline configured for {source}/{grade} (CAPA_DEADLINES)") from exc


def due_date_for(source: NcSource | str, grade: NcGrade | str, raised_on: date) -> date:
    return raised_on + timedelta(days=deadline_days(source, grade))


def renewed_due_date(nc: Nonconformity, today: date) -> date:
    """The deadline of a plan re-opened by a failed verification: the configured days counted
    from that day, by the rule that set the first one (an audit finding's grade deadline, see
    qms/audits/grades.py, else CAPA_DEADLINES for the source and grade)."""
    found = audit_grades.grade(nc.finding.grade) if nc.finding is not None else None
    if found is not None and found.deadline_days:
        return today + timedelta(days=found.deadline_days)
    return due_date_for(nc.source, nc.grade, today)


# --- raising ------------------------------------------------------------------------------

RAISE_FIELDS = (
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


def _create(
    agency: Agency,
    *,
    source: NcSource,
    grade: NcGrade,
    statement: str,
    raised_by: User | None,
    raised_on: date | None = None,
    due_date: date | None = None,
    authorize: bool = True,
    **values: Any,
) -> Nonconformity:
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
    for name in RAISE_FIELDS:
        if values.get(name) is not None:
            setattr(nc, name, values[name])
    for name in ("finding_id", "origin_id", "escalation_key"):
        setattr(nc, name, values.get(name))
    if nc.auditor_id is None and raised_by is not None and _auditor_follows(raised_by, nc):
        nc.auditor_id = raised_by.id
    if authorize:
        access.authorize(raised_by, access.CREATE, nc)
    if nc.due_date < raised_on:
        raise DomainError(_l("The due date cannot be before the date raised."), field="due_date")
    _check_people_and_places(nc)
    nc.year = raised_on.year
    nc.sequence = _next_sequence(agency.id, nc.year)
    nc.number = format_number(agency, nc.year, nc.sequence)
    db.session.add(nc)
    db.session.flush()
    return nc


def raise_nonconformity(actor: User, values: dict[str, Any]) -> Nonconformity:
    """Raise a nonconformity by hand (from a form or the API)."""
    agency = db.session.get(Agency, values.get("agency_id") or 0)
    if agency is None or not access.is_visible(actor, agency):
        raise DomainError(_l("Choose an agency."), field="agency_id")
    fields = {k: v for k, v in values.items() if k in RAISE_FIELDS and k != "statement"}
    return _create(
        agency,
        source=NcSource(values["source"]),
        grade=NcGrade(values["grade"]),
        statement=values.get("statement") or "",
        raised_by=actor,
        raised_on=values.get("raised_on"),
        due_date=values.get("due_date"),
        **fields,
    )


def raise_from_finding(
    *,
    agency: Agency,
    clause: str,
    requirement: str,
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
    return _create(
        agency,
        source=NcSource(source),
        grade=NcGrade(grade),
        statement=statement,
        raised_by=raised_by,
        raised_on=raised_on,
        due_date=due_date,
        authorize=False,
        clause=clause,
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


def plan_is_accepted(nc: Nonconformity) -> bool:
    """True while the plan in force is accepted (also once implemented, verified or closed);
    False before acceptance and after a failed verification re-opened the plan."""
    return nc.status in PLAN_ACCEPTED_STATUSES


def is_closed(nc: Nonconformity) -> bool:
    return not nc.is_open


#: the description of a nonconformity: what its raising form asks besides agency, source, grade
#: and dates (those decide the number and the deadline, so a wrong one is archived and raised anew)
DETAIL_FIELDS = RAISE_FIELDS
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


ARCHIVED = _l("This nonconformity is archived: it cannot be changed.")


def _refuse_archived(nc: Nonconformity) -> None:
    if nc.is_archived:
        raise DomainError(ARCHIVED)


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
    _expect_version(nc, version)
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
    if not (nc.statement or "").strip():
        raise DomainError(_l("State the nonconformity."), field="statement")
    _check_people_and_places(nc)
    _flush()
    return nc


def archive(
    actor: User, nc: Nonconformity, reason: str, *, version: int | None = None
) -> Nonconformity:
    """Take an entry raised by mistake (or a duplicate) out of the register, with the reason.
    The agency's quality officer or the city admin may, until the root cause is analysed; a
    nonconformity raised from an audit finding is never archived. Complaints linked to it stay
    linked (they do not escalate again)."""
    _expect_version(nc, version)
    access.authorize(actor, access.ARCHIVE, nc)
    refusal = archive_refusal(nc)
    if refusal is not None:
        raise DomainError(refusal)
    nc.archive_reason = _required_text(
        {"reason": reason}, "reason", _l("Say why the nonconformity is archived.")
    )
    nc.archived_at = utcnow()
    nc.archived_by_id = actor.id
    _flush()
    return nc


# --- the workflow -------------------------------------------------------------------------


def _can(action: str) -> Callable[[Any, Any], bool]:
    return lambda user, nc: access.can(user, action, nc)


def _not_the_plan_author(message: Any) -> Callable[[User, Nonconformity], Any | None]:
    def refusal(user: User, nc: Nonconformity) -> Any | None:
        return message if nc.plan_submitted_by_id == user.id else None

    return refusal


def _implementers(nc: Nonconformity) -> set[int]:
    return {nc.implemented_by_id, *(a.done_by_id for a in nc.current_actions)} - {None}


def _not_an_implementer(user: User, nc: Nonconformity) -> Any | None:
    if user.id in _implementers(nc):
        return _l("The effectiveness must be verified by someone other than the implementer.")
    return None


WORKFLOW = StateMachine(
    "status",
    [
        Transition(
            "record_correction",
            frozenset({NcStatus.OPEN}),
            NcStatus.CORRECTION_RECORDED,
            _l("Record the correction"),
            _can(access.EDIT),
        ),
        Transition(
            "analyse_cause",
            frozenset({NcStatus.CORRECTION_RECORDED, NcStatus.CAUSE_ANALYSED, NcStatus.REOPENED}),
            NcStatus.CAUSE_ANALYSED,
            _l("Record the root cause analysis"),
            _can(access.EDIT),
        ),
        Transition(
            "submit_plan",
            frozenset({NcStatus.CAUSE_ANALYSED, NcStatus.REOPENED}),
            NcStatus.PLAN_SUBMITTED,
            _l("Submit the action plan"),
            _can(access.EDIT),
        ),
        Transition(
            "accept_plan",
            frozenset({NcStatus.PLAN_SUBMITTED}),
            NcStatus.PLAN_ACCEPTED,
            _l("Accept the action plan"),
            _can(REVIEW),
            _not_the_plan_author(_l("The plan must be accepted by someone other than its author.")),
        ),
        Transition(
            "return_plan",
            frozenset({NcStatus.PLAN_SUBMITTED}),
            NcStatus.CAUSE_ANALYSED,
            _l("Return the plan for rework"),
            _can(REVIEW),
            _not_the_plan_author(_l("The plan must be reviewed by someone other than its author.")),
        ),
        Transition(
            "mark_implemented",
            frozenset({NcStatus.PLAN_ACCEPTED}),
            NcStatus.IMPLEMENTED,
            _l("Mark as implemented"),
            _can(access.EDIT),
        ),
        Transition(
            "verify_effective",
            frozenset({NcStatus.IMPLEMENTED}),
            NcStatus.VERIFIED,
            _l("Verify: effective"),
            _can(VERIFY),
            _not_an_implementer,
        ),
        Transition(
            "verify_not_effective",
            frozenset({NcStatus.IMPLEMENTED}),
            NcStatus.REOPENED,
            _l("Verify: not effective"),
            _can(VERIFY),
            _not_an_implementer,
        ),
        Transition(
            "close",
            frozenset({NcStatus.VERIFIED}),
            NcStatus.CLOSED,
            _l("Close"),
            _can(VERIFY),
        ),
    ],
    STATUS_LABELS,
)

#: statuses in which the action plan is being written
DRAFTING = frozenset({NcStatus.CAUSE_ANALYSED, NcStatus.REOPENED})


STALE = _l("Someone else changed this record meanwhile. Reload it and try again.")


def _expect_version(record: Any, version: int | None) -> None:
    check_version(record, version, STALE)


def _flush() -> None:
    """Flush; a concurrent write of the same row (its version moved on) becomes a readable
    error instead of a silent overwrite."""
    with stale_write_refused(STALE):
        db.session.flush()


def _required_text(values: dict[str, Any], name: str, message: Any) -> str:
    text = (values.get(name) or "").strip()
    if not text:
        raise DomainError(message, field=name)
    return text


def _record_correction(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.correction = _required_text(
        values, "correction", _l("Describe the correction (the immediate fix).")
    )
    correction_on = values.get("correction_on") or today
    if correction_on > today:
        raise DomainError(_l("The correction date cannot be in the future."), field="correction_on")
    nc.correction_on = correction_on


def _analyse_cause(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    steps = [s.strip() for s in values.get("why_steps") or [] if s and s.strip()]
    if not steps:
        raise DomainError(_l("Answer at least the first “why?”."), field="why_1")
    if len(steps) > MAX_WHY_STEPS:
        raise DomainError(_l("At most five “why?” steps."), field="why_1")
    if not values.get("cause_category"):
        raise DomainError(_l("Choose the cause category."), field="cause_category")
    root_cause = _required_text(values, "root_cause", _l("State the root cause."))
    elsewhere = values.get("occurs_elsewhere")
    if elsewhere is None:
        raise DomainError(
            _l("Answer whether this could occur elsewhere."), field="occurs_elsewhere"
        )
    targets = _elsewhere_agencies(nc, values.get("elsewhere_agency_ids") or [], bool(elsewhere))
    nc.why_steps = steps
    nc.cause_category = CauseCategory(values["cause_category"])
    nc.root_cause = root_cause
    nc.occurs_elsewhere = bool(elsewhere)
    nc.elsewhere_note = (values.get("elsewhere_note") or "").strip()
    nc.risk_register_updated = bool(values.get("risk_register_updated"))
    for agency in targets:
        _raise_elsewhere(actor, nc, agency, today)


def elsewhere_candidates(nc: Nonconformity) -> list[Agency]:
    """Where the analysis may say the weakness could also occur: the other active agencies of
    the same city (whoever analyses may name any of them, seen or not)."""
    return list(
        db.session.scalars(
            select(Agency)
            .where(
                Agency.city_id == nc.agency.city_id,
                Agency.id != nc.agency_id,
                Agency.archived_at.is_(None),
            )
            .order_by(Agency.name)
        )
    )


def _elsewhere_agencies(nc: Nonconformity, agency_ids: Iterable[int], yes: bool) -> list[Agency]:
    ids = sorted({int(i) for i in agency_ids})
    if ids and not yes:
        raise DomainError(
            _l("Linked nonconformities are raised only when it could occur elsewhere."),
            field="elsewhere_agency_ids",
        )
    agencies = list(db.session.scalars(select(Agency).where(Agency.id.in_(ids))))
    if len(agencies) != len(ids) or any(
        a.city_id != nc.agency.city_id or a.id == nc.agency_id for a in agencies
    ):
        raise DomainError(
            _l("Linked nonconformities can be raised only in other agencies of the same city."),
            field="elsewhere_agency_ids",
        )
    return agencies


def _raise_elsewhere(actor: User, origin: Nonconformity, agency: Agency, today: date) -> None:
    """The same weakness, checked in another agency: a linked nonconformity of its own."""
    _create(
        agency,
        source=origin.source,
        grade=origin.grade,
        statement=origin.statement,
        raised_by=actor,
        raised_on=today,
        authorize=False,  # the origin's analyst may point at any agency of the same city
        origin_id=origin.id,
        source_reference=origin.number,
        process=origin.process,
        clause=origin.clause,
        criterion=origin.criterion,
        requirement=origin.requirement,
        evidence=f"{origin.number}: {origin.root_cause}",
        auditor_id=origin.auditor_id,
    )


def _submit_plan(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    actions = nc.current_actions
    if not actions:
        raise DomainError(_l("Add at least one action to the plan."))
    check_on = values.get("effectiveness_check_on")
    if check_on is None:
        raise DomainError(
            _l("Set the date of the effectiveness check."), field="effectiveness_check_on"
        )
    if check_on < max(a.due_date for a in actions):
        raise DomainError(
            _l("The effectiveness check comes after the last action's due date."),
            field="effectiveness_check_on",
        )
    nc.effectiveness_check_on = check_on
    nc.documents_changed = (values.get("documents_changed") or nc.documents_changed).strip()
    nc.plan_submitted_by_id = actor.id
    nc.plan_submitted_at = utcnow()
    nc.plan_return_note = ""


def _accept_plan(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.plan_accepted_by_id = actor.id
    nc.plan_accepted_at = utcnow()


def _return_plan(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    nc.plan_return_note = _required_text(
        values, "note", _l("Say what the plan needs before it can be accepted.")
    )
    nc.plan_submitted_by_id = None
    nc.plan_submitted_at = None


def _mark_implemented(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    if any(not a.is_done for a in nc.current_actions):
        raise DomainError(_l("Every action of the plan must be done before it is implemented."))
    if any(not files_of(a) for a in nc.current_actions):
        raise DomainError(_l("Every action needs its evidence file."))
    nc.implemented_by_id = actor.id
    nc.implemented_at = utcnow()


def _verify(result: VerificationResult) -> Callable[[User, Nonconformity, dict, date], None]:
    def verify(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
        if nc.effectiveness_check_on and today < nc.effectiveness_check_on:
            raise DomainError(
                _(
                    "The effectiveness can be verified from %(day)s, the planned check date.",
                    day=fmt_date(nc.effectiveness_check_on),
                )
            )
        note = _required_text(values, "note", _l("Describe the evidence of effectiveness."))
        db.session.add(
            EffectivenessCheck(
                nonconformity=nc,
                plan_round=nc.plan_round,
                verified_by_id=actor.id,
                verified_on=today,
                result=result,
                note=note,
            )
        )
        if result == VerificationResult.NOT_EFFECTIVE:
            # the plan starts again: a new round of actions, a fresh deadline
            nc.reopened_count += 1
            nc.plan_round += 1
            nc.due_date = renewed_due_date(nc, today)
            nc.plan_submitted_by_id = nc.plan_accepted_by_id = nc.implemented_by_id = None
            nc.plan_submitted_at = nc.plan_accepted_at = nc.implemented_at = None
            nc.effectiveness_check_on = None

    return verify


def _close(actor: User, nc: Nonconformity, values: dict, today: date) -> None:
    if not any(
        c.plan_round == nc.plan_round and c.result == VerificationResult.EFFECTIVE
        for c in nc.checks
    ):
        raise DomainError(_l("A nonconformity is closed only after an effective verification."))
    nc.closed_at = utcnow()
    nc.closed_by_id = actor.id


STEPS: dict[str, Callable[[User, Nonconformity, dict, date], None]] = {
    "record_correction": _record_correction,
    "analyse_cause": _analyse_cause,
    "submit_plan": _submit_plan,
    "accept_plan": _accept_plan,
    "return_plan": _return_plan,
    "mark_implemented": _mark_implemented,
    "verify_effective": _verify(VerificationResult.EFFECTIVE),
    "verify_not_effective": _verify(VerificationResult.NOT_EFFECTIVE),
    "close": _close,
}


def transition(
    actor: User,
    nc: Nonconformity,
    name: str,
    values: dict[str, Any] | None = None,
    *,
    version: int | None = None,
    today: date | None = None,
) -> Nonconformity:
    """Move a nonconformity one step: the version read, the status, the actor's role and the
    step's own rules are checked before anything changes; the history records the step."""
    _expect_version(nc, version)
    _refuse_archived(nc)
    WORKFLOW.check(nc, name, actor)
    STEPS[name](actor, nc, values or {}, today or local_today())
    with stale_write_refused(STALE):
        WORKFLOW.apply(nc, name, actor, NcStatus)
    return nc


def available_transitions(nc: Nonconformity, user: User) -> list[Transition]:
    return [] if nc.is_archived else WORKFLOW.available(nc, user)


@dataclass(frozen=True)
class Waiting:
    """Steps of the current status that wait on others, and the people who may take them."""

    steps: list[Transition]
    people: list[User]


def _step_takers(nc: Nonconformity) -> list[User]:
    """Whoever may hold a role in this nonconformity's workflow: the agency's quality officers,
    the city's admins, the auditor who raised it and the follow-up auditor."""
    people = [
        *_holders(Role.QUALITY_OFFICER, agency_id=nc.agency_id),
        *_holders(Role.CITY_ADMIN, city_id=nc.agency.city_id),
        *(u for u in (nc.raised_by, nc.auditor) if u is not None and u.active),
    ]
    return list({u.id: u for u in people}.values())


def waiting_on_others(nc: Nonconformity, user: User) -> list[Waiting]:
    """The steps of the current status this user may not take, grouped by who may (by the
    workflow's own rules: role and separation of duties)."""
    if nc.is_archived:
        return []
    takers = _step_takers(nc)
    state = WORKFLOW.state_of(nc)
    groups: dict[tuple[int, ...], Waiting] = {}
    for step in WORKFLOW.transitions.values():
        if state not in step.sources or step.may_take(user, nc):
            continue
        people = [u for u in takers if step.may_take(u, nc)]
        groups.setdefault(tuple(u.id for u in people), Waiting([], people)).steps.append(step)
    return list(groups.values())


# --- the actions of a plan ----------------------------------------------------------------


def _touch(nc: Nonconformity) -> None:
    """A change to the plan moves the nonconformity's version, so a concurrent step taken on
    the old plan is refused."""
    nc.updated_at = utcnow()


def add_action(
    actor: User, nc: Nonconformity, values: dict[str, Any], *, version: int | None = None
) -> CorrectiveAction:
    _expect_version(nc, version)
    access.authorize(actor, access.EDIT, nc)
    if nc.status not in DRAFTING:
        raise DomainError(
            _l("Actions are added while the plan is written, after the root cause analysis.")
        )
    description = _required_text(values, "description", _l("Describe the action."))
    owner = _required_text(values, "owner", _l("Name the person in charge."))
    due = values.get("due_date")
    if due is None:
        raise DomainError(_l("Set the action's due date."), field="due_date")
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
    _flush()
    return action


def remove_action(actor: User, action: CorrectiveAction, *, version: int | None = None) -> None:
    """Drop an action from a plan that is still being written (the removal is in the history)."""
    nc = action.nonconformity
    _expect_version(nc, version)
    access.authorize(actor, access.EDIT, action)
    if nc.status not in DRAFTING or action.plan_round != nc.plan_round:
        raise DomainError(_l("Only actions of a plan still being written can be removed."))
    db.session.delete(action)
    _touch(nc)
    _flush()


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
    _expect_version(nc, version)
    access.authorize(actor, access.EDIT, action)
    if nc.status != NcStatus.PLAN_ACCEPTED or action.plan_round != nc.plan_round:
        raise DomainError(_l("Actions are done once their plan has been accepted."))
    if action.is_done:
        raise DomainError(_l("This action is already done."))
    if evidence is None or not filename:
        raise DomainError(_l("Attach the evidence that the action was done."), field="file")
    files.store(evidence, filename, action, actor, description=note)
    action.done_at = utcnow()
    action.done_by_id = actor.id
    action.done_note = note.strip()
    _touch(nc)
    _flush()
    return action


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilter:
    agency_id: int | None = None
    status: str | None = None
    source: str | None = None
    grade: str | None = None
    overdue: bool = False
    text: str = ""
    #: archived entries are left out unless asked for
    archived: bool = False


def register_query(user: User, filters: RegisterFilter, today: date | None = None) -> Select:
    query = access.scoped(Nonconformity, user, include_archived=filters.archived)
    if filters.agency_id:
        query = query.where(Nonconformity.agency_id == filters.agency_id)
    if filters.status:
        query = query.where(Nonconformity.status == filters.status)
    if filters.source:
        query = query.where(Nonconformity.source == filters.source)
    if filters.grade:
        query = query.where(Nonconformity.grade == filters.grade)
    if filters.overdue:
        query = query.where(Nonconformity.is_overdue(today or local_today()))
    if filters.text:
        like = f"%{filters.text.strip()}%"
        query = query.where(
            or_(Nonconformity.number.ilike(like), Nonconformity.statement.ilike(like))
        )
    return query.order_by(Nonconformity.raised_on.desc(), Nonconformity.id.desc())


def overdue(user: User, today: date | None = None, limit: int | None = None) -> list:
    query = (
        access.scoped(Nonconformity, user)
        .where(Nonconformity.is_overdue(today or local_today()))
        .order_by(Nonconformity.due_date, Nonconformity.id)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class AgencySummary:
    """An agency's register as one user may see it: open items by grade, and overdue."""

    agency: Agency
    open_by_grade: dict[NcGrade, int]
    overdue: int

    @property
    def open(self) -> int:
        return sum(self.open_by_grade.values())


def reads_register_of(user: User, agency: Agency) -> bool:
    """The agency's whole register: its officers, its city's readers, national readers."""
    whole = select(Agency.id).where(Agency.id == agency.id, agency_visibility(user, Agency.id))
    return db.session.scalar(whole) is not None


def sees_register_of(user: User, agency: Agency) -> bool:
    """The agency's whole register, or the items of it an auditor raised or follows."""
    if reads_register_of(user, agency):
        return True
    theirs = access.scoped(Nonconformity, user).where(Nonconformity.agency_id == agency.id)
    return db.session.scalar(theirs.limit(1)) is not None


def agency_summary(user: User, agency: Agency, today: date | None = None) -> AgencySummary:
    mine = access.scoped(Nonconformity, user).where(Nonconformity.agency_id == agency.id)
    open_items = mine.where(Nonconformity.is_open)
    counts = dict(
        db.session.execute(
            open_items.with_only_columns(Nonconformity.grade, func.count()).group_by(
                Nonconformity.grade
            )
        ).all()
    )
    overdue_items = mine.where(Nonconformity.is_overdue(today or local_today()))
    return AgencySummary(
        agency=agency,
        open_by_grade={grade: counts.get(grade, 0) for grade in NcGrade},
        overdue=db.session.scalar(overdue_items.with_only_columns(func.count())) or 0,
    )


def open_count(user: User) -> int:
    """The nonconformities the user may see that are not closed yet."""
    query = access.scoped(Nonconformity, user).where(Nonconformity.is_open)
    return db.session.scalar(query.with_only_columns(func.count())) or 0


def awaiting(user: User) -> list[Nonconformity]:
    """What waits for this user as reviewer: plans to accept, actions to verify."""
    query = access.scoped(Nonconformity, user).where(
        Nonconformity.status.in_((NcStatus.PLAN_SUBMITTED, NcStatus.IMPLEMENTED))
    )
    return [
        nc
        for nc in db.session.scalars(query.order_by(Nonconformity.due_date))
        if any(t.name != "return_plan" for t in available_transitions(nc, user))
    ]


# --- reminders and escalation -------------------------------------------------------------


def _holders(role: Role, *, agency_id: int | None = None, city_id: int | None = None) -> list:
    query = (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == role, User.active.is_(True))
    )
    if agency_id is not None:
        query = query.where(RoleAssignment.agency_id == agency_id)
    if city_id is not None:
        query = query.where(RoleAssignment.city_id == city_id)
    return list(db.session.scalars(query.order_by(User.id).distinct()))


def _reminder(user: User, nc: Nonconformity, kind: str, subject: Any, body: Any) -> Reminder:
    link = url_for("capa.detail", nc_id=nc.id, _external=True)
    return Reminder(
        to=user.email,
        subject=str(subject),
        body=f"{body}\n\n{nc.number}: {nc.statement}\n{link}",
        key=f"capa:{nc.id}:{nc.due_date.isoformat()}:{kind}:{user.id}",
    )


def reminders(today: date) -> Iterator[Reminder]:
    """Before the due date (CAPA_REMIND_BEFORE_DAYS) and once overdue, the agency's quality
    officers are reminded; still overdue CAPA_ESCALATE_AFTER_DAYS later, the city admins are
    told. Each key holds the due date, so a new deadline (a re-opened plan) reminds afresh."""
    before = timedelta(days=setting("CAPA_REMIND_BEFORE_DAYS"))
    escalate = timedelta(days=setting("CAPA_ESCALATE_AFTER_DAYS"))
    due_soon = select(Nonconformity).where(
        Nonconformity.status.in_(PENDING_STATUSES),
        Nonconformity.archived_at.is_(None),
        Nonconformity.due_date <= today + before,
    )
    for nc in db.session.scalars(due_soon.order_by(Nonconformity.id)):
        officers = _holders(Role.QUALITY_OFFICER, agency_id=nc.agency_id) or _holders(
            Role.CITY_ADMIN, city_id=nc.agency.city_id
        )
        for user in officers:
            with force_locale(user.locale):
                if nc.due_date >= today:
                    yield _reminder(
                        user,
                        nc,
                        "before",
                        _("Corrective action due on %(day)s", day=fmt_date(nc.due_date)),
                        _("This corrective action is due soon. Record its progress in qms."),
                    )
                else:
                    yield _reminder(
                        user,
                        nc,
                        "overdue",
                        _("Corrective action overdue since %(day)s", day=fmt_date(nc.due_date)),
                        _("This corrective action is past its due date."),
                    )
        if today >= nc.due_date + escalate:
            for user in _holders(Role.CITY_ADMIN, city_id=nc.agency.city_id):
                with force_locale(user.locale):
                    yield _reminder(
                        user,
                        nc,
                        "escalated",
                        _("Escalation: %(number)s is overdue", number=nc.number),
                        _(
                            "%(agency)s has not implemented this corrective action, due on "
                            "%(day)s.",
                            agency=nc.agency.name,
                            day=fmt_date(nc.due_date),
                        ),
                    )
