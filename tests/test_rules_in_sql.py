"""The rules that pages check on one record and the city summary counts in SQL over thousands
(open, overdue, days to answer, answered in time, document status, review due) give the same
answer both ways, on every combination that matters."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from qms.capa.models import Complaint, NcStatus, Nonconformity
from qms.core.timeutil import utcnow
from qms.documents.models import Document, DocumentStatus
from qms.extensions import db
from tests.factories_capa import ComplaintFactory, make_world, raise_nc
from tests.factories_documents import DocumentFactory, RevisionFactory

TODAY = date(2026, 5, 1)


def test_open_and_overdue_nonconformities(app):
    world = make_world()
    ncs = []
    for status in NcStatus:
        for due in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)):
            nc = raise_nc(world)
            nc.status, nc.due_date = status, due
            ncs.append(nc)
    # archived while pending and past its due date: open, but not overdue
    ncs[0].archived_at = utcnow()
    db.session.flush()
    ids = [nc.id for nc in ncs]

    def matching(condition) -> set[int]:
        query = select(Nonconformity.id).where(Nonconformity.id.in_(ids), condition)
        return set(db.session.scalars(query))

    open_ids = {nc.id for nc in ncs if nc.is_open}
    overdue_ids = {nc.id for nc in ncs if nc.is_overdue(TODAY)}
    assert matching(Nonconformity.is_open) == open_ids
    assert matching(Nonconformity.is_overdue(TODAY)) == overdue_ids
    assert len(open_ids) == len(ids) - 3 and 0 < len(overdue_ids) < len(open_ids)
    assert ncs[0].id not in overdue_ids


def test_days_to_answer_a_complaint_and_answered_in_time(app):
    """Working days (SP4N-LAPOR): received on Sunday 1 March 2026 late in the evening."""
    late_evening = datetime(2026, 3, 1, 23, 30)
    answers = [
        None,  # unanswered
        late_evening + timedelta(minutes=10),  # the same day
        late_evening + timedelta(minutes=40),  # after midnight: the next day
        late_evening + timedelta(days=5),  # Friday: five working days
        late_evening + timedelta(days=5, hours=1),  # Saturday: still five
        # 31 March: Nyepi, Idul Fitri and their cuti bersama (18-24 March) do not count
        late_evening + timedelta(days=30),
    ]
    complaints = [
        ComplaintFactory(received_at=late_evening, responded_at=answered) for answered in answers
    ]
    db.session.flush()
    ids = [c.id for c in complaints]
    in_sql = dict(
        db.session.execute(
            select(Complaint.id, Complaint.response_days()).where(Complaint.id.in_(ids))
        ).all()
    )
    assert in_sql == {c.id: c.response_days() for c in complaints}
    assert [c.response_days() for c in complaints] == [None, 0, 1, 5, 5, 17]
    for limit in (0, 5, 17):
        query = select(Complaint.id).where(Complaint.id.in_(ids), Complaint.answered_within(limit))
        assert set(db.session.scalars(query)) == {
            c.id for c in complaints if c.answered_within(limit)
        }
    assert complaints[4].answered_within(5) and not complaints[5].answered_within(16)


def test_document_status_and_review_state(app):
    documents = []
    for status in DocumentStatus:
        for next_review in (
            None,
            TODAY - timedelta(days=1),
            TODAY,
            TODAY + timedelta(days=30),
            TODAY + timedelta(days=31),
        ):
            document = DocumentFactory(next_review_on=next_review)
            if status != DocumentStatus.NOT_YET_EFFECTIVE:
                document.current_revision = RevisionFactory(document=document)
            if status == DocumentStatus.WITHDRAWN:
                document.withdrawn_at = utcnow()
            documents.append(document)
    db.session.flush()
    ids = [d.id for d in documents]
    in_sql = {
        id_: (status, review)
        for id_, status, review in db.session.execute(
            select(Document.id, Document.status, Document.review_state(TODAY)).where(
                Document.id.in_(ids)
            )
        )
    }
    in_python = {d.id: (d.status.value, d.review_state(TODAY)) for d in documents}
    assert in_sql == in_python
    assert [review for status, review in in_python.values() if status == "effective"] == [
        None,
        "overdue",
        "due",
        "due",
        None,
    ]
