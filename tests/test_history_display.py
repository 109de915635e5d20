"""History tables read as people do: labels instead of field names, names instead of ids,
local times instead of stored UTC, the workflow step instead of its code name."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from qms.core.history import HistoryEntry, describe_history
from qms.core.i18n import fmt_datetime
from qms.documents.models import DocumentRevision
from qms.extensions import db
from tests.factories import AgencyFactory
from tests.factories_capa import analysed, make_world, raise_nc
from tests.factories_documents import agency_head, effective_revision, new_document, officer


def test_a_revision_history_names_fields_values_people_and_steps(client, auth):
    agency = AgencyFactory(code="DUKCAPIL", name="Dinas Dukcapil Kota Kupang")
    maria = officer(agency, name="Maria Bria")
    document = new_document(maria, agency)
    revision = effective_revision(document, maria, agency_head(agency))
    db.session.commit()
    submitted_at = db.session.get(DocumentRevision, revision.id).submitted_at

    auth.login(maria)
    page = client.get(f"/documents/revisions/{revision.id}").get_data(as_text=True)
    history = page[page.index('class="history"') :]

    assert "Penyusun: <del>–</del> → <ins>Maria Bria</ins>" in history  # author_id
    assert "Status: <del>–</del> → <ins>Draf</ins>" in history  # state "draft"
    assert "(Ajukan untuk diperiksa)" in history  # the "submit" step, by its label
    assert "transition:" not in history and "author_id" not in history
    with client.application.test_request_context(), force_locale("id"):
        assert fmt_datetime(submitted_at) in history  # WITA, not the stored UTC ISO string
    assert submitted_at.isoformat() not in history

    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    history = page[page.index('class="history"') :]
    assert "Jenis: <del>–</del> → <ins>Prosedur mutu (SOP)</ins>" in history  # doc_type
    assert "OPD: <del>–</del> → <ins>Dinas Dukcapil Kota Kupang</ins>" in history  # agency_id
    assert "doc_type" not in history and "agency_id" not in history


def test_a_nonconformity_history_shows_enum_labels_yes_no_and_the_step_taken(client, auth):
    world = make_world()
    nc = analysed(world, raise_nc(world), date(2026, 3, 5))
    db.session.commit()

    auth.login(world.officer)
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    history = page[page.index('class="history"') :]

    assert "Rosalina Manafe" in history  # raised by the auditor
    assert "<ins>Mayor</ins>" in history  # grade "major"
    assert "<ins>Metode (SOP, prosedur, dokumen)</ins>" in history  # cause_category "method"
    assert "(Catat analisis akar masalah)" in history  # the "analyse_cause" step
    assert "transition:" not in history and "occurs_elsewhere" not in history
    assert "<ins>Tidak</ins>" in history  # occurs_elsewhere False
    assert "<ins>False</ins>" not in history
    assert "cause_category" not in history and "<ins>method</ins>" not in history
    # a field the new record left empty is not listed as a change
    assert "Kriteria internal" not in history and "<del>–</del> → <ins>–</ins>" not in history


def test_unregistered_fields_fall_back_to_a_readable_name(app):
    entry = HistoryEntry(
        record_type="audit_findings",
        record_id=1,
        action="update",
        actor_id=None,
        at=date(2026, 3, 5),
        changes={"clause_id": [None, 7], "follow_up_required": [None, True]},
        note="imported",
    )
    with app.test_request_context(), force_locale("id"):
        (shown,) = describe_history([entry])
        changes = {c.label: (c.old, c.new) for c in shown.changes}
        assert changes["Clause"] == ("–", "#7")  # a foreign key nobody names: its id
        assert changes["Follow up required"] == ("–", "Ya")
        assert shown.note == "imported" and shown.who == "sistem"
