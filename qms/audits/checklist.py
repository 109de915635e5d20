"""Writing an audit's checklist: its rows (from the standard's questions, the auditor's own,
copied from an earlier audit), the answers, the graded findings they make and their evidence.
Each operation checks the actor's permission and flushes; the caller commits."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from qms.accounts.models import User
from qms.audits import grades
from qms.audits.models import (
    FINDING_RESULTS,
    Audit,
    ChecklistRow,
    Finding,
    FindingClause,
    RowResult,
)
from qms.audits.numbering import next_finding_number
from qms.audits.policies import PREPARE
from qms.audits.queries import scope_questions
from qms.core import access, archiving
from qms.core.errors import DomainError, PermissionDenied, ValidationFailed
from qms.core.models import check_version, stale_write_refused
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.standards.models import Clause


def _next_position(audit: Audit) -> int:
    return max((r.position for r in audit.rows), default=0) + 1


def generate_checklist(audit: Audit) -> int:
    """Add a row for each of the standard's questions in scope not yet on the checklist."""
    present = {r.question_id for r in audit.rows if r.question_id}
    added = 0
    position = _next_position(audit)
    for question in scope_questions(audit):
        if question.id in present:
            continue
        audit.rows.append(
            ChecklistRow(clause_id=question.clause_id, question_id=question.id, position=position)
        )
        position += 1
        added += 1
    db.session.flush()
    return added


def _check_preparable(actor: User, audit: Audit) -> None:
    # who may change the audit at all (not once the report is issued) is told apart from the
    # city administrator, who plans the audit but does not write its checklist
    access.authorize(actor, access.EDIT, audit)
    if not access.can(actor, PREPARE, audit):
        raise PermissionDenied(_l("Only the audit's team writes its checklist."))


def add_standard_questions(actor: User, audit: Audit) -> int:
    _check_preparable(actor, audit)
    return generate_checklist(audit)


def add_row(actor: User, audit: Audit, clause_id: int, text: str) -> ChecklistRow:
    """The auditor's own question, under one of the standard's clauses."""
    _check_preparable(actor, audit)
    clause = db.session.get(Clause, clause_id) if clause_id else None
    if clause is None or clause.standard_id not in {s.id for s in audit.standards}:
        raise DomainError(_l("Choose a clause of the audit's standard."), field="clause_id")
    if not text.strip():
        raise DomainError(_l("Write the question."), field="text")
    row = ChecklistRow(clause_id=clause.id, text=text.strip(), position=_next_position(audit))
    audit.rows.append(row)
    db.session.flush()
    return row


def copy_checklist(actor: User, audit: Audit, source: Audit) -> int:
    """Copy the questions (not the answers) of an earlier audit of the same agency; questions
    already on the checklist are skipped."""
    _check_preparable(actor, audit)
    if source.agency_id != audit.agency_id or source.id == audit.id:
        raise DomainError(_l("Copy from an earlier audit of the same agency."), field="source_id")
    access.authorize(actor, access.VIEW, source)
    present = {(r.clause_id, r.question_id, r.text) for r in audit.rows}
    position = _next_position(audit)
    added = 0
    audited = {s.id for s in audit.standards}
    for row in source.rows:
        key = (row.clause_id, row.question_id, row.text)
        # questions of a standard this audit does not cover are left behind
        if key in present or row.clause.standard_id not in audited:
            continue
        audit.rows.append(
            ChecklistRow(
                clause_id=row.clause_id,
                question_id=row.question_id,
                text=row.text,
                position=position,
            )
        )
        present.add(key)
        position += 1
        added += 1
    db.session.flush()
    return added


# --- answers and findings -----------------------------------------------------------------


def _default_requirement(row: ChecklistRow) -> str:
    # stored once, in the language of the report (Indonesian), whoever is logged in
    clause = row.clause
    title = f"({clause.title_id})" if clause.untitled else clause.title_id
    return f"{clause.standard.code} {clause.number} {title}"


def stale_row_message(row: ChecklistRow) -> str:
    """Why a save based on an older read of the row is refused, with what the row holds now
    (the user's own input stays in their form, nothing of it was written)."""
    changed_by = db.session.get(User, row.changed_by_id) if row.changed_by_id else None
    who = changed_by.name if changed_by else _("another auditor")
    current = RowResult.labels()[row.result] if row.result else _("Not answered yet")
    if row.finding:
        current = f"{current}, {row.finding.number}: {row.finding.statement}"
    if row.notes:
        current = f"{current}. {_('Notes')}: {row.notes}"
    # plain gettext: the names and notes are user data, never part of a (safe) lazy string
    return _(
        "This row was changed by %(name)s meanwhile, so your answer was not saved. Its "
        "current answer: %(current)s. Reload the row to see it, then record yours again if it "
        "still applies.",
        name=who,
        current=current,
    )


