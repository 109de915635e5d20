"""An action of a management review that raises a nonconformity or starts a revision of a
document is linked both ways: the review's action links to the record with its current status,
the record's page links back to the review's action; each link only for a viewer who may open
its target. An officer of another agency follows neither; the BSN reviewer reads both."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from qms.capa import workflow as capa_workflow
from qms.capa.models import NcStatus, Nonconformity
from qms.core.review_inputs import action_origin, action_outlet
from qms.documents.models import DocumentRevision, RevisionState
from qms.extensions import db
from qms.review import operations
from qms.review.models import ReviewAction
from tests.factories_documents import agency_head, effective_revision, new_document
from tests.factories_plan import make_world
from tests.factories_review import prepared_review


def _action(world, review, description: str) -> ReviewAction:
    values = {"kind": "qms_change", "description": description, "owner": "Kabid"}
    return operations.add_action(world.officer, review, {**values, "due_on": date(2026, 6, 1)})


@pytest.fixture
def linked(app):
    """A review with one action that raised a nonconformity and one that started a revision."""
    world = make_world()
    review = prepared_review(world)
    document = new_document(world.officer, world.agency, title="Pelayanan KTP-el")
    effective_revision(document, world.officer, agency_head(world.agency))
    raise_nc = _action(world, review, "SOP antrean tidak diikuti")
    revise = _action(world, review, "Perbarui SOP antrean")
    operations.link_action(world.officer, raise_nc, "nonconformity")
    operations.link_action(world.officer, revise, "document_revision", document.id)
    db.session.commit()
    nc = db.session.get(Nonconformity, raise_nc.link_id)
    revision = db.session.get(DocumentRevision, revise.link_id)
    return world, review, raise_nc, revise, nc, revision


def _status(label) -> str:
    with force_locale("id"):
        return str(label)


def test_the_review_and_the_records_link_to_each_other(linked, client, auth):
    world, review, raise_nc, revise, nc, revision = linked
    assert revision.state is RevisionState.DRAFT and revision.document.title == "Pelayanan KTP-el"
    back = f"/review/{review.id}#action-{raise_nc.id}"
    back_revision = f"/review/{review.id}#action-{revise.id}"

    for reader in (world.officer, world.bsn):
        auth.login(reader)
        page = client.get(f"/review/{review.id}").get_data(as_text=True)
        assert f'id="action-{raise_nc.id}"' in page and f'id="action-{revise.id}"' in page
        assert f'href="/capa/{nc.id}"' in page and nc.number in page
        assert _status(NcStatus.OPEN.label) in page
        assert f'href="/documents/revisions/{revision.id}"' in page
        assert _status(RevisionState.DRAFT.label) in page
        nc_page = client.get(f"/capa/{nc.id}")
        assert nc_page.status_code == 200 and f'href="{back}"' in nc_page.get_data(as_text=True)
        revision_page = client.get(f"/documents/revisions/{revision.id}")
        assert revision_page.status_code == 200
        text = revision_page.get_data(as_text=True)
        assert f'href="{back_revision}"' in text and "Perbarui SOP antrean" in text
        auth.logout()

    # the review's action follows the record's status as it moves on
    capa_workflow.transition(world.officer, nc, "record_correction", {"correction": "Lembur."})
    db.session.commit()
    auth.login(world.bsn)
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert _status(nc.status.label) in page and nc.status is not NcStatus.OPEN


def test_an_officer_of_another_agency_follows_neither_link(linked, client, auth):
    world, review, _raise_nc, _revise, nc, revision = linked
    for stranger in (world.other_officer, world.stranger):
        auth.login(stranger)
        assert client.get(f"/review/{review.id}").status_code == 404
        assert client.get(f"/capa/{nc.id}").status_code == 404
        assert client.get(f"/documents/revisions/{revision.id}").status_code == 404
        auth.logout()
        # nor do the links name anything to them
        assert action_origin("nonconformity", nc.id, stranger) is None
        assert action_origin("document_revision", revision.id, stranger) is None
        described = action_outlet("nonconformity").describe(nc.id, stranger)
        assert described is not None and described.url is None
        described = action_outlet("document_revision").describe(revision.id, stranger)
        assert described is not None and described.url is None
    # the reviewer may: the origin names the review and its action
    origin = action_origin("nonconformity", nc.id, world.bsn)
    assert origin is not None and origin.review == review.title
    assert origin.action == "SOP antrean tidak diikuti"
    # a record opened by no review action has no origin
    assert action_origin("nonconformity", nc.id + 1000, world.bsn) is None


def test_a_record_is_claimed_by_one_action_only(linked):
    world, review, _raise_nc, _revise, nc, _revision = linked
    other = _action(world, review, "Tindakan lain")
    other.link_kind, other.link_id = "nonconformity", nc.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
