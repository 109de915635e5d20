"""Approval by whoever the agency authorises (ISO 9001 7.5.2): the agency head for the quality
manual, policy and SOPs, quality officers for the working papers, by default; each agency may
say otherwise; the city admin approves only where named; the author never approves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qms.core.errors import DomainError, PermissionDenied
from qms.core.roles import Role
from qms.documents import approvers, operations, workflow
from qms.documents.models import DocumentApprover, DocumentType, RevisionState
from qms.extensions import db
from tests.factories import AgencyFactory, user_with_role
from tests.factories_documents import agency_head, city_admin, new_document, officer


@pytest.fixture
def people(app):
    with app.test_request_context():
        dukcapil = AgencyFactory(code="DUKCAPIL")
        yield {
            "agency": dukcapil,
            "author": officer(dukcapil, name="Maria Bria"),
            "officer": officer(dukcapil, name="Yosef Lay"),
            "head": agency_head(dukcapil, name="Kepala Dinas"),
            "admin": city_admin(dukcapil),
            "other_head": agency_head(AgencyFactory(city=dukcapil.city), name="Kepala lain"),
            "reviewer": user_with_role(Role.BSN_REVIEWER),
        }


def _in_review(people, doc_type: DocumentType = DocumentType.PROCEDURE):
    author = people["author"]
    if doc_type == DocumentType.PROCEDURE:
        document = new_document(author, people["agency"])
    else:
        document = operations.create_document(
            author, people["agency"], doc_type, operations.DocumentValues(title="Formulir")
        )
    revision = operations.create_revision(author, document, "Awal", {"procedure": "A"})
    workflow.transition(author, revision, "submit")
    return revision


def test_by_default_the_agency_head_approves_sops_and_no_one_else(people):
    revision = _in_review(people)
    for who in ("officer", "admin", "other_head"):
        with pytest.raises(PermissionDenied):
            workflow.transition(people[who], revision, "approve")
        assert "approve" not in [s.name for s in workflow.available_steps(revision, people[who])]
    with pytest.raises(PermissionDenied, match="orang lain yang harus menyetujuinya"):
        workflow.transition(people["author"], revision, "approve")
    assert [s.name for s in workflow.available_steps(revision, people["head"])] == [
        "request_changes",
        "approve",
    ]
    workflow.transition(people["head"], revision, "approve")
    assert (revision.state, revision.approved_by_id) == (
        RevisionState.APPROVED,
        people["head"].id,
    )
    with pytest.raises(PermissionDenied):  # the head approves; the officers put into effect
        workflow.transition(people["head"], revision, "make_effective")


def test_by_default_quality_officers_approve_forms(people):
    revision = _in_review(people, DocumentType.FORM)
    for who in ("head", "admin"):
        with pytest.raises(PermissionDenied):
            workflow.transition(people[who], revision, "approve")
    with pytest.raises(PermissionDenied, match="orang lain"):
        workflow.transition(people["author"], revision, "approve")
    workflow.transition(people["officer"], revision, "approve")
    assert revision.state == RevisionState.APPROVED


def test_an_agency_names_its_approvers_and_the_city_admin_only_where_named(people):
    agency = people["agency"]
    table = approvers.configure(
        people["head"], agency, {DocumentType.PROCEDURE: {Role.CITY_ADMIN, Role.AGENCY_HEAD}}
    )
    assert table[DocumentType.PROCEDURE] == {Role.CITY_ADMIN, Role.AGENCY_HEAD}
    assert table[DocumentType.FORM] == {Role.QUALITY_OFFICER}  # the others keep the default
    revision = _in_review(people)
    workflow.transition(people["admin"], revision, "approve")
    assert revision.approved_by_id == people["admin"].id
    approvers.configure(people["admin"], agency, {DocumentType.PROCEDURE: {Role.AGENCY_HEAD}})
    rows = db.session.scalars(select(DocumentApprover.role)).all()
    assert rows == [Role.AGENCY_HEAD]  # the city admin's row removed (in the history)


def test_only_the_head_and_the_city_admin_configure_and_never_to_nobody(people):
    agency = people["agency"]
    for who in ("officer", "author", "other_head"):
        with pytest.raises(PermissionDenied):
            approvers.configure(people[who], agency, {DocumentType.FORM: {Role.AGENCY_HEAD}})
    with pytest.raises(DomainError) as empty:
        approvers.configure(people["head"], agency, {DocumentType.FORM: set()})
    assert empty.value.field == "form"
    with pytest.raises(DomainError) as odd:
        approvers.configure(people["head"], agency, {DocumentType.FORM: {Role.BSN_REVIEWER}})
    assert odd.value.field == "form"
    assert db.session.scalar(select(DocumentApprover.id)) is None


def test_the_approvers_page_and_its_refusals(client, auth, app):
    with app.test_request_context():
        dukcapil = AgencyFactory(code="DUKCAPIL")
        author, head = officer(dukcapil), agency_head(dukcapil)
        stranger = officer(AgencyFactory(city=dukcapil.city))
        reviewer = user_with_role(Role.BSN_REVIEWER)
        db.session.commit()
    page = f"/documents/approvers/{dukcapil.id}"
    auth.login(author)
    shown = client.get(page).get_data(as_text=True)
    assert "Kepala OPD" in shown and f'href="{page}/edit"' not in shown
    assert client.get(f"{page}/edit").status_code == 403
    assert client.post(f"{page}/edit", data={"procedure": "quality_officer"}).status_code == 403
    auth.logout()
    auth.login(stranger)
    assert client.get(page).status_code == 404
    auth.logout()
    auth.login(reviewer)
    assert client.get(page).status_code == 200
    assert client.post(f"{page}/edit", data={"procedure": "quality_officer"}).status_code in (
        303,
        403,
    )
    auth.logout()
    auth.login(head)
    form = {t.value: sorted(r.value for r in roles) for t, roles in approvers.DEFAULTS.items()}
    refused = client.post(f"{page}/edit", data={**form, "procedure": []})
    assert refused.status_code == 422
    changed = client.post(f"{page}/edit", data={**form, "procedure": ["quality_officer"]})
    assert changed.status_code == 302
    with app.test_request_context():
        assert approvers.table(dukcapil.id)[DocumentType.PROCEDURE] == {Role.QUALITY_OFFICER}


def test_the_approvers_api_and_its_refusals(api, app):
    with app.test_request_context():
        dukcapil = AgencyFactory(code="DUKCAPIL")
        author, head = officer(dukcapil), agency_head(dukcapil)
        stranger = officer(AgencyFactory(city=dukcapil.city))
        reviewer = user_with_role(Role.BSN_REVIEWER)
        db.session.commit()
    path = f"/agencies/{dukcapil.id}/document-approvers"
    read = api.as_user(author).get(path)
    assert read.status_code == 200
    assert read.json["data"]["procedure"] == ["agency_head"]
    assert read.json["data"]["form"] == ["quality_officer"]
    assert api.as_user(author).patch(path, json={"form": ["agency_head"]}).status_code == 403
    assert api.as_user(reviewer).patch(path, json={"form": ["agency_head"]}).status_code == 403
    assert api.as_user(stranger).get(path).status_code == 404
    as_head = api.as_user(head)
    bad = as_head.patch(path, json={"procedure": ["bsn_reviewer"]})
    assert bad.status_code == 422 and list(bad.json["error"]["fields"]) == ["procedure"]
    empty = as_head.patch(path, json={"procedure": []})
    assert empty.status_code == 422 and list(empty.json["error"]["fields"]) == ["procedure"]
    done = as_head.patch(path, json={"procedure": ["agency_head", "city_admin"]})
    assert done.status_code == 200, done.json
    assert done.json["data"]["procedure"] == ["agency_head", "city_admin"]
    assert done.json["data"]["form"] == ["quality_officer"]


def test_the_agency_head_role_is_granted_with_its_agency(people):
    from qms.accounts.operations import assign_role
    from tests.factories import UserFactory

    someone = UserFactory(name="Calon Kepala")
    with pytest.raises(DomainError) as no_agency:
        assign_role(None, someone, Role.AGENCY_HEAD, city=people["agency"].city)
    assert no_agency.value.field == "agency_id"
    granted = assign_role(None, someone, Role.AGENCY_HEAD, agency=people["agency"])
    assert (granted.agency_id, granted.city_id) == (people["agency"].id, people["agency"].city_id)
    assert someone.agency_ids(Role.AGENCY_HEAD) == {people["agency"].id}
