"""Correcting a nonconformity's description and archiving an entry raised by mistake: who may,
until when, optimistic locking, the history, the register's archived filter and the API.
(A nonconformity raised from an audit finding keeps the finding's fields:
tests/test_audit_capa_flow.py.)"""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from qms.capa import operations, queries, reminders, workflow
from qms.capa.models import NcStatus, Nonconformity
from qms.core.errors import DomainError, PermissionDenied, StaleRecordError
from qms.core.history import HistoryEntry
from qms.extensions import db
from tests.factories import UnitFactory
from tests.factories_capa import analysed, make_world, raise_nc

NEW_STATEMENT = "Notulen RTM tidak memuat masukan hasil audit dan pengaduan."


@pytest.fixture
def world(app):
    return make_world()


@pytest.fixture
def en(app):
    """Service calls as in a request, their messages in English."""
    with app.test_request_context(), force_locale("en"):
        yield


def history(nc: Nonconformity) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.record_type == "nonconformities", HistoryEntry.record_id == nc.id)
            .order_by(HistoryEntry.id)
        )
    )


def edit_data(nc: Nonconformity, **changes: object) -> dict:
    data = {
        "version": nc.version,
        "unit_id": nc.unit_id or "",
        "source_reference": nc.source_reference,
        "process_or_service": nc.process,
        "clause": nc.clause,
        "criterion": nc.criterion,
        "requirement": nc.requirement,
        "evidence": nc.evidence,
        "statement": nc.statement,
        "auditee_representative": nc.auditee_representative,
        "auditor_id": nc.auditor_id or "",
    }
    data.update(changes)
    return data


# --- operations -------------------------------------------------------------------------------


def test_the_officer_corrects_the_description_and_the_history_keeps_both(world, en):
    nc = raise_nc(world)
    unit = UnitFactory(agency=world.dukcapil, name="Bidang Pelayanan")
    operations.update_details(
        world.officer,
        nc,
        {"statement": f"  {NEW_STATEMENT} ", "unit_id": unit.id, "process": "Pencetakan"},
        version=1,
    )
    assert (nc.statement, nc.unit_id, nc.process) == (NEW_STATEMENT, unit.id, "Pencetakan")
    assert nc.version == 2
    change = history(nc)[-1]
    assert change.action == "update"
    assert change.changes["statement"] == ["Tinjauan manajemen tidak dilaksanakan.", NEW_STATEMENT]


def test_the_auditor_who_raised_it_may_correct_it_too_but_not_archive_it(world, en):
    nc = raise_nc(world)
    operations.update_details(world.auditor, nc, {"criterion": "SOP-DUKCAPIL-009"})
    assert nc.criterion == "SOP-DUKCAPIL-009"
    with pytest.raises(PermissionDenied):
        operations.archive(world.auditor, nc, "Salah catat.")
    with pytest.raises(PermissionDenied):
        operations.update_details(world.other_auditor, nc, {"criterion": "x"})
    assert not nc.is_archived


@pytest.mark.parametrize("who", ["rsud_officer", "stranger", "bsn", "viewer", "other_auditor"])
def test_others_may_neither_edit_nor_archive(world, en, who):
    nc = raise_nc(world)
    with pytest.raises(PermissionDenied):
        operations.update_details(getattr(world, who), nc, {"statement": "x"})
    with pytest.raises(PermissionDenied):
        operations.archive(getattr(world, who), nc, "x")
    db.session.refresh(nc)
    assert nc.statement != "x" and not nc.is_archived and nc.version == 1


def test_a_stale_version_is_refused_and_changes_nothing(world, en):
    nc = raise_nc(world)
    operations.update_details(world.officer, nc, {"process": "Perekaman KTP-el"}, version=1)
    with pytest.raises(StaleRecordError, match="changed this record"):
        operations.update_details(world.officer2, nc, {"statement": "Lama."}, version=1)
    with pytest.raises(StaleRecordError):
        operations.archive(world.admin, nc, "Duplikat.", version=1)
    assert nc.statement != "Lama." and not nc.is_archived


def test_the_description_is_fixed_once_the_cause_is_analysed(world, en):
    nc = raise_nc(world)
    workflow.transition(world.officer, nc, "record_correction", {"correction": "RTM."})
    operations.update_details(world.officer, nc, {"statement": NEW_STATEMENT})  # still fine
    analysed_nc = analysed(world, raise_nc(world), nc.raised_on)
    with pytest.raises(DomainError, match="fixed once the root cause"):
        operations.update_details(world.officer, analysed_nc, {"statement": "x"})
    with pytest.raises(DomainError, match="has not been analysed"):
        operations.archive(world.officer, analysed_nc, "Salah.")
    assert analysed_nc.status == NcStatus.CAUSE_ANALYSED and not analysed_nc.is_archived


