"""/api/v1 for documents and revisions: the same rules as the pages."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from qms.core.roles import Role
from qms.core.timeutil import today
from qms.documents import operations
from qms.documents.models import DocumentRevision, RevisionState
from qms.extensions import db
from qms.files.models import StoredFile
from tests.conftest import Api
from tests.factories import AgencyFactory, user_with_role
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


def versioned(api: Api, record_path: str, body: dict) -> dict:
    """The body with the version of the record as just read: every change carries it."""
    return {**body, "version": api.get(record_path).json["data"]["version"]}


def test_the_whole_workflow_through_the_api(client, api):
    dukcapil = AgencyFactory(code="DUKCAPIL")
    author, approver = officer(dukcapil), agency_head(dukcapil)
    as_author = api.as_user(author)
    created = as_author.post(
        "/documents",
        json={"agency_id": dukcapil.id, "doc_type": "procedure", "title": "Penerbitan KTP-el"},
    )
    assert created.status_code == 201, created.json
    document = created.json["data"]
    assert (document["code"], document["status"]) == ("SOP-DUKCAPIL-001", "not_yet_effective")

    revision = as_author.post(
        f"/documents/{document['id']}/revisions",
        json={"change_summary": "Terbitan pertama", "procedure": "1. Terima berkas."},
    ).json["data"]
    assert (revision["number"], revision["state"]) == (1, "draft")
    revision_path = f"/document-revisions/{revision['id']}"
    unversioned = as_author.patch(revision_path, json={"purpose": "Pelayanan yang benar."})
    assert unversioned.status_code == 422 and list(unversioned.json["error"]["fields"]) == [
        "version"
    ]
    changed = as_author.patch(
        revision_path,
        json=versioned(as_author, revision_path, {"purpose": "Pelayanan yang benar."}),
    ).json["data"]
    assert changed["sections"]["purpose"] == "Pelayanan yang benar."
    assert changed["sections"]["procedure"] == "1. Terima berkas."
    path = f"/document-revisions/{revision['id']}/transition"
    submitted = as_author.post(path, json=versioned(as_author, revision_path, {"action": "submit"}))
    assert submitted.json["data"]["state"] == "in_review"
    own = as_author.post(path, json=versioned(as_author, revision_path, {"action": "approve"}))
    assert own.status_code == 403
    assert "orang lain yang harus menyetujuinya" in own.json["error"]["message"]

    as_approver = Api(client).as_user(approver)
    approve = versioned(as_approver, revision_path, {"action": "approve"})
    approved = as_approver.post(path, json=approve).json["data"]
    assert (approved["state"], approved["approved_by_id"]) == ("approved", approver.id)
    again = as_approver.post(
        path, json=versioned(as_approver, revision_path, {"action": "approve"})
    )
    assert again.status_code == 422
    effective = as_author.post(
        path,
        json=versioned(
            as_author,
            revision_path,
            {"action": "make_effective", "effective_on": today().isoformat()},
        ),
    )
    assert effective.json["data"]["state"] == "effective"

    listed = as_author.get("/documents?status=effective").json["data"]
    assert [(d["code"], d["current_revision"]) for d in listed] == [("SOP-DUKCAPIL-001", 1)]
    document_path = f"/documents/{document['id']}"
    review = as_author.post(
        f"{document_path}/reviews",
        json=versioned(as_author, document_path, {"outcome": "revision"}),
    )
    assert review.status_code == 201
    revisions = as_author.get(f"/documents/{document['id']}/revisions").json["data"]
    assert [(r["number"], r["state"]) for r in revisions] == [(1, "effective"), (2, "draft")]
    assert revisions[1]["sections"]["procedure"] == "1. Terima berkas."


def test_api_denials_and_validation(client, api):
    dukcapil = AgencyFactory(code="DUKCAPIL")
    author = officer(dukcapil)
    as_author = api.as_user(author)
    document = as_author.post(
        "/documents", json={"agency_id": dukcapil.id, "doc_type": "form", "title": "F-1.02"}
    ).json["data"]
    invalid = as_author.post(
        "/documents",
        json={"agency_id": dukcapil.id, "doc_type": "record", "title": "Register"},
    )
    assert invalid.status_code == 422
    assert invalid.json["error"]["fields"] == {
        "retention_years": ["Rekaman memerlukan masa simpan (klausul 7.5.3)."]
    }
    stale = as_author.patch(f"/documents/{document['id']}", json={"title": "X", "version": 99})
    assert stale.status_code == 409, stale.json

    stranger = Api(client).as_user(officer(AgencyFactory(city=dukcapil.city)))
    assert stranger.get(f"/documents/{document['id']}").status_code == 404
    assert stranger.get("/documents").json["data"] == []
    assert (
        stranger.post(
            "/documents", json={"agency_id": dukcapil.id, "doc_type": "form", "title": "X"}
        ).status_code
        == 422
    )
    bsn = Api(client).as_user(user_with_role(Role.BSN_REVIEWER))
    assert bsn.get(f"/documents/{document['id']}").status_code == 200
    refused = bsn.post(f"/documents/{document['id']}/revisions", json={"change_summary": "Coba"})
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count(DocumentRevision.id))) == 0
    openapi = client.get("/api/v1/openapi.json").json
    assert "/api/v1/document-revisions/{revision_id}/transition" in openapi["paths"]


# --- files through the API ----------------------------------------------------------------


@pytest.fixture
def draft(app):
    dukcapil = AgencyFactory(code="DUKCAPIL")
    author = officer(dukcapil)
    with app.test_request_context():
        document = new_document(author, dukcapil)
        revision = operations.create_revision(author, document, "Terbitan pertama", {})
    return revision


def _upload(api: Api, revision_id: int, content: bytes, name: str, **fields):
    return api.post(f"/document-revisions/{revision_id}/files", **multipart(fields, content, name))


def test_a_file_is_attached_through_the_api_and_makes_the_draft_submittable(api, draft):
    as_author = api.as_user(draft.author)
    attached = _upload(as_author, draft.id, PDF, "SOP KTP-el.pdf", description="Ditandatangani")
    assert attached.status_code == 201, attached.json
    data = attached.json["data"]
    assert (data["name"], data["content_type"], data["size"]) == (
        "SOP KTP-el.pdf",
        "application/pdf",
        len(PDF),
    )
    assert data["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert data["description"] == "Ditandatangani"
    assert data["download_url"] == f"/api/v1/files/{data['id']}"
    with as_author.client.get(data["download_url"], headers=as_author._headers()) as downloaded:
        assert downloaded.status_code == 200 and downloaded.data == PDF
        assert downloaded.headers["Content-Disposition"].startswith("attachment;")
    assert as_author.client.get(data["download_url"]).status_code == 401
    stranger = api.as_user(officer(AgencyFactory(code="RSUD")))
    assert stranger.get(f"/files/{data['id']}").status_code == 404
    as_author = api.as_user(draft.author)
    revision = as_author.get(f"/document-revisions/{draft.id}").json["data"]
    assert [f["id"] for f in revision["files"]] == [data["id"]]
    submitted = as_author.post(
        f"/document-revisions/{draft.id}/transition",
        json=versioned(as_author, f"/document-revisions/{draft.id}", {"action": "submit"}),
    )
    assert submitted.json["data"]["state"] == "in_review"  # a file alone is content
    late = _upload(as_author, draft.id, PDF, "lagi.pdf")
    assert late.status_code == 422
    assert "Hanya draf yang dapat diubah" in late.json["error"]["message"]
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS)
def test_bad_files_through_the_api_are_refused_and_leave_nothing(
    web_app, api, draft, upload_dir, name, content, message
):
    web_app.config["MAX_UPLOAD_MB"] = 1
    before = set(upload_dir.iterdir())
    refused = _upload(api.as_user(draft.author), draft.id, content, name)
    assert refused.status_code == 422
    assert message in refused.json["error"]["message"]
    assert message in refused.json["error"]["fields"]["file"][0]
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    assert set(upload_dir.iterdir()) == before


def test_an_upload_without_a_file_is_a_field_error(api, draft):
    as_author = api.as_user(draft.author)
    missing = as_author.post(f"/document-revisions/{draft.id}/files", json={"description": "x"})
    assert missing.status_code == 422
    assert missing.json["error"]["fields"] == {"file": ["Kolom ini wajib diisi."]}


def test_only_the_agencys_managers_attach_files_through_the_api(client, draft):
    city = draft.document.agency.city
    denied = {
        404: [officer(AgencyFactory(city=city))],
        403: [
            user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=city)),
            user_with_role(Role.MANAGEMENT_VIEWER, city=city),
            user_with_role(Role.BSN_REVIEWER),
        ],
    }
    for status, users in denied.items():
        for user in users:
            refused = _upload(Api(client).as_user(user), draft.id, PDF, "sop.pdf")
            assert refused.status_code == status, (user.email, refused.json)
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    admin = Api(client).as_user(city_admin(draft.document.agency))
    assert _upload(admin, draft.id, PDF, "sop.pdf").status_code == 201


# --- discarding a draft through the API ---------------------------------------------------


def test_a_draft_is_discarded_through_the_api_and_a_new_one_can_start(app, api):
    dukcapil = AgencyFactory(code="DUKCAPIL")
    author, approver = officer(dukcapil), agency_head(dukcapil)
    with app.test_request_context():
        document = new_document(author, dukcapil)
        effective_revision(document, author, approver, "Teks berlaku")
        draft = operations.create_revision(author, document, "Usulan", {"procedure": "Usulan"})
    as_author = api.as_user(author)
    path = f"/document-revisions/{draft.id}/transition"
    no_reason = as_author.post(path, json={"action": "discard", "version": draft.version})
    assert no_reason.status_code == 422
    assert no_reason.json["error"]["fields"] == {
        "comment": ["Sebutkan mengapa draf ini dibatalkan."]
    }

    discarded = as_author.post(
        path,
        json={
            "action": "discard",
            "comment": "Aturan baru batal terbit.",
            "version": draft.version,
        },
    )
    assert discarded.status_code == 200, discarded.json
    assert discarded.json["data"]["state"] == "discarded"
    assert discarded.json["data"]["discard_reason"] == "Aturan baru batal terbit."
    again = as_author.post(
        path,
        json=versioned(
            as_author, f"/document-revisions/{draft.id}", {"action": "discard", "comment": "Lagi."}
        ),
    )
    assert again.status_code == 422

    shown = as_author.get(f"/documents/{document.id}").json["data"]
    assert (shown["status"], shown["current_revision"]) == ("effective", 1)
    started = as_author.post(f"/documents/{document.id}/revisions", json={"change_summary": "Lagi"})
    assert started.status_code == 201, started.json
    revisions = as_author.get(f"/documents/{document.id}/revisions").json["data"]
    assert [(r["number"], r["state"]) for r in revisions] == [
        (1, "effective"),
        (2, "discarded"),
        (3, "draft"),
    ]


def test_only_the_agencys_managers_discard_through_the_api(app, client):
    dukcapil = AgencyFactory(code="DUKCAPIL")
    author = officer(dukcapil)
    with app.test_request_context():
        document = new_document(author, dukcapil)
        draft = operations.create_revision(author, document, "Usulan", {"procedure": "Usulan"})
    city = dukcapil.city
    denied = {
        404: [officer(AgencyFactory(city=city))],
        403: [
            user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=city)),
            user_with_role(Role.MANAGEMENT_VIEWER, city=city),
            user_with_role(Role.BSN_REVIEWER),
        ],
    }
    body = {"action": "discard", "comment": "Tidak perlu.", "version": draft.version}
    for status, users in denied.items():
        for user in users:
            refused = (
                Api(client)
                .as_user(user)
                .post(f"/document-revisions/{draft.id}/transition", json=body)
            )
            assert refused.status_code == status, (user.email, refused.json)
    assert db.session.get(DocumentRevision, draft.id).state == RevisionState.DRAFT
    colleague = Api(client).as_user(officer(dukcapil))  # another officer of the same agency
    done = colleague.post(f"/document-revisions/{draft.id}/transition", json=body)
    assert done.json["data"]["state"] == "discarded"


def test_text_with_a_nul_character_is_a_field_error(api):
    """PostgreSQL cannot store a NUL character: it is refused before any form or query sees it
    (a 422 naming the field, not a 500)."""
    dukcapil = AgencyFactory(code="DUKCAPIL")
    as_author = api.as_user(officer(dukcapil))
    body = {"agency_id": dukcapil.id, "doc_type": "procedure", "title": "SOP\x00KTP"}
    refused = as_author.post("/documents", json=body)
    assert refused.status_code == 422
    assert list(refused.json["error"]["fields"]) == ["title"]
    unusable = as_author.get("/documents?q=SOP%00")
    assert unusable.status_code == 422 and list(unusable.json["error"]["fields"]) == ["q"]
