from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from qms.accounts.models import User
from qms.audits import figures
from qms.audits.models import Audit, RowResult
from qms.core.roles import Role
from qms.demo import seed
from qms.documents.models import Document, DocumentRevision, RevisionState
from qms.extensions import db
from qms.organisations.models import Agency
from qms.standards.models import Clause, Question


def test_demo_documents_are_seeded_once(app):
    with app.test_request_context():
        seed()
        counts = (
            db.session.scalar(select(func.count(Document.id))),
            db.session.scalar(select(func.count(DocumentRevision.id))),
        )
        seed()
    assert counts[0] >= 10
    assert counts == (
        db.session.scalar(select(func.count(Document.id))),
        db.session.scalar(select(func.count(DocumentRevision.id))),
    )
    ktp = db.session.scalar(select(Document).where(Document.title == "Penerbitan KTP-el"))
    assert ktp.code == "SOP-DUKCAPIL-001"
    assert [(r.number, r.state) for r in ktp.revisions] == [
        (1, RevisionState.SUPERSEDED),
        (2, RevisionState.EFFECTIVE),
        (3, RevisionState.IN_REVIEW),  # awaiting the agency head's approval
    ]
    assert ktp.revisions[0].approved_by_id != ktp.revisions[0].author_id
    # the agency head signs the SOPs (qms/documents/approvers.py)
    approver = db.session.get(User, ktp.revisions[1].approved_by_id)
    assert approver.email == "kepala.dukcapil@demo.qms.id"
    assert ktp.agency_id in approver.agency_ids(Role.AGENCY_HEAD)
    agencies = {d.agency.code for d in db.session.scalars(select(Document))}
    assert agencies == {"DUKCAPIL", "RSUD", "SETDA"}


def test_the_demo_agrees_with_itself(app):
    """Issue 14 item 8: the finding about SOP KTP-el revision 2 and the register agree; no
    figure for 9.3.2 and 9.3.3 beside the major finding on 9.3.1; a good practice is filed
    once; RSUD's checklist asks nothing about KTP-el."""
    with app.test_request_context():
        seed()
        ktp = db.session.scalar(select(Document).where(Document.title == "Penerbitan KTP-el"))
        audit = db.session.scalar(select(Audit).where(Audit.reference == "AMI-2026-DUKCAPIL"))
        (document_finding,) = [f for f in audit.findings if f.clause.number == "7.5.3.2"]
        in_force = ktp.current_revision
        assert in_force.number == 2 and in_force.effective_on == date(2026, 3, 3)
        assert ktp.revisions[0].ended_on == date(2026, 3, 3)
        assert ktp.code in document_finding.evidence
        assert "revisi 2 berlaku sejak 3 Maret 2026" in document_finding.evidence
        assert "revisi 1" in document_finding.evidence
        assert in_force.effective_on < audit.actual_start

        grades = {f.clause.number: f.grade for f in audit.findings}
        assert grades["9.3.1"] == "major"
        by_clause = figures.clause_tallies([audit.id])[audit.id]
        assert "9.3.1" in by_clause
        assert "9.3.2" not in by_clause and "9.3.3" not in by_clause

        for each in db.session.scalars(select(Audit)):
            practices = [r.notes for r in each.rows if r.result == RowResult.GOOD_PRACTICE]
            assert len(practices) == len(set(practices)), each.reference
        assert sum(r.result == RowResult.GOOD_PRACTICE for r in audit.rows) == 1

        rsud = db.session.scalars(
            select(Audit).join(Agency, Agency.id == Audit.agency_id).where(Agency.code == "RSUD")
        ).all()
        assert len(rsud) == 2
        for each in rsud:
            assert not [r for r in each.rows if "KTP-el" in r.question_text]
        # the planned audit's checklist is drawn from these questions when it starts
        scope = ("7.1", "8.5", "9.1")
        asked = [
            q.text_id + q.text_en
            for q in db.session.scalars(select(Question).join(Clause))
            if q.clause.number.startswith(scope)
        ]
        assert len(asked) > 20 and not [text for text in asked if "KTP-el" in text]
