"""An audit's checklist taken offline: what the phone stores of it (its rows with their
questions, typical evidence, current answers and versions, the finding grades and the rules a
row must meet) so that the auditor answers without a signal. The answers typed offline come
back through the same save as online (checklist_pages.save_row, record_row): each with the
row version it was based on, so a row changed meanwhile is refused, never overwritten."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from qms.accounts.models import User
from qms.audits import grades
from qms.audits.models import FINDING_RESULTS, Audit, AuditStatus, ChecklistRow, RowResult
from qms.audits.policies import CONDUCT, is_team
from qms.core import access
from qms.core.errors import PermissionDenied
from qms.core.timeutil import utcnow
from qms.extensions import db


def may_take_offline(user: User, audit: Audit) -> bool:
    """Only the audit's team, while the audit is in progress (who may record its answers)."""
    return access.can(user, CONDUCT, audit)


def _row(row: ChecklistRow, names: dict[int, str]) -> dict[str, Any]:
    finding = row.finding
    return {
        "id": row.id,
        "clause": row.clause.number,
        "clause_title": row.clause.shown_title,
        # an integrated audit's rows are of several standards: each row names its own
        "standard": row.clause.standard.code,
        "standard_name": row.clause.standard.short_name,
        "question": row.question_text,
        "typical_evidence": row.typical_evidence,
        "version": row.version,
        "result": row.result.value if row.result else "",
        "notes": row.notes or "",
        "grade": finding.grade if finding else "",
        "evidence": finding.evidence if finding else "",
        "statement": finding.statement if finding else "",
        "requirement": finding.requirement if finding else "",
        "finding": finding.number if finding else None,
        "changed_by": names.get(row.changed_by_id or 0, ""),
        "changed_at": row.updated_at.isoformat() + "Z" if row.changed_by_id else None,
    }


def snapshot(user: User, audit: Audit) -> dict[str, Any]:
    """Everything the checklist needs without a signal, as read now, to the audit's team
    while it is in progress; once it is reported, to the team, that it is closed (`closed`).
    Refused (403) to anyone else."""
    if not may_take_offline(user, audit):
        if is_team(user, audit) and is_closed(audit):
            return closed(user, audit)
        raise PermissionDenied(_("Only the audit's team takes its checklist offline."))
    ids = {r.changed_by_id for r in audit.rows if r.changed_by_id}
    names = {u.id: u.name for u in db.session.query(User).filter(User.id.in_(ids))} if ids else {}
    return (
        _head(user, audit)
        | {
            "open": True,
            "rows": [_row(row, names) for row in audit.rows],
        }
        | rules()
    )


#: an audit whose answers are closed: its copy leaves the phones of its team
ENDED = (AuditStatus.REPORTED, AuditStatus.CLOSED)


def is_closed(audit: Audit) -> bool:
    """No more answers: a copy of its checklist leaves the phones."""
    return audit.status in ENDED


def closed(user: User, audit: Audit) -> dict[str, Any]:
    """What the team's phones are told of an audit no longer open to answers (reported): no
    rows, `open` false. A phone deletes its copy once its queue is sent or shown as not sent
    (a queued answer can no longer be saved: the checklist is part of the issued report)."""
    return _head(user, audit) | {
        "open": False,
        "message": _("The audit is reported: its checklist takes no more answers."),
        "rows": [],
    }


def device_key(user: User) -> str:
    """The key the phone encrypts this user's offline records with (AES-256, base64): derived
    from the server's secret for this user, so the same at every login (a queue left at
    logout is read again at the next one), handed only to the user logged in; the phone
    deletes it when it shows the login page."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"qms-offline-copy:{user.id}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _head(user: User, audit: Audit) -> dict[str, Any]:
    return {
        "key": device_key(user),
        "audit": {
            "id": audit.id,
            "reference": audit.reference,
            "status": audit.status.value,
            "agency": audit.agency.name,
            "standards": [s.code for s in audit.standards],
        },
        "user": user.id,
        "read_at": utcnow().isoformat() + "Z",
    }


def rules() -> dict[str, Any]:
    """The finding grades, the results' labels and the rules of record_row a row must meet:
    the phone checks a row typed offline against them before it is queued."""
    return {
        "grades": [
            {"key": g.key, "label": str(g.label), "result": g.result.value} for g in grades.grades()
        ],
        "results": {"": _("Not answered yet")}
        | {r.value: str(label) for r, label in RowResult.labels().items()},
        # the rules of record_row, checked on the phone before a row is queued
        "rules": {
            "finding_results": [r.value for r in FINDING_RESULTS],
            "evidence_required": [RowResult.NONCONFORM.value],
            "messages": {
                "grade": _("Choose the grade."),
                "evidence": _(
                    "A nonconformity needs its objective evidence: what was seen, read or heard."
                ),
                "statement": _("Write the finding's statement."),
            },
        },
    }
