"""The steps of an audit (planned → in progress → reported → closed) and of a programme and its
items (live until archived), as tables on qms/core/workflow.py: who may take each step, the
refusals that say why a step cannot be taken now (data: a page offers a step only when it can
be taken, and tells why not), and one handler per step for what it does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.audits import grades
from qms.audits.checklist import generate_checklist
from qms.audits.figures import completion
from qms.audits.follow_up import findings_lacking_follow_up, report_issued
from qms.audits.models import (
    Audit,
    AuditProgramme,
    AuditStatus,
    ChecklistRow,
    ProgrammeItem,
    RowResult,
)
from qms.audits.policies import city_of, independence_problem, is_lead, is_team
from qms.core import access, archiving
from qms.core.errors import DomainError
from qms.core.i18n import fmt_date
from qms.core.timeutil import today, utcnow
from qms.core.workflow import Offer, Stage, StateMachine, Transition
from qms.core.workflow import stages as workflow_stages
from qms.extensions import db

# --- an audit -----------------------------------------------------------------------------


def _team_or_city_admin(user: User, audit: Audit) -> bool:
    return is_team(user, audit) or access.is_city_admin(user, city_of(audit))


def _lead_or_city_admin(user: User, audit: Audit) -> bool:
    return is_lead(user, audit) or access.is_city_admin(user, city_of(audit))


def _not_ready_to_report(audit: Audit, day: date) -> Any | None:
    """A report needs its lead auditor, and a team still independent of the agency (roles can
    change between planning and reporting: the team is checked once more)."""
    if audit.lead_auditor is None:
        return _l("The audit needs a lead auditor before its report is issued.")
    for auditor in audit.team:
        problem = independence_problem(auditor, audit)
        if problem:
            return problem
    return None


def _follow_up_pending(audit: Audit, day: date) -> Any | None:
    lacking = findings_lacking_follow_up(audit)
    if not lacking:
        return None
    return _l(
        "The audit can be closed only when the corrective action plan of every "
        "nonconformity is accepted. Still open: %(numbers)s.",
        numbers=", ".join(f.number for f in lacking),
    )


AUDIT_WORKFLOW = StateMachine(
    "status",
    [
        Transition(
            "start",
            frozenset({AuditStatus.PLANNED}),
            AuditStatus.IN_PROGRESS,
            _l("Start the audit"),
            _team_or_city_admin,
        ),
        Transition(
            "report",
            frozenset({AuditStatus.IN_PROGRESS}),
            AuditStatus.REPORTED,
            _l("Issue the report"),
            _lead_or_city_admin,
            unready=_not_ready_to_report,
        ),
        Transition(
            "close",
            frozenset({AuditStatus.REPORTED}),
            AuditStatus.CLOSED,
            _l("Close the audit"),
            _lead_or_city_admin,
            unready=_follow_up_pending,
        ),
    ],
    AuditStatus.labels(),
)


class UnansweredRows(DomainError):
    """Reporting with unanswered rows needs the user's confirmation first."""

    status_code = 409

    def __init__(self, count: int) -> None:
        super().__init__(
            _l(
                "%(count)s checklist row(s) have no answer. Confirm to record them as "
                "“not audited” and issue the report.",
                count=count,
            ),
            field="confirm_unanswered",
        )
        self.count = count


def unanswered_rows(audit: Audit) -> list[ChecklistRow]:
    return [r for r in audit.rows if r.result is None]


def _start(actor: User, audit: Audit, values: dict[str, Any]) -> None:
    if not audit.rows:
        generate_checklist(audit)
    audit.actual_start = audit.actual_start or today()


def _report(actor: User, audit: Audit, values: dict[str, Any]) -> None:
    """Issuing the report fixes the findings (the checklist and findings are written only while
    the audit is in progress), so that is when their follow-up starts: the due dates are set
    here, and the report listeners (the corrective actions) are told once the status moved, in
    the same transaction."""
    unanswered = unanswered_rows(audit)
    if unanswered and not values.get("confirm_unanswered"):
        raise UnansweredRows(len(unanswered))
    for row in unanswered:
        row.result = RowResult.NOT_AUDITED
        row.answered_by_id = actor.id
        row.answered_at = utcnow()
        row.changed_by_id = actor.id
    audit.actual_end = audit.actual_end or today()
    audit.reported_at = utcnow()
    # the follow-up clock starts when the auditee receives the report
    for finding in audit.active_findings:
        found = grades.grade(finding.grade)
        if finding.due_date is None and found and found.deadline_days:
            finding.due_date = today() + timedelta(days=found.deadline_days)


def _close(actor: User, audit: Audit, values: dict[str, Any]) -> None:
    audit.closed_at = utcnow()


