"""Steps offered only when they can succeed: for each workflow, a record in a state where a step
would be refused — a plan without actions, a revision without text or file, a pathway whose lab
test failed — shows the step's reason instead of its form or button, and the step posted anyway
is still refused with the same reason and nothing written. One rule serves both: the record's
rules are data on the transitions (`unready`), read by `available_steps` and by the check.
(The audit page's close, refused while follow-up is pending, is walked in
tests/test_audit_capa_flow.py, `_close_refused`.)"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from qms.capa import workflow as capa_workflow
from qms.capa.models import NcStatus
from qms.core.errors import DomainError
from qms.core.timeutil import today
from qms.documents import operations as document_operations
from qms.documents import workflow as document_workflow
from qms.documents.models import RevisionState
from qms.extensions import db
from qms.sme import workflow as sme_workflow
from qms.sme.demo import results
from qms.sme.vocabulary import Stage
from tests.factories import AgencyFactory
from tests.factories_capa import analysed, implemented, make_world, planned, raise_nc
from tests.factories_documents import new_document, officer
from tests.factories_sme import advance, coop_officer, honey, lab_test, load_catalogue

START = date(2025, 3, 3)


def _form_posting_to(page: str, action: str) -> bool:
    return re.search(rf'<form[^>]*action="{re.escape(action)}"', page) is not None


def _disabled_button(page: str, label: str) -> bool:
    return re.search(rf"<button[^>]*disabled[^>]*>{re.escape(label)}</button>", page) is not None


# --- corrective actions -------------------------------------------------------------------


@pytest.fixture
def capa_world(app):
    return make_world()


def test_a_plan_without_actions_is_not_offered_for_submission(capa_world, client, auth):
    world = capa_world
    nc = analysed(world, raise_nc(world), today())
    db.session.commit()
    assert nc.current_actions == []
    auth.login(world.officer)
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert not _form_posting_to(page, f"/capa/{nc.id}/step/submit_plan")
    assert _disabled_button(page, "Ajukan rencana tindakan")
    with force_locale("id"):
        reason = str(capa_workflow.WORKFLOW.transitions["submit_plan"].unready(nc, today()))
    assert reason in page
    # the root-cause analysis may still be recorded again: its form stays
    assert _form_posting_to(page, f"/capa/{nc.id}/step/analyse_cause")

    posted = client.post(
        f"/capa/{nc.id}/step/submit_plan",
        data={"version": nc.version, "effectiveness_check_on": today().isoformat()},
    )
    assert posted.status_code == 422
    assert reason in posted.get_data(as_text=True)
    db.session.refresh(nc)
    assert nc.status == NcStatus.CAUSE_ANALYSED


def test_a_verification_before_its_check_date_is_not_offered(capa_world, client, auth):
    world = capa_world
    nc = implemented(
        world, planned(world, analysed(world, raise_nc(world), today()), today()), today()
    )
    db.session.commit()
    assert nc.effectiveness_check_on > today()
    auth.login(world.auditor)
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert not _form_posting_to(page, f"/capa/{nc.id}/step/verify_effective")
    assert not _form_posting_to(page, f"/capa/{nc.id}/step/verify_not_effective")
    assert "dapat diverifikasi mulai" in page or "can be verified from" in page
    posted = client.post(
        f"/capa/{nc.id}/step/verify_effective", data={"version": nc.version, "note": "Sudah."}
    )
    assert posted.status_code == 422
    db.session.refresh(nc)
    assert nc.status == NcStatus.IMPLEMENTED
    # on the check date the same step is offered, and taken
    offers = capa_workflow.available_steps(nc, world.auditor, nc.effectiveness_check_on)
    assert [o.name for o in offers if o.possible] == ["verify_effective", "verify_not_effective"]


def test_the_check_and_the_offer_give_the_same_reason(capa_world):
    world = capa_world
    nc = analysed(world, raise_nc(world), today())
    (offer,) = [
        o for o in capa_workflow.available_steps(nc, world.officer) if o.name == "submit_plan"
    ]
    with pytest.raises(DomainError) as refused:
        capa_workflow.transition(
            world.officer, nc, "submit_plan", {"effectiveness_check_on": today()}
        )
    assert str(refused.value.message) == str(offer.reason)
    # the API lists only the steps that can be taken now
    assert "submit_plan" not in [
        t.name for t in capa_workflow.available_transitions(nc, world.officer)
    ]


# --- revisions ----------------------------------------------------------------------------


def test_an_empty_revision_is_not_offered_for_review(app, client, auth):
    agency = AgencyFactory()
    author = officer(agency)
    document = new_document(author, agency)
    revision = document_operations.create_revision(author, document, "Terbitan pertama", {})
    db.session.commit()
    assert not revision.has_text
    auth.login(author)
    page = client.get(f"/documents/revisions/{revision.id}").get_data(as_text=True)
    assert 'name="action" value="submit"' not in page
    assert _disabled_button(page, "Ajukan untuk diperiksa")
    with force_locale("id"):
        reason = str(document_workflow.WORKFLOW.transitions["submit"].unready(revision, today()))
    assert reason in page
    # discarding the draft is still offered
    assert 'name="action" value="discard"' in page

    posted = client.post(
        f"/documents/revisions/{revision.id}/transition",
        data={"action": "submit", "version": revision.version},
        follow_redirects=True,
    )
    assert reason in posted.get_data(as_text=True)
    db.session.refresh(revision)
    assert revision.state == RevisionState.DRAFT


# --- certification pathways ---------------------------------------------------------------


@pytest.fixture
def failed_test(app):
    """An SPPT SNI pathway in sampling and lab testing whose lab test failed."""
    load_catalogue()
    product = honey()
    coop = coop_officer(product.business.city)
    from qms.sme import operations

    pathway = operations.open_pathway(
        coop, product, scheme="sppt_sni", scheme_type="5", started_on=START
    )
    advance(coop, pathway, Stage.TESTING, START)
    failing = next(p.key for p in pathway.parameters if not p.is_qualitative)
    lab_test(coop, pathway, START + timedelta(days=20), results=results(pathway, failing))
    db.session.commit()
    assert not pathway.last_lab_test.passed
    return pathway, coop


def test_after_a_failed_lab_test_the_decision_is_not_offered(failed_test, client, auth):
    pathway, coop = failed_test
    auth.login(coop)
    page = client.get(f"/sme/pathways/{pathway.id}").get_data(as_text=True)
    assert 'name="action" value="start_technical_review"' not in page
    assert _disabled_button(page, "Uji lulus: mulai kajian teknis")
    with force_locale("id"):
        reason = str(sme_workflow.STEPS["start_technical_review"].unready(pathway))
    assert reason == "Uji laboratorium terakhir tidak lulus; ulangi pengujian sebelum keputusan."
    assert reason in page
    # what can be done instead is offered: a repeated test, putting it on hold
    assert f"/sme/pathways/{pathway.id}/lab-tests/new" in page
    assert 'name="action" value="hold"' in page

    posted = client.post(
        f"/sme/pathways/{pathway.id}/transition",
        data={
            "action": "start_technical_review",
            "version": pathway.version,
            "on": (START + timedelta(days=21)).isoformat(),
        },
    )
    assert posted.status_code == 422
    assert reason in posted.get_data(as_text=True)
    db.session.refresh(pathway)
    assert pathway.stage == Stage.TESTING


def test_the_pathway_page_has_its_stepper_and_evidence_behind_a_button(failed_test, client, auth):
    pathway, coop = failed_test
    auth.login(coop)
    page = client.get(f"/sme/pathways/{pathway.id}").get_data(as_text=True)
    stepper = page[
        page.index('<nav class="stepper"') : page.index(
            "</nav>", page.index('<nav class="stepper"')
        )
    ]
    labels = re.findall(r'<span class="step-label">([^<]+)</span>', stepper)
    assert labels == [
        "Persiapan",
        "Pengajuan",
        "Audit",
        "Pengujian",
        "Keputusan",
        "Sertifikat",
        "Survailen",
        "Perpanjangan",
    ]
    assert re.search(r'step-current"[^>]*aria-current="step"', stepper)
    assert stepper.count("step-done") == 3
    # the next step comes before the stages' table, and each stage's upload hides behind one button
    assert page.index('id="next-step"') < page.index('id="stages"')
    assert page.count('<details class="attach"') == len(pathway.stages)
    assert page.count("Lampirkan bukti") == len(pathway.stages)


def test_a_bina_umk_stepper_has_no_audit_nor_decision(app):
    load_catalogue()
    product = honey()
    coop = coop_officer(product.business.city)
    from qms.sme import operations
    from qms.sme.stages import stages

    pathway = operations.open_pathway(
        coop, product, scheme="sni_bina_umk", scheme_type=None, started_on=START
    )
    keys = [s.key for s in stages(pathway)]
    assert "audit" not in keys and "decision" not in keys
    assert keys[0] == "preparation" and stages(pathway)[0].current