def test_the_statement_stays_required_and_the_unit_must_be_the_agencys(world, en):
    nc = raise_nc(world)
    foreign_unit = UnitFactory(agency=world.rsud)
    db.session.commit()  # the refusals roll back
    with pytest.raises(DomainError) as empty:
        operations.update_details(world.officer, nc, {"statement": "  "})
    assert empty.value.field == "statement"
    db.session.rollback()
    with pytest.raises(DomainError) as unit:
        operations.update_details(world.officer, nc, {"unit_id": foreign_unit.id})
    assert unit.value.field == "unit_id"
    db.session.rollback()
    db.session.refresh(nc)
    assert nc.statement and nc.unit_id is None and nc.version == 1


def test_archiving_needs_a_reason_and_then_freezes_the_record(world, en):
    nc = raise_nc(world)
    with pytest.raises(DomainError) as no_reason:
        operations.archive(world.officer, nc, "  ")
    assert no_reason.value.field == "reason" and not nc.is_archived
    operations.archive(world.admin, nc, "Duplikat KTS-2026-DUKCAPIL-002.", version=1)
    assert nc.is_archived and nc.archived_by_id == world.admin.id
    assert nc.archive_reason == "Duplikat KTS-2026-DUKCAPIL-002."
    assert history(nc)[-1].action == "archive"
    assert workflow.available_transitions(nc, world.officer) == []
    with pytest.raises(DomainError, match="archived"):
        workflow.transition(world.officer, nc, "record_correction", {"correction": "x"})
    with pytest.raises(DomainError, match="archived"):
        operations.update_details(world.officer, nc, {"statement": "x"})
    with pytest.raises(DomainError, match="already archived"):
        operations.archive(world.officer, nc, "Lagi.")


def test_archived_items_leave_the_counts_and_the_reminders(world, en):
    nc = raise_nc(world)
    kept = raise_nc(world, statement="SOP tidak terkendali.")
    late = nc.due_date.replace(year=2030)
    assert queries.open_count(world.officer) == 2
    operations.archive(world.officer, nc, "Salah agensi.")
    assert queries.open_count(world.officer) == 1
    assert queries.overdue(world.officer, today=late) == [kept]
    assert {r.body.count(nc.number) for r in reminders.reminders(late)} == {0}


# --- pages ----------------------------------------------------------------------------------


def test_the_edit_page_saves_and_the_register_hides_archived_items(world, client, auth):
    nc = raise_nc(world)
    other = raise_nc(world, statement="SOP tidak terkendali.")
    auth.login(world.officer)
    detail = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert f"/capa/{nc.id}/edit" in detail and f"/capa/{nc.id}/archive" in detail
    page = client.get(f"/capa/{nc.id}/edit")
    assert page.status_code == 200 and nc.statement in page.get_data(as_text=True)
    saved = client.post(
        f"/capa/{nc.id}/edit", data=edit_data(nc, statement=NEW_STATEMENT, criterion="SOP-07")
    )
    assert saved.status_code == 302
    db.session.refresh(nc)
    assert (nc.statement, nc.criterion, nc.version) == (NEW_STATEMENT, "SOP-07", 2)

    archived = client.post(
        f"/capa/{other.id}/archive", data={"version": other.version, "reason": "Dobel."}
    )
    assert archived.status_code == 302
    register = client.get("/capa/").get_data(as_text=True)
    assert f'href="/capa/{nc.id}"' in register and f'href="/capa/{other.id}"' not in register
    with_archived = client.get("/capa/?archived=1").get_data(as_text=True)
    assert f'href="/capa/{other.id}"' in with_archived and "Diarsipkan" in with_archived
    archived_page = client.get(f"/capa/{other.id}").get_data(as_text=True)
    assert "Dobel." in archived_page
    assert f"/capa/{other.id}/edit" not in archived_page
    assert f"/capa/{other.id}/step/" not in archived_page