@dataclass(frozen=True)
class Step:
    #: what the step does before the status moves (it may still refuse)
    do: Callable[[User, Audit, dict[str, Any]], None]
    #: what follows once the status moved, in the same transaction
    then: Callable[[User, Audit], None] | None = None


STEPS: dict[str, Step] = {
    "start": Step(_start),
    "report": Step(_report, then=report_issued),
    "close": Step(_close),
}


def transition(
    actor: User, audit: Audit, name: str, *, confirm_unanswered: bool = False
) -> Transition:
    """Take one step of the audit: the status, the actor's role and the step's refusals are
    checked before anything changes; the history records the step."""
    AUDIT_WORKFLOW.check(audit, name, actor)
    step = STEPS[name]
    step.do(actor, audit, {"confirm_unanswered": confirm_unanswered})
    done = AUDIT_WORKFLOW.apply(audit, name, actor, AuditStatus)
    if step.then is not None:
        step.then(actor, audit)
    return done


def available_steps(audit: Audit, user: User) -> list[Offer]:
    """The steps of the audit's status the user's role takes, each with the reason the audit
    refuses it now (the page shows the reason instead of the button)."""
    return AUDIT_WORKFLOW.available_steps(audit, user)


#: an audit's way, in order, as its stepper shows it
AUDIT_STAGES = (
    AuditStatus.PLANNED.value,
    AuditStatus.IN_PROGRESS.value,
    AuditStatus.REPORTED.value,
    AuditStatus.CLOSED.value,
)


def stages(audit: Audit) -> list[Stage]:
    """Where the audit stands on its way (planned, in progress, reported, closed), each stage
    with its date, the one in progress with how much of the checklist is answered."""
    done = completion(audit.rows)
    fieldwork = fmt_date(audit.actual_start, "medium") if audit.actual_start else ""
    if audit.status == AuditStatus.IN_PROGRESS and done.total:
        answered = _("%(answered)s of %(total)s answered", answered=done.answered, total=done.total)
        fieldwork = f"{fieldwork} · {answered}" if fieldwork else answered
    notes = {
        AuditStatus.PLANNED.value: fmt_date(audit.planned_start, "medium"),
        AuditStatus.IN_PROGRESS.value: fieldwork,
        AuditStatus.REPORTED.value: fmt_date(audit.reported_at, "medium")
        if audit.reported_at
        else "",
        AuditStatus.CLOSED.value: fmt_date(audit.closed_at, "medium") if audit.closed_at else "",
    }
    labels = {status.value: label for status, label in AuditStatus.labels().items()}
    return workflow_stages(AUDIT_STAGES, labels, AUDIT_WORKFLOW.state_of(audit), notes)


# --- a programme and its items ------------------------------------------------------------

LIVE = "live"
ARCHIVED = "archived"


class Lifecycle(StateMachine):
    """The steps of a record without a status column: it is live until archived (never
    deleted). The table is checked (`check`, `available`); the handler writes the record."""

    def __init__(self, transitions: list[Transition]) -> None:
        super().__init__("archived_at", transitions, {ARCHIVED: _l("archived")})

    def state_of(self, record: Any) -> str:
        return ARCHIVED if record.archived_at is not None else LIVE


def _may_archive(user: User, record: Any) -> bool:
    return access.can(user, access.ARCHIVE, record)


def _audit_planned(user: User, item: ProgrammeItem) -> Any | None:
    return _l("An audit was already created for this item.") if item.live_audits else None


PROGRAMME_LIFECYCLE = Lifecycle(
    [
        Transition(
            "archive",
            frozenset({LIVE}),
            ARCHIVED,
            _l("Archive the programme"),
            _may_archive,
        )
    ]
)
ITEM_LIFECYCLE = Lifecycle(
    [Transition("archive", frozenset({LIVE}), ARCHIVED, _l("Remove"), _may_archive, _audit_planned)]
)


def _archive(machine: Lifecycle, actor: User, record: AuditProgramme | ProgrammeItem) -> None:
    # a record the user may not change (an archived one too) is refused as such (403)
    access.authorize(actor, access.ARCHIVE, record)
    machine.check(record, "archive", actor)
    archiving.mark_archived(actor, record)
    db.session.flush()


def archive_programme(actor: User, programme: AuditProgramme) -> None:
    """Archive a programme: it stays readable with its items and audits, and no longer
    changes. Audits planned from it go on."""
    _archive(PROGRAMME_LIFECYCLE, actor, programme)


def archive_programme_item(actor: User, item: ProgrammeItem) -> None:
    """Take a planned audit out of its programme, until an audit is created for it."""
    _archive(ITEM_LIFECYCLE, actor, item)


def may_archive(machine: Lifecycle, record: Any, user: User) -> bool:
    """Whether the page offers the record's "archive" step to the user."""
    return any(t.name == "archive" for t in machine.available(record, user))
