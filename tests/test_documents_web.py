"""Document control through the pages, as the offices use it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from qms import create_app
from qms.core.i18n import fmt_date
from qms.core.mail import OutboxMessage
from qms.core.roles import Role
from qms.core.timeutil import add_months, today
from qms.documents import operations, workflow
from qms.documents.models import Document, DocumentRevision, RevisionState
from qms.extensions import db
from qms.files.models import StoredFile
from tests.conftest import Auth, QmsClient
from tests.factories import AgencyFactory, UnitFactory, user_with_role
from tests.factories_documents import (
    BAD_UPLOADS,
    PDF,
    agency_head,
    city_admin,
    effective_revision,
    multipart,
    new_document,
    officer,
)


@pytest.fixture
def dukcapil():
    return AgencyFactory(code="DUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil")


def _revision(document: Document, number: int) -> DocumentRevision:
    return db.session.scalar(
        select(DocumentRevision).where(
            DocumentRevision.document_id == document.id, DocumentRevision.number == number
        )
    )


def _act(client, revision: DocumentRevision, action: str, **data):
    """Take a step as the revision page does: with the version read."""
    version = db.session.get(DocumentRevision, revision.id).version
    return client.post(
        f"/documents/revisions/{revision.id}/transition",
        data={"action": action, "version": version, **data},
    )


def test_done_when_ktp_el_procedure_from_draft_to_effect_and_revised(client, auth, dukcapil):
    """A Dukcapil quality officer takes the KTP-el procedure through review, approval (by the
    city administrator) and effect, revises it, and sees revision 1 superseded by revision 2
    with the difference and the review due date."""
    unit = UnitFactory(agency=dukcapil, name="Seksi Identitas Penduduk")
    maria = officer(dukcapil, name="Maria Bria")
    admin = city_admin(dukcapil)
    head = agency_head(dukcapil, name="Kepala Dinas")

    auth.login(maria)
    created = client.post(
        "/documents/new",
        data={
            "agency_id": dukcapil.id,
            "doc_type": "procedure",
            "title": "Penerbitan KTP-el",
            "owner_unit_id": unit.id,
            "review_period_months": 12,
        },
    )
    document = db.session.scalar(select(Document))
    assert created.status_code == 302 and document.code == "SOP-DUKCAPIL-001"
    client.post(
        f"/documents/{document.id}/revisions/new",
        data={
            "change_summary": "Terbitan pertama",
            "purpose": "Menjamin penerbitan KTP-el yang benar.",
            "procedure": "1. Terima berkas.\n2. Rekam biometrik.\n3. Cetak KTP-el.",
        },
    )
    rev1 = _revision(document, 1)
    assert rev1.state == RevisionState.DRAFT
    assert _act(client, rev1, "submit", version=rev1.version).status_code == 302
    own = client.get(f"/documents/revisions/{rev1.id}").get_data(as_text=True)
    assert "Setujui" not in own  # the author is not offered the approval
    refused = _act(client, rev1, "approve", version=rev1.version)
    assert refused.status_code == 403
    assert "orang lain yang harus menyetujuinya" in refused.get_data(as_text=True)
    auth.logout()

    auth.login(admin)  # the city admin no longer approves an agency's SOPs
    assert _act(client, rev1, "approve", version=rev1.version).status_code == 403
    auth.logout()
    auth.login(head)
    assert "Setujui" in client.get(f"/documents/revisions/{rev1.id}").get_data(as_text=True)
    assert _act(client, rev1, "approve", version=rev1.version).status_code == 302
    auth.logout()
    auth.login(admin)
    done = _act(client, rev1, "make_effective", version=rev1.version, effective_on=today())
    assert done.status_code == 302
    assert rev1.state == RevisionState.EFFECTIVE
    auth.logout()

    auth.login(maria)
    client.post(
        f"/documents/{document.id}/revisions/new",
        data={
            "change_summary": "Notifikasi WhatsApp saat KTP-el siap",
            "purpose": "Menjamin penerbitan KTP-el yang benar.",
            "procedure": "1. Terima berkas.\n2. Rekam biometrik.\n3. Cetak KTP-el.\n"
            "4. Kirim pemberitahuan WhatsApp.",
        },
    )
    rev2 = _revision(document, 2)
    _act(client, rev2, "submit", version=rev2.version)
    auth.logout()
    auth.login(head)
    _act(client, rev2, "approve", version=rev2.version)
    auth.logout()
    auth.login(admin)
    _act(client, rev2, "make_effective", version=rev2.version, effective_on=today())
    auth.logout()

    auth.login(maria)
    assert (rev1.state, rev2.state) == (RevisionState.SUPERSEDED, RevisionState.EFFECTIVE)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Digantikan" in page and "Revisi 2, berlaku mulai" in page
    assert document.next_review_on == add_months(today(), 12)
    with client.application.test_request_context():
        assert f"{fmt_date(document.next_review_on)}" in page  # the review due date is shown
    diff = client.get(f"/documents/{document.id}/diff?from=1&to=2").get_data(as_text=True)
    assert "<ins>4. Kirim pemberitahuan WhatsApp.</ins>" in diff
    assert "Revisi 1 → revisi 2" in diff


def test_the_diff_escapes_what_users_wrote(client, auth, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, "Langkah lama")
    effective_revision(document, author, approver, '<script>alert("x")</script>')
    auth.login(author)
    diff = client.get(f"/documents/{document.id}/diff").get_data(as_text=True)
    assert "<script>alert" not in diff
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in diff


def test_two_approvers_in_two_app_instances_one_wins(
    web_app, client, auth, dukcapil, test_settings
):
    author, admin = officer(dukcapil), city_admin(dukcapil)
    first_approver, second_approver = agency_head(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    revision = effective_revision(document, author, first_approver)  # rev 1 in force
    rev2 = operations.create_revision(author, document, "Revisi", {"procedure": "Baru"})
    workflow.transition(author, rev2, "submit")
    db.session.commit()
    opened = rev2.version  # both approvers open the page now

    other = create_app("testing", test_settings)
    other.test_client_class = QmsClient
    second_client = other.test_client()
    auth.login(first_approver)
    Auth(second_client).login(second_approver)

    assert _act(client, rev2, "approve", version=opened).status_code == 302
    late = _act(second_client, rev2, "approve", version=opened)
    assert late.status_code == 303
    message = second_client.get(late.headers["Location"]).get_data(as_text=True)
    assert "Orang lain mengubah data ini setelah Anda membukanya" in message
    assert rev2.approved_by_id == first_approver.id

    effective_version = rev2.version
    auth.logout()
    auth.login(author)
    Auth(second_client).logout()
    Auth(second_client).login(admin)
    assert _act(client, rev2, "make_effective", version=effective_version).status_code == 302
    assert _act(second_client, rev2, "make_effective", version=effective_version).status_code == 303
    effective = db.session.scalars(
        select(DocumentRevision.number).where(
            DocumentRevision.document_id == document.id,
            DocumentRevision.state == RevisionState.EFFECTIVE,
        )
    ).all()
    assert effective == [2]
    assert revision.state == RevisionState.SUPERSEDED
    with other.app_context():
        db.engine.dispose()


def test_other_agencies_see_nothing_and_readers_cannot_write(client, auth, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil, "Penerbitan KTP-el")
    revision = effective_revision(document, author, approver)
    stranger = officer(AgencyFactory(city=dukcapil.city))
    auth.login(stranger)
    assert client.get(f"/documents/{document.id}").status_code == 404
    assert client.get(f"/documents/revisions/{revision.id}").status_code == 404
    assert "Penerbitan KTP-el" not in client.get("/documents/").get_data(as_text=True)
    assert client.post(f"/documents/{document.id}/revisions/new", data={}).status_code == 404
    auth.logout()

    auditor = user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=dukcapil.city))
    viewer = user_with_role(Role.MANAGEMENT_VIEWER, city=dukcapil.city)
    bsn = user_with_role(Role.BSN_REVIEWER)
    for reader in (auditor, viewer, bsn):
        auth.login(reader)
        page = client.get(f"/documents/{document.id}")
        assert page.status_code == 200
        assert "Revisi baru" not in page.get_data(as_text=True)
        assert client.get(f"/documents/{document.id}/revisions/new").status_code == 403
        assert client.get("/documents/new").status_code == 403
        refused = client.post(f"/documents/{document.id}/review", data={"outcome": "no_change"})
        assert refused.status_code in (303, 403)
        auth.logout()
    assert document.reviews == []
    assert db.session.scalar(select(func.count(DocumentRevision.id))) == 1


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS)
def test_bad_uploads_are_refused_and_leave_nothing(
    web_app, client, auth, dukcapil, upload_dir, name, content, message
):
    web_app.config["MAX_UPLOAD_MB"] = 1
    author = officer(dukcapil)
    document = new_document(author, dukcapil)
    auth.login(author)
    before = set(upload_dir.iterdir())

    refused = client.post(
        f"/documents/{document.id}/revisions/new",
        **multipart({"change_summary": "Terbitan pertama"}, content, name),
    )
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(DocumentRevision.id))) == 0

    revision_page = client.post(
        f"/documents/{document.id}/revisions/new",
        data={"change_summary": "Terbitan pertama", "procedure": "1. Terima berkas."},
    )
    revision = _revision(document, 1)
    assert revision_page.status_code == 302
    attach = client.post(
        f"/documents/revisions/{revision.id}/files", **multipart({}, content, name)
    )
    assert attach.status_code == 422
    assert message in attach.get_data(as_text=True)
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    assert set(upload_dir.iterdir()) == before


def test_a_real_pdf_is_attached_and_downloadable(client, auth, dukcapil):
    author = officer(dukcapil)
    document = new_document(author, dukcapil)
    auth.login(author)
    client.post(
        f"/documents/{document.id}/revisions/new",
        data={"change_summary": "Terbitan pertama", "file": (io.BytesIO(PDF), "SOP KTP-el.pdf")},
        content_type="multipart/form-data",
    )
    stored = db.session.scalar(select(StoredFile))
    assert stored.original_name == "SOP KTP-el.pdf" and stored.content_type == "application/pdf"
    revision = _revision(document, 1)
    assert _act(client, revision, "submit").status_code == 302  # a file alone is content
    download = client.get(f"/files/{stored.id}")
    assert download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    auth.logout()
    for reader in (
        user_with_role(Role.BSN_REVIEWER),
        user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=dukcapil.city)),
    ):
        auth.login(reader)  # those who may see the revision may read its file
        read = client.get(f"/files/{stored.id}")
        assert read.status_code == 200
        read.close()
        auth.logout()
    auth.login(officer(AgencyFactory(city=dukcapil.city)))
    assert client.get(f"/files/{stored.id}").status_code == 404


def test_master_list_filters_csv_and_print(client, auth, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    ktp = new_document(author, dukcapil, "Penerbitan KTP-el")
    effective_revision(ktp, author, approver, effective_on=today() - timedelta(days=340))
    new_document(author, dukcapil, "Penerbitan Akta Kelahiran")
    auth.login(author)

    listing = client.get("/documents/").get_data(as_text=True)
    assert "Daftar Induk Dokumen" in listing
    assert "Penerbitan KTP-el" in listing and "Penerbitan Akta Kelahiran" in listing
    due = client.get("/documents/?review=due").get_data(as_text=True)
    assert "Penerbitan KTP-el" in due and "Penerbitan Akta Kelahiran" not in due
    not_yet = client.get("/documents/?status=not_yet_effective").get_data(as_text=True)
    assert "Penerbitan KTP-el" not in not_yet and "Penerbitan Akta Kelahiran" in not_yet
    assert "Akta" in client.get("/documents/?q=akta").get_data(as_text=True)

    export = client.get("/documents/master-list.csv")
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.data.startswith(b"\xef\xbb\xbf")
    lines = export.data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "OPD,Kode,Judul,Jenis,Revisi berlaku,Tanggal berlaku,Tinjauan berikutnya,Status,"
        "Periode tinjauan (bulan),Masa simpan rekaman (tahun)"
    )
    effective_on = (today() - timedelta(days=340)).isoformat()
    assert lines[1] == (
        f"Dinas Kependudukan dan Pencatatan Sipil,SOP-DUKCAPIL-001,Penerbitan KTP-el,"
        f"Prosedur mutu (SOP),1,{effective_on},{ktp.next_review_on.isoformat()},Berlaku,"
        f"{ktp.review_period_months},"
    )
    assert ",Penerbitan Akta Kelahiran,Prosedur mutu (SOP),,,,Belum berlaku," in lines[2]
    filtered = client.get("/documents/master-list.csv?review=due").data.decode("utf-8-sig")
    assert len(filtered.splitlines()) == 2

    printable = client.get("/documents/master-list/print").get_data(as_text=True)
    assert "Daftar Induk Dokumen — Dinas Kependudukan dan Pencatatan Sipil" in printable
    assert "SOP-DUKCAPIL-002" in printable


def test_home_panel_lists_due_and_overdue_reviews(client, auth, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    due = new_document(author, dukcapil, "Penerbitan KTP-el")
    effective_revision(due, author, approver, effective_on=today() - timedelta(days=350))
    late = new_document(author, dukcapil, "Kalibrasi Alat")
    effective_revision(late, author, approver, effective_on=today() - timedelta(days=400))
    calm = new_document(author, dukcapil, "Penerbitan KK")
    effective_revision(calm, author, approver, effective_on=today())
    auth.login(author)
    home = client.get("/").get_data(as_text=True)
    assert "Tinjauan dokumen" in home
    assert "Penerbitan KTP-el" in home and "Tinjauan jatuh tempo" in home
    assert "Kalibrasi Alat" in home and "Tinjauan terlambat" in home
    assert "Penerbitan KK" not in home


def test_review_no_change_through_the_page(client, auth, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, effective_on=today() - timedelta(days=400))
    auth.login(author)
    done = client.post(
        f"/documents/{document.id}/review",
        data={"outcome": "no_change", "notes": "Masih sesuai.", "version": document.version},
    )
    assert done.status_code == 302
    assert document.reviews[0].notes == "Masih sesuai."
    assert document.next_review_on > today()
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Tidak perlu perubahan" in page


def test_the_same_review_posted_twice_is_refused_as_stale(client, auth, dukcapil, api):
    """A double click sends the same "no change" review twice on the same day: it changes no
    field of the document, yet its version moves, so the second post (the same version read)
    is refused and one review is recorded."""
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, effective_on=today() - timedelta(days=400))
    db.session.commit()
    read = document.version
    auth.login(author)
    data = {"outcome": "no_change", "notes": "Masih sesuai.", "version": read}
    assert client.post(f"/documents/{document.id}/review", data=data).status_code == 302
    again = client.post(f"/documents/{document.id}/review", data=data, follow_redirects=True)
    assert "Muat ulang halaman" in again.get_data(as_text=True)
    db.session.expire_all()
    assert len(document.reviews) == 1 and document.version > read
    api.as_user(author)
    body = {"outcome": "no_change", "version": document.version}
    assert api.post(f"/documents/{document.id}/reviews", json=body).status_code == 201
    assert api.post(f"/documents/{document.id}/reviews", json=body).status_code == 409
    db.session.expire_all()
    assert len(document.reviews) == 2


def test_form_errors_are_shown_in_indonesian(client, auth, dukcapil):
    author = officer(dukcapil)
    auth.login(author)
    response = client.post(
        "/documents/new",
        data={
            "agency_id": dukcapil.id,
            "doc_type": "record",
            "title": "Register KTP-el",
            "review_period_months": "dua belas",
        },
    )
    assert response.status_code == 422
    assert "Isi bilangan bulat." in response.get_data(as_text=True)
    response = client.post(
        "/documents/new",
        data={
            "agency_id": dukcapil.id,
            "doc_type": "record",
            "title": "Register KTP-el",
            "review_period_months": 12,
        },
    )
    assert response.status_code == 422
    assert "Rekaman memerlukan masa simpan" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_a_draft_is_discarded_on_its_page_and_a_new_revision_can_start(client, auth, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, "Teks berlaku")
    draft = operations.create_revision(author, document, "Usulan", {"procedure": "Usulan"})
    auth.login(author)
    page = client.get(f"/documents/revisions/{draft.id}").get_data(as_text=True)
    assert "Batalkan draf" in page
    new_link = f'href="/documents/{document.id}/revisions/new"'
    assert new_link not in client.get(f"/documents/{document.id}").get_data(as_text=True)

    no_reason = _act(client, draft, "discard", version=draft.version)
    assert no_reason.status_code == 303
    message = client.get(no_reason.headers["Location"]).get_data(as_text=True)
    assert "Sebutkan mengapa draf ini dibatalkan." in message
    assert draft.state == RevisionState.DRAFT

    done = _act(client, draft, "discard", version=draft.version, comment="Perda batal terbit.")
    assert done.status_code == 302
    assert (draft.state, draft.discard_reason) == (RevisionState.DISCARDED, "Perda batal terbit.")
    shown = client.get(f"/documents/revisions/{draft.id}").get_data(as_text=True)
    assert "Dibatalkan:" in shown and "Perda batal terbit." in shown
    # no more buttons (the history names the step taken: "Batalkan draf")
    before_history = shown[: shown.index('class="history"')]
    assert "Batalkan draf" not in before_history and "Ubah teks" not in shown
    listing = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Dibatalkan" in listing and new_link in listing
    started = client.post(
        f"/documents/{document.id}/revisions/new",
        data={"change_summary": "Usulan lain", "procedure": "Teks baru"},
    )
    assert started.status_code == 302
    assert _revision(document, 3).state == RevisionState.DRAFT
    diff = client.get(f"/documents/{document.id}/diff?to=3").get_data(as_text=True)
    assert "Revisi 1 → revisi 3" in diff  # compared with the effective text, not the discarded


def test_readers_and_other_agencies_cannot_discard_a_draft(client, auth, dukcapil):
    author = officer(dukcapil)
    document = new_document(author, dukcapil)
    draft = operations.create_revision(author, document, "Usulan", {"procedure": "Usulan"})
    city = dukcapil.city
    auth.login(officer(AgencyFactory(city=city)))
    assert _act(client, draft, "discard", comment="Tidak perlu.").status_code == 404
    auth.logout()
    readers = [
        user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=city)),
        user_with_role(Role.MANAGEMENT_VIEWER, city=city),
        user_with_role(Role.BSN_REVIEWER),
    ]
    for reader in readers:
        auth.login(reader)
        page = client.get(f"/documents/revisions/{draft.id}").get_data(as_text=True)
        assert "Batalkan draf" not in page
        refused = _act(client, draft, "discard", comment="Tidak perlu.")
        assert refused.status_code in (303, 403), reader.email
        auth.logout()
    assert draft.state == RevisionState.DRAFT


def test_a_body_over_the_request_limit_is_refused_with_the_reason(
    web_app, client, auth, api, dukcapil, upload_dir
):
    """Past MAX_CONTENT_LENGTH the server stops reading before any view: still a clear reason,
    on the page and in the API, and nothing stored."""
    web_app.config["MAX_CONTENT_LENGTH"] = 4096
    author = officer(dukcapil)
    document = new_document(author, dukcapil)
    draft = operations.create_revision(author, document, "Usulan", {"procedure": "Usulan"})
    before = set(upload_dir.iterdir())
    huge = PDF + b"0" * 8192
    auth.login(author)
    page = client.post(f"/documents/revisions/{draft.id}/files", **multipart({}, huge, "besar.pdf"))
    assert page.status_code == 413
    assert "Berkas lebih besar dari 20 MB." in page.get_data(as_text=True)
    refused = api.as_user(author).post(
        f"/document-revisions/{draft.id}/files", **multipart({}, huge, "besar.pdf")
    )
    assert refused.status_code == 413
    assert refused.json["error"]["fields"] == {"file": ["Berkas lebih besar dari 20 MB."]}
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    assert set(upload_dir.iterdir()) == before


def test_flask_qms_remind_mails_the_reviews_due_and_the_outbox_shows_them(
    runner, client, auth, dukcapil
):
    """The daily cron job, without a request of its own: links point at BASE_URL."""
    author, approver = officer(dukcapil, email="mutu@dukcapil.test"), agency_head(dukcapil)
    document = new_document(author, dukcapil, "Penerbitan KTP-el")
    effective_revision(document, author, approver, effective_on=today() - timedelta(days=350))
    db.session.commit()
    first = runner.invoke(args=["qms", "remind"])
    assert first.exit_code == 0, first.output
    assert "1 reminder(s) queued" in first.output
    assert "0 reminder(s) queued" in runner.invoke(args=["qms", "remind"]).output
    # the reminder (the approver's mail of the submission is an "event:")
    message = db.session.scalar(select(OutboxMessage).where(~OutboxMessage.key.like("event:%")))
    assert message.to == "mutu@dukcapil.test"
    assert message.subject == "Tinjauan jatuh tempo: SOP-DUKCAPIL-001 Penerbitan KTP-el"
    base_url = runner.app.config["BASE_URL"].rstrip("/")
    assert f"{base_url}/documents/{document.id}" in message.body
    auth.login(city_admin(dukcapil))
    outbox = client.get("/outbox").get_data(as_text=True)
    assert "Tinjauan jatuh tempo: SOP-DUKCAPIL-001 Penerbitan KTP-el" in outbox


def test_a_review_that_finds_changes_opens_the_new_draft(client, auth, dukcapil):
    author, approver = officer(dukcapil), agency_head(dukcapil)
    document = new_document(author, dukcapil)
    effective_revision(document, author, approver, "Teks lama", today() - timedelta(days=400))
    auth.login(author)
    done = client.post(
        f"/documents/{document.id}/review",
        data={
            "outcome": "revision",
            "notes": "Tambah layanan daring.",
            "version": document.version,
        },
    )
    draft = _revision(document, 2)
    assert done.status_code == 302
    assert done.headers["Location"] == f"/documents/revisions/{draft.id}/edit"
    assert (draft.state, draft.procedure) == (RevisionState.DRAFT, "Teks lama")
    assert document.reviews[0].revision_id == draft.id
