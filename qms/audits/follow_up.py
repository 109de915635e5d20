"""Follow-up of findings: the extension points for corrective actions.

The corrective-action feature (qms.capa) builds on the audits; the audits never import it. It
plugs in here from its init_app (through interface.py): a report listener raises a
nonconformity for each finding that needs follow-up, and a follow-up checker keeps the audit
open until their plans are accepted."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from qms.accounts.models import User
from qms.audits.models import Audit, Finding

#: (actor, audit) -> None, called once the audit's report is issued, in the same transaction
ReportListener = Callable[[User, Audit], None]
report_listeners: list[ReportListener] = []

#: (audit, findings needing follow-up) -> those of them still lacking an accepted corrective
#: action plan
FollowUpChecker = Callable[[Audit, list[Finding]], Iterable[Finding]]
follow_up_checkers: list[FollowUpChecker] = []


def register_report_listener(listener: ReportListener) -> None:
    if listener not in report_listeners:
        report_listeners.append(listener)


def register_follow_up_checker(checker: FollowUpChecker) -> None:
    """Let a later feature decide when a finding is followed up.

    An audit closes only when every finding whose grade requires follow-up (the
    nonconformities: `Finding.follow_up_required`) is followed up. Each checker gets the audit
    and its findings needing follow-up and returns those still lacking an accepted corrective
    action plan; a finding any checker returns keeps the audit open. With no checker registered
    nothing can accept a follow-up, so an audit with such findings stays open.
    """
    if checker not in follow_up_checkers:
        follow_up_checkers.append(checker)


def report_issued(actor: User, audit: Audit) -> None:
    """Tell the listeners that the audit's report was issued."""
    for listener in report_listeners:
        listener(actor, audit)


def findings_needing_follow_up(audit: Audit) -> list[Finding]:
    return [f for f in audit.active_findings if f.follow_up_required]


def findings_lacking_follow_up(audit: Audit) -> list[Finding]:
    needing = findings_needing_follow_up(audit)
    if not follow_up_checkers:
        return needing
    lacking = {f.id for checker in follow_up_checkers for f in checker(audit, needing)}
    return [f for f in needing if f.id in lacking]
