"""Document control rules, called through the operations and the workflow: numbering, every
transition of the revision workflow, the forbidden ones, concurrency, access, periodic review and
reminders."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from qms import create_app
from qms.core import access
from qms.core.errors import DomainError, PermissionDenied, StaleRecordError
from qms.core.history import HistoryEntry
from qms.core.mail import OutboxMessage, run_reminders
from qms.core.roles import Role
from qms.core.timeutil import add_months, today
from qms.documents import numbering, operations, queries, workflow
from qms.documents.models import (
    Document,
    DocumentRevision,
    DocumentType,
    ReviewOutcome,
    RevisionState,
)
from qms.extensions import db
from qms.files.models import StoredFile
from tests.factories import AgencyFactory, user_with_role
from tests.factories_documents import (
    PDF,
    RevisionFactory,
    agency_head,
    city_admin,
    effective_revision,
    new_document,
    officer,
)


@pytest.fixture(autouse=True)
def _request(app):
    """Refusals carry translated messages, which need a request (as in the views and API)."""
    with app.test_request_context():
        yield


@pytest.fixture
def dukcapil():
    return AgencyFactory(code="DUKCAPIL", name="Dinas Dukcapil")


# --- numbering ----------------------------------------------------------------------------


def test_codes_are_numbered_per_agency_and_type(app, dukcapil):
    rsud = AgencyFactory(code="RSUD", city=dukcapil.city)
    author = city_admin(dukcapil)
    first = new_document(author, dukcapil, "Penerbitan KTP-el")
    second = new_document(author, dukcapil, "Penerbitan Kartu Keluarga")
    form = operations.create_document(
        author, dukcapil, DocumentType.FORM, operations.DocumentValues(title="F-1.02")
    )
    other = new_document(author, rsud, "Pendaftaran Rawat Jalan")
    assert [first.code, second.code, form.code, other.code] == [
        "SOP-DUKCAPIL-001",
        "SOP-DUKCAPIL-002",
        "FRM-DUKCAPIL-001",
        "SOP-RSUD-001",
    ]


def test_the_code_pattern_is_configurable(app, dukcapil):
    app.config["DOCUMENT_CODE_PATTERN"] = "{agency}/{type}/{seq:04d}"
    document = new_document(officer(dukcapil), dukcapil)
    assert document.code == "DUKCAPIL/SOP/0001"


def test_the_code_pattern_is_read_from_the_environment(app, monkeypatch, test_settings):
    monkeypatch.setenv("QMS_DOCUMENT_CODE_PATTERN", "{agency}.{type}.{seq:02d}")
    configured = create_app("testing", test_settings)
    assert configured.config["DOCUMENT_CODE_PATTERN"] == "{agency}.{type}.{seq:02d}"
    monkeypatch.setenv("QMS_DOCUMENT_CODE_PATTERN", "{type}-{agency}")
    with pytest.raises(RuntimeError, match="seq"):
        create_app("testing", test_settings)


def test_a_pattern_without_sequence_is_refused_at_start_up():
    with pytest.raises(RuntimeError, match="seq"):
        numbering.check_code_pattern("{type}-{agency}")
    with pytest.raises(RuntimeError, match="invalid"):
        numbering.check_code_pattern("{type}-{unknown}-{seq}")


def test_numbering_retries_when_another_session_took_the_number(
    app, dukcapil, test_settings, monkeypatch
):
    author = officer(dukcapil)
    agency_id, author_id = dukcapil.id, author.id
    db.session.commit()
    other_app = create_app("testing", test_settings)
    real_next_seq = numbering.next_seq
    raced = []

    def racing_next_seq(agency, doc_type):
        number = real_next_seq(agency, doc_type)
        if not raced:  # another office registers a document between our read and our insert
            raced.append(number)
            with other_app.app_context():
                from qms.accounts.models import User
                from qms.organisations.models import Agency

                operations.create_document(
                    db.session.get(User, author_id),
                    db.session.get(Agency, agency_id),
                    DocumentType.PROCEDURE,
                    operations.DocumentValues(title="Dari sesi lain"),
                )
                db.session.commit()
                db.session.remove()
                db.engine.dispose()
        return number

    monkeypatch.setattr(numbering, "next_seq", racing_next_seq)
    document = new_document(author, dukcapil, "Dari sesi ini")
    db.session.commit()
    assert raced == [1]
    assert document.code == "SOP-DUKCAPIL-002"
    codes = db.session.scalars(select(Document.code).order_by(Document.code)).all()
    assert codes == ["SOP-DUKCAPIL-001", "SOP-DUKCAPIL-002"]


def test_a_record_needs_a_retention_period_and_units_must_be_the_agencys(app, dukcapil):
    author = officer(dukcapil)
    with pytest.raises(DomainError) as refused:
        operations.create_document(
            author, dukcapil, DocumentType.RECORD, operations.DocumentValues(title="Register")
        )
    assert refused.value.field == "retention_years"
    record = operations.create_document(
        author,
        dukcapil,
        DocumentType.RECORD,
        operations.DocumentValues(title="Register KTP-el", retention_years=5),
    )
    assert record.code == "RKM-DUKCAPIL-001"
    from tests.factories import UnitFactory

    foreign_unit = UnitFactory()
    with pytest.raises(DomainError) as refused:
        operations.update_document(
            author,
            record,
            operations.DocumentValues(title="X", owner_unit_id=foreign_unit.id, retention_years=5),
        )
    assert refused.value.field == "owner_unit_id"


# --- the revision workflow ----------------------------------------------------------------


def test_every_allowed_transition(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    rev1 = operations.create_revision(author, document, "Terbitan pertama", {"procedure": "A"})
    assert rev1.state == RevisionState.DRAFT

    workflow.transition(author, rev1, "submit")
    assert rev1.state == RevisionState.IN_REVIEW
    workflow.transition(approver, rev1, "request_changes", comment="Lengkapi rekaman.")
    assert (rev1.state, rev1.review_comment) == (RevisionState.DRAFT, "Lengkapi rekaman.")
    operations.update_revision(author, rev1, "Terbitan pertama", {"procedure": "A", "records": "R"})
    workflow.transition(author, rev1, "submit")
    workflow.transition(approver, rev1, "approve")
    assert (rev1.state, rev1.approved_by_id) == (RevisionState.APPROVED, approver.id)
    workflow.transition(author, rev1, "make_effective", effective_on=date(2026, 1, 5))
    assert rev1.state == RevisionState.EFFECTIVE
    assert document.current_revision_id == rev1.id
    assert document.next_review_on == date(2027, 1, 5)

    rev2 = effective_revision(document, author, approver, "B", effective_on=today())
    assert rev1.state == RevisionState.SUPERSEDED
    assert rev1.ended_on == today()
    assert (rev2.state, document.current_revision_id) == (RevisionState.EFFECTIVE, rev2.id)

    workflow.withdraw_document(author, document, "Layanan dialihkan ke MPP.")
    assert rev2.state == RevisionState.OBSOLETE
    assert document.current_revision_id is None
    assert document.status.value == "withdrawn"
    notes = db.session.scalars(
        select(HistoryEntry.note).where(
            HistoryEntry.record_type == "document_revisions", HistoryEntry.record_id == rev1.id
        )
    ).all()
    assert "transition:approve" in notes and "transition:supersede" in notes


def test_approving_ones_own_revision_is_refused(app, dukcapil):
    author = officer(dukcapil)
    # a form: the agency's quality officers approve forms, so only the author rule refuses
    document = operations.create_document(
        author, dukcapil, DocumentType.FORM, operations.DocumentValues(title="Formulir F-1.02")
    )
    revision = operations.create_revision(author, document, "Awal", {"procedure": "A"})
    workflow.transition(author, revision, "submit")
    assert [t.name for t in workflow.available_steps(revision, author)] == ["request_changes"]
    with pytest.raises(PermissionDenied, match="orang lain yang harus menyetujuinya"):
        workflow.transition(author, revision, "approve")
    assert revision.state == RevisionState.IN_REVIEW


def test_approving_a_revision_not_in_review_is_refused(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    revision = operations.create_revision(author, document, "Awal", {"procedure": "A"})
    with pytest.raises(DomainError, match="tidak dapat dilakukan selama status"):
        workflow.transition(approver, revision, "approve")
    with pytest.raises(DomainError, match="tidak dapat dilakukan selama status"):
        workflow.transition(author, revision, "make_effective")
    workflow.transition(author, revision, "submit")
    workflow.transition(approver, revision, "approve")
    with pytest.raises(DomainError, match="tidak dapat dilakukan selama status"):
        workflow.transition(approver, revision, "approve")
    with pytest.raises(DomainError, match="Tindakan tidak dikenal"):
        workflow.transition(approver, revision, "supersede")


def test_other_workflow_refusals(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    empty = operations.create_revision(author, document, "Awal", {})
    with pytest.raises(DomainError, match="Tulis teksnya atau lampirkan berkasnya"):
        workflow.transition(author, empty, "submit")
    with pytest.raises(DomainError, match="masih dalam proses"):
        operations.create_revision(author, document, "Kedua", {"procedure": "B"})
    operations.update_revision(author, empty, "Awal", {"procedure": "A"})
    workflow.transition(author, empty, "submit")
    with pytest.raises(DomainError, match="Sebutkan apa yang perlu diperbaiki"):
        workflow.transition(approver, empty, "request_changes", comment=" ")
    with pytest.raises(DomainError, match="Hanya draf"):
        operations.update_revision(author, empty, "Awal", {"procedure": "changed in review"})
    workflow.transition(approver, empty, "approve")
    with pytest.raises(DomainError, match="masa depan"):
        workflow.transition(
            author, empty, "make_effective", effective_on=today() + timedelta(days=1)
        )
    with pytest.raises(DomainError, match="Hanya dokumen dengan revisi yang berlaku"):
        workflow.withdraw_document(author, document, "Tidak dipakai.")


def test_a_discarded_draft_stays_in_the_history_and_no_longer_blocks(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    rev1 = effective_revision(document, author, approver, "Teks berlaku")
    rev2 = operations.create_revision(author, document, "Usulan", {"procedure": "Usulan batal"})
    assert [t.name for t in workflow.available_steps(rev2, author)] == ["submit", "discard"]
    with pytest.raises(DomainError, match="Sebutkan mengapa draf ini dibatalkan") as refused:
        workflow.transition(author, rev2, "discard", comment="  ")
    assert refused.value.field == "comment"

    workflow.transition(author, rev2, "discard", comment="Perda batal terbit.")
    assert (rev2.state, rev2.discard_reason) == (RevisionState.DISCARDED, "Perda batal terbit.")
    assert rev2.state_label == "Dibatalkan"
    assert document.open_revision is None
    assert (document.current_revision_id, document.status.value) == (rev1.id, "effective")
    notes = db.session.scalars(
        select(HistoryEntry.note).where(
            HistoryEntry.record_type == "document_revisions", HistoryEntry.record_id == rev2.id
        )
    ).all()
    assert "transition:discard" in notes
    assert workflow.available_steps(rev2, author) == []
    with pytest.raises(DomainError, match="Hanya draf"):
        operations.update_revision(author, rev2, "Usulan", {"procedure": "lagi"})

    rev3 = effective_revision(document, author, approver, "Teks baru")
    assert [(r.number, r.state) for r in document.revisions] == [
        (1, RevisionState.SUPERSEDED),
        (2, RevisionState.DISCARDED),
        (3, RevisionState.EFFECTIVE),
    ]
    assert queries.previous_revision(rev3) == rev1  # the difference skips the discarded draft
    assert queries.previous_revision(rev1) is None
    assert db.session.get(DocumentRevision, rev2.id) is not None  # never deleted


def test_only_drafts_are_discarded_and_only_by_the_agencys_managers(app, dukcapil):
    author, approver, admin = officer(dukcapil), agency_head(dukcapil), city_admin(dukcapil)
    document = new_document(author, dukcapil)
    revision = operations.create_revision(author, document, "Awal", {"procedure": "A"})
    city = dukcapil.city
    outsiders = [
        officer(AgencyFactory(city=city)),
        user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=city)),
        user_with_role(Role.MANAGEMENT_VIEWER, city=city),
        user_with_role(Role.BSN_REVIEWER),
    ]
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            workflow.transition(user, revision, "discard", comment="Tidak perlu.")
    assert revision.state == RevisionState.DRAFT
    for step, actor in (("submit", author), ("approve", approver), ("make_effective", admin)):
        workflow.transition(actor, revision, step)
        with pytest.raises(DomainError, match="tidak dapat dilakukan selama status"):
            workflow.transition(admin, revision, "discard", comment="Tidak perlu.")
    assert revision.state == RevisionState.EFFECTIVE
    draft = operations.create_revision(author, document, "Kedua", {"procedure": "B"})
    with pytest.raises(PermissionDenied):  # the head approves; the managers keep the drafts
        workflow.transition(approver, draft, "discard", comment="Tidak perlu.")
    workflow.transition(admin, draft, "discard", comment="Digabung ke revisi berikutnya.")
    assert draft.state == RevisionState.DISCARDED  # the city admin may discard the officer's


def test_a_stale_form_is_refused(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    revision = operations.create_revision(author, document, "Awal", {"procedure": "A"})
    opened_at = revision.version
    workflow.transition(author, revision, "submit")
    with pytest.raises(StaleRecordError, match="Orang lain mengubah"):
        workflow.transition(approver, revision, "approve", expected_version=opened_at)


def _approve_in(other_app, revision_id: int, user_id: int, action: str) -> None:
    from qms.accounts.models import User

    with other_app.app_context():
        workflow.transition(
            db.session.get(User, user_id), db.session.get(DocumentRevision, revision_id), action
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_two_approvals_at_once_leave_exactly_one_effective_revision(app, dukcapil, test_settings):
    """Two people in two app instances: both read the revision in review, one commits first;
    the other's write is refused by the version check in the database, with a readable message.
    """
    author, approver = officer(dukcapil), agency_head(dukcapil)
    second_approver = agency_head(dukcapil)
    document = new_document(author, dukcapil)
    revision = operations.create_revision(author, document, "Awal", {"procedure": "A"})
    workflow.transition(author, revision, "submit")
    db.session.commit()
    db.session.refresh(revision)  # the second approver has the revision loaded, in review
    assert revision.state == RevisionState.IN_REVIEW

    other_app = create_app("testing", test_settings)
    _approve_in(other_app, revision.id, approver.id, "approve")
    _approve_in(other_app, revision.id, author.id, "make_effective")

    with pytest.raises(StaleRecordError, match="Orang lain mengubah dokumen ini"):
        workflow.transition(second_approver, revision, "approve")
    db.session.rollback()
    effective = db.session.scalars(
        select(DocumentRevision).where(
            DocumentRevision.document_id == document.id,
            DocumentRevision.state == RevisionState.EFFECTIVE,
        )
    ).all()
    assert [r.id for r in effective] == [revision.id]
    assert db.session.get(DocumentRevision, revision.id).approved_by_id == approver.id


def test_two_revisions_taking_effect_at_once_leave_one_effective(app, dukcapil, test_settings):
    """Even past the service's one-open-revision rule, the document's version and the partial
    unique index let only one revision take effect."""
    author = officer(dukcapil)
    document = new_document(author, dukcapil)
    first = RevisionFactory(document=document, number=1, state=RevisionState.APPROVED)
    second = RevisionFactory(document=document, number=2, state=RevisionState.APPROVED)
    db.session.commit()
    db.session.refresh(document)
    db.session.refresh(second)

    _approve_in(create_app("testing", test_settings), first.id, author.id, "make_effective")
    with pytest.raises(StaleRecordError):
        workflow.transition(author, second, "make_effective")
    db.session.rollback()
    assert db.session.get(Document, document.id).current_revision_id == first.id
    assert db.session.get(DocumentRevision, second.id).state == RevisionState.APPROVED


def test_the_database_refuses_a_second_effective_revision(app, dukcapil):
    document = new_document(officer(dukcapil), dukcapil)
    RevisionFactory(document=document, number=1, state=RevisionState.EFFECTIVE)
    second = RevisionFactory(document=document, number=2, state=RevisionState.DRAFT)
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(DocumentRevision)
            .where(DocumentRevision.id == second.id)
            .values(state=RevisionState.EFFECTIVE)
        )
    db.session.rollback()


# --- files --------------------------------------------------------------------------------


def _zip(*entries: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("sop.pdf", PDF, "application/pdf"),
        (
            "sop.docx",
            _zip(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "sop.odt",
            _zip(("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<x/>")),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "daftar.xlsx",
            _zip(("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("alur.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        ("foto", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg"),  # no extension needed
    ],
)
def test_the_accepted_file_types_are_read_from_the_content(
    app, dukcapil, name, content, content_type
):
    author = officer(dukcapil)
    revision = operations.create_revision(author, new_document(author, dukcapil), "Awal", {})
    stored = operations.attach_file(author, revision, (io.BytesIO(content), name))
    assert (stored.original_name, stored.content_type, stored.size) == (
        name,
        content_type,
        len(content),
    )


def test_a_zip_named_like_a_document_is_refused(app, dukcapil):
    author = officer(dukcapil)
    revision = operations.create_revision(author, new_document(author, dukcapil), "Awal", {})
    disguised = _zip(("isi.txt", "bukan dokumen"))
    with pytest.raises(DomainError, match="Jenis berkas ini tidak diterima") as refused:
        operations.attach_file(author, revision, (io.BytesIO(disguised), "sop.docx"))
    assert refused.value.field == "file"
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0


# --- access -------------------------------------------------------------------------------


def test_who_sees_and_who_changes(app, dukcapil):
    author = officer(dukcapil)
    document = new_document(author, dukcapil)
    revision = operations.create_revision(author, document, "Awal", {"procedure": "A"})
    city = dukcapil.city
    other_officer = officer(AgencyFactory(city=city))
    readers = [
        user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=city)),
        user_with_role(Role.MANAGEMENT_VIEWER, city=city),
        user_with_role(Role.BSN_REVIEWER),
    ]
    managers = [author, city_admin(dukcapil), user_with_role(Role.SYSTEM_ADMIN)]
    for user in managers:
        assert access.can(user, access.EDIT, document)
        assert access.can(user, access.EDIT, revision)
    for user in readers:
        assert access.can(user, access.VIEW, document)
        assert access.can(user, access.VIEW, revision)
        assert not access.can(user, access.EDIT, document)
        with pytest.raises(PermissionDenied):
            operations.create_revision(user, document, "X", {"procedure": "B"})
    strangers = [
        other_officer,
        user_with_role(Role.COOP_OFFICER, city=city),
        user_with_role(Role.CITY_ADMIN, city=AgencyFactory().city),
    ]
    for user in strangers:
        assert not access.can(user, access.VIEW, document)
        assert not access.can(user, access.VIEW, revision)
        assert queries.master_list(user) == []
        with pytest.raises(PermissionDenied):
            workflow.transition(user, revision, "submit")
    with pytest.raises(PermissionDenied):
        new_document(other_officer, dukcapil)


# --- periodic review ----------------------------------------------------------------------


def test_review_with_no_change_moves_the_next_date_on(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, effective_on=today() - timedelta(days=350))
    assert queries.review_state(document) == "due"
    due = document.next_review_on

    review = operations.review_document(author, document, ReviewOutcome.NO_CHANGE, "Masih sesuai.")
    assert (review.due_on, review.reviewed_on) == (due, today())
    assert document.next_review_on == add_months(today(), 12)
    assert review.next_review_on == document.next_review_on
    assert queries.review_state(document) is None
    assert document.current_revision.number == 1


def test_review_can_start_a_new_draft(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, "Teks lama", today() - timedelta(days=400))
    assert queries.review_state(document) == "overdue"
    review = operations.review_document(
        author, document, ReviewOutcome.REVISION, "Tambah layanan daring."
    )
    assert review.revision.number == 2
    assert review.revision.state == RevisionState.DRAFT
    assert review.revision.procedure == "Teks lama"  # starts from the effective text
    assert review.revision.change_summary == "Tambah layanan daring."


def test_review_period_change_moves_the_next_review(app, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, effective_on=date(2026, 1, 31))
    assert document.next_review_on == date(2027, 1, 31)
    operations.update_document(
        author, document, operations.DocumentValues(title=document.title, review_period_months=1)
    )
    assert document.next_review_on == date(2026, 2, 28)


def test_reviews_are_only_for_effective_documents(app, dukcapil):
    author = officer(dukcapil)
    document = new_document(author, dukcapil)
    with pytest.raises(DomainError, match="revisi yang berlaku"):
        operations.review_document(author, document, ReviewOutcome.NO_CHANGE)


# --- reminders ----------------------------------------------------------------------------


def test_review_reminders_go_to_the_agencys_officers_once(app, dukcapil):
    author, approver = officer(dukcapil, email="mutu@dukcapil.test"), agency_head(dukcapil)
    other_officer = officer(AgencyFactory(city=dukcapil.city), email="mutu@lain.test")
    due_doc = new_document(author, dukcapil, "Penerbitan KTP-el")
    effective_revision(due_doc, author, approver, effective_on=date(2025, 12, 15))
    late_doc = new_document(author, dukcapil, "Penerbitan KK")
    effective_revision(late_doc, author, approver, effective_on=date(2025, 10, 1))
    calm_doc = new_document(author, dukcapil, "Akta Kelahiran")
    effective_revision(calm_doc, author, approver, effective_on=date(2026, 6, 1))

    first = run_reminders(date(2026, 11, 28))
    again = run_reminders(date(2026, 11, 28))
    next_day = run_reminders(date(2026, 11, 29))
    assert [(m.to, m.subject) for m in first] == [
        ("mutu@dukcapil.test", "Tinjauan jatuh tempo: SOP-DUKCAPIL-001 Penerbitan KTP-el"),
        ("mutu@dukcapil.test", "Tinjauan terlambat: SOP-DUKCAPIL-002 Penerbitan KK"),
    ]
    assert again == [] and next_day == []
    assert "15 Desember 2026" in first[0].body
    assert f"/documents/{due_doc.id}" in first[0].body
    # besides the approver's mail of each submission ("event:" keys)
    reminders = select(func.count(OutboxMessage.id)).where(~OutboxMessage.key.like("event:%"))
    assert db.session.scalar(reminders) == 2
    assert other_officer.email not in {m.to for m in first}

    overdue = run_reminders(date(2026, 12, 16))  # the due review is now overdue: one more mail
    assert [m.subject for m in overdue] == [
        "Tinjauan terlambat: SOP-DUKCAPIL-001 Penerbitan KTP-el"
    ]
