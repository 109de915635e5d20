from __future__ import annotations

from sqlalchemy import func, select

from qms.demo import seed
from qms.documents.models import Document, DocumentRevision, RevisionState
from qms.extensions import db


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
        (1, RevisionState.EFFECTIVE),
        (2, RevisionState.DRAFT),
    ]
    assert ktp.revisions[0].approved_by_id != ktp.revisions[0].author_id
    agencies = {d.agency.code for d in db.session.scalars(select(Document))}
    assert agencies == {"DUKCAPIL", "RSUD", "SETDA"}