def record_row(
    actor: User, row: ChecklistRow, values: dict[str, Any], *, version: int | None = None
) -> ChecklistRow:
    """Save the auditor's answer to one row. A nonconform, observation or opportunity row is a
    finding: it needs a grade of that kind and a statement, and a nonconformity also needs its
    objective evidence. Changing the result away from a finding archives the finding.

    `version` is the row's version the auditor read: if another save came in between, the
    save is refused (StaleRecordError) and nothing changes."""
    access.authorize(actor, access.EDIT, row)
    check_version(row, version, stale_row_message(row))
    result = RowResult(values["result"]) if values.get("result") else None
    row.result = result
    row.notes = (values.get("notes") or "").strip()
    row.answered_by_id = actor.id if result else None
    row.answered_at = utcnow() if result else None
    row.changed_by_id = actor.id
    # every save moves the row's version, also one that changed only the finding or changed
    # nothing: whoever read the row before it must look again
    flag_modified(row, "changed_by_id")
    finding = row.finding
    if result in FINDING_RESULTS:
        _save_finding(row, finding, result, values)
    elif finding is not None:
        archiving.mark_archived(actor, finding)
    # a save that committed between this request's read and its write (same version read)
    with stale_write_refused(
        _l("Someone saved this row at the same moment; reload it to see their answer.")
    ):
        db.session.flush()
    db.session.expire(row, ["finding"])
    return row


def _save_finding(
    row: ChecklistRow, finding: Finding | None, result: RowResult, values: dict[str, Any]
) -> Finding:
    """A finding's fields checked all at once: every field refused says why, together, so
    the auditor fixes the row in one go."""
    choices = grades.grades_for(result)
    key = values.get("grade") or (choices[0].key if len(choices) == 1 else "")
    chosen = next((g for g in choices if g.key == key), None)
    evidence = (values.get("evidence") or "").strip()
    statement = (values.get("statement") or "").strip()
    errors: dict[str, list[str]] = {}
    if chosen is None:
        errors["grade"] = [
            _("Choose the grade: %(grades)s.", grades=", ".join(str(g.label) for g in choices))
        ]
    # a nonconform result takes only a nonconformity's grades: it needs its evidence
    if result == RowResult.NONCONFORM and not evidence:
        errors["evidence"] = [
            _("A nonconformity needs its objective evidence: what was seen, read or heard.")
        ]
    if not statement:
        errors["statement"] = [_("Write the finding's statement.")]
    others = _other_clauses(row, values.get("other_clause_ids"))
    if others is False:
        errors["other_clause_ids"] = [_("Choose clauses of the audit's standards.")]
    if errors or chosen is None:
        raise ValidationFailed(errors, " ".join(m for ms in errors.values() for m in ms))
    if finding is None:
        seq, number = next_finding_number(row.audit)
        finding = Finding(
            audit_id=row.audit_id, row_id=row.id, seq=seq, number=number, clause_id=row.clause_id
        )
        db.session.add(finding)
    finding.grade = chosen.key
    finding.follow_up_required = chosen.follow_up_required
    finding.requirement = (values.get("requirement") or "").strip() or (
        finding.requirement or _default_requirement(row)
    )
    finding.evidence = evidence
    finding.statement = statement
    if isinstance(others, list):
        kept = [link for link in finding.other_clause_links if link.clause in others]
        present = {link.clause_id for link in kept}
        finding.other_clause_links = kept + [
            FindingClause(clause_id=c.id, clause=c) for c in others if c.id not in present
        ]
    return finding


def _other_clauses(row: ChecklistRow, clause_ids: list[int] | None) -> list[Clause] | bool | None:
    """The further clauses a finding is to breach: clauses of the audit's standards (in an
    integrated audit, typically the same clause of the other standard), never its row's own;
    None: unchanged; False: one of them is not a clause of the audit's standards."""
    if clause_ids is None:
        return None
    wanted = list(dict.fromkeys(int(i) for i in clause_ids if int(i) != row.clause_id))
    if not wanted:
        return []
    # no autoflush: the row's save is flushed once, where a stale version is told apart
    with db.session.no_autoflush:
        audited = {s.id for s in row.audit.standards}
        found = {c.id: c for c in db.session.scalars(select(Clause).where(Clause.id.in_(wanted)))}
    if any(i not in found or found[i].standard_id not in audited for i in wanted):
        return False
    return [found[i] for i in wanted]


def update_finding(
    actor: User, finding: Finding, values: dict[str, Any], *, version: int | None = None
) -> Finding:
    """Change a finding's grade or texts; its row's result follows the grade. `version` is
    that of the finding's checklist row, as read (see `record_row`)."""
    chosen = grades.grade(values.get("grade") or finding.grade)
    if chosen is None:
        raise DomainError(_l("Unknown grade."), field="grade")
    row = finding.row
    merged = {
        "result": chosen.result.value,
        "notes": row.notes,
        "grade": chosen.key,
        "requirement": values.get("requirement", finding.requirement),
        "evidence": values.get("evidence", finding.evidence),
        "statement": values.get("statement", finding.statement),
        "other_clause_ids": values.get("other_clause_ids"),
    }
    record_row(actor, row, merged, version=version)
    return finding
