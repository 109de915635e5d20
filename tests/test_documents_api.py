"""/api/v1 for documents and revisions: the same rules as the pages."""

from __future__ import annotations

from sqlalchemy import func, select

from qms.accounts.models import Role
from qms.core.timeutil import today
from qms.documents.models import DocumentRevision
from qms.extensions import db
from tests.factories import AgencyFactory, user_with_role
from tests.factories_documents import city_admin, officer


def test_the_whole_workflow_through_the_api(client, api):
    dukcapil = AgencyFactory(code="DUKCAPIL")
    author, approver = officer(dukcapil), city_admin(dukcapil)
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
    changed = as_author.patch(
        f"/document-revisions/{revision['id']}", json={"purpose": "Pelayanan yang benar."}
    ).json["data"]
    assert changed["sections"]["purpose"] == "Pelayanan yang benar."
    assert changed["sections"]["procedure"] == "1. Terima berkas."
    path = f"/document-revisions/{revision['id']}/transition"
    assert as_author.post(path, json={"action": "submit"}).json["data"]["state"] == "in_review"
    own = as_author.post(path, json={"action": "approve"})
    assert own.status_code == 403
    assert "orang lain yang harus menyetujuinya" in own.json["error"]["message"]

    from tests.conftest import Api

    as_approver = Api(client).as_user(approver)
    approved = as_approver.post(path, json={"action": "approve"}).json["data"]
    assert (approved["state"], approved["approved_by_id"]) == ("approved", approver.id)
    again = as_approver.post(path, json={"action": "approve"})
    assert again.status_code == 422
    effective = as_approver.post(
        path, json={"action": "make_effective", "effective_on": today().isoformat()}
    )
    assert effective.json["data"]["state"] == "effective"

    listed = as_author.get("/documents?status=effective").json["data"]
    assert [(d["code"], d["current_revision"]) for d in listed] == [("SOP-DUKCAPIL-001", 1)]
    review = as_author.post(f"/documents/{document['id']}/reviews", json={"outcome": "revision"})
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

    from tests.conftest import Api

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