def test_an_edit_on_an_old_version_is_told_the_record_changed(world, client, auth):
    nc = raise_nc(world)
    read = edit_data(nc)
    auth.login(world.officer)
    assert (
        client.post(f"/capa/{nc.id}/edit", data={**read, "process_or_service": "A"}).status_code
        == 302
    )
    auth.logout()
    auth.login(world.officer2)
    second = client.post(f"/capa/{nc.id}/edit", data={**read, "statement": "Versi lama."})
    assert second.status_code == 409
    assert "diubah oleh orang lain" in second.get_data(as_text=True)
    stale_archive = client.post(f"/capa/{nc.id}/archive", data={"version": 1, "reason": "x"})
    assert stale_archive.status_code == 409
    db.session.refresh(nc)
    assert nc.process == "A" and nc.statement != "Versi lama." and not nc.is_archived


def test_refused_users_get_403_or_404_and_nothing_changes(world, client, auth):
    nc = raise_nc(world)
    # other agencies do not see it; read-only roles see it, and their writes are turned back
    # by the read-only guard (303 to where they came from)
    expected = {
        world.rsud_officer: (404, 404),
        world.stranger: (404, 404),
        world.bsn: (403, 303),
        world.viewer: (403, 303),
    }
    for user, (page, write) in expected.items():
        auth.login(user)
        assert client.get(f"/capa/{nc.id}/edit").status_code == page, user.name
        edit = client.post(f"/capa/{nc.id}/edit", data=edit_data(nc, statement="x"))
        assert edit.status_code == write, user.name
        archive = client.post(f"/capa/{nc.id}/archive", data={"version": 1, "reason": "x"})
        assert archive.status_code == write, user.name
        auth.logout()
    auth.login(world.auditor)  # raised it: may edit, may not archive
    assert client.get(f"/capa/{nc.id}/edit").status_code == 200
    assert f"/capa/{nc.id}/archive" not in client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert (
        client.post(f"/capa/{nc.id}/archive", data={"version": 1, "reason": "x"}).status_code == 403
    )
    db.session.refresh(nc)
    assert nc.statement != "x" and not nc.is_archived and nc.version == 1


def test_an_edit_page_after_the_analysis_sends_back_with_the_rule(world, client, auth, app):
    nc = raise_nc(world)
    with app.test_request_context():
        analysed(world, nc, nc.raised_on)
    auth.login(world.officer)
    page = client.get(f"/capa/{nc.id}/edit", follow_redirects=True)
    assert "Uraian tidak dapat diubah lagi setelah akar masalah dianalisis." in page.get_data(
        as_text=True
    )
    assert f"/capa/{nc.id}/archive" not in client.get(f"/capa/{nc.id}").get_data(as_text=True)
    refused = client.post(f"/capa/{nc.id}/archive", data={"version": nc.version, "reason": "x"})
    assert refused.status_code == 422
    db.session.refresh(nc)
    assert not nc.is_archived


# --- API ------------------------------------------------------------------------------------


def test_the_api_patches_archives_and_filters_archived(world, api):
    nc = raise_nc(world)
    api.as_user(world.officer)
    patched = api.patch(
        f"/nonconformities/{nc.id}", json={"version": 1, "process": "Perekaman KTP-el"}
    )
    assert patched.status_code == 200
    data = patched.get_json()["data"]
    assert data["process"] == "Perekaman KTP-el" and data["version"] == 2
    assert data["statement"] == nc.statement and data["locked_fields"] == []
    stale = api.patch(f"/nonconformities/{nc.id}", json={"version": 1, "statement": "x"})
    assert stale.status_code == 409
    empty = api.patch(f"/nonconformities/{nc.id}", json={"version": 2, "statement": ""})
    assert empty.status_code == 422 and "statement" in empty.get_json()["error"]["fields"]
    assert api.post(f"/nonconformities/{nc.id}/archive", json={"version": 2}).status_code == 422
    done = api.post(f"/nonconformities/{nc.id}/archive", json={"version": 2, "reason": "Dobel."})
    assert done.status_code == 200 and done.get_json()["data"]["archived"] is True
    assert api.get("/nonconformities").get_json()["data"] == []
    listed = api.get("/nonconformities?archived=1").get_json()["data"]
    assert [n["number"] for n in listed] == [nc.number]
    assert (
        api.as_user(world.stranger)
        .patch(f"/nonconformities/{nc.id}", json={"version": 3})
        .status_code
        == 404
    )
    assert (
        api.as_user(world.bsn)
        .patch(f"/nonconformities/{nc.id}", json={"version": 3, "statement": "x"})
        .status_code
        == 403
    )
    paths = api.get("/openapi.json").get_json()["paths"]
    assert "patch" in paths["/api/v1/nonconformities/{nc_id}"]
    assert "/api/v1/nonconformities/{nc_id}/archive" in paths
