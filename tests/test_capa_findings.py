"""A nonconformity raised from an audit finding: what it takes from the audit (the auditee
representatives) and the deadline a failed verification sets (by the finding grade's rule)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from flask_babel import force_locale

from qms.audits import checklist, grades
from qms.audits import operations as audit_operations
from qms.audits import workflow as audit_workflow
from qms.audits.models import Audit
from qms.capa import operations, workflow
from qms.capa.models import NcStatus, Nonconformity
from qms.core.timeutil import today
from qms.extensions import db
from tests.factories_audits import make_world, plan_audit
from tests.factories_capa import PDF, walk_to_plan_submitted

MAJOR = {
    "result": "nonconform",
    "grade": "major",
    "evidence": "Notulen RTM terakhir bertanggal 14 Agustus 2025.",
    "statement": "Tinjauan manajemen tidak dilaksanakan dalam 12 bulan terakhir.",
}

REPRESENTATIVES = (
    "Sekretaris Dinas (wakil manajemen); Kabid Pelayanan Pendaftaran Penduduk; Kabid Pencatatan "
    "Sipil; Kasi Identitas Penduduk; Maria Bria (koordinator mutu); Yosef Lay (arsiparis); "
    "petugas loket KTP-el gerai MPP Kota Kupang"
)


@pytest.fixture
def world(app):
    with force_locale("en"):
        yield make_world()


def reported_major(world, **audit_values) -> Audit:
    """An audit of Dinas Dukcapil with one major finding, its report issued."""
    audit = plan_audit(world, **audit_values)
    audit_operations.add_member(world.city_admin, audit, world.member.id)
    audit_workflow.transition(world.lead, audit, "start")
    checklist.record_row(world.lead, audit.rows[0], MAJOR)
    audit_workflow.transition(world.lead, audit, "report", confirm_unanswered=True)
    db.session.commit()
    return audit


def implemented(world, nc: Nonconformity) -> None:
    walk_to_plan_submitted(world, nc)
    workflow.transition(world.lead, nc, "accept_plan")
    operations.complete_action(
        world.officer, nc.current_actions[0], evidence=io.BytesIO(PDF), filename="rtm.pdf"
    )
    workflow.transition(world.officer, nc, "mark_implemented")


def test_the_nonconformity_carries_the_audits_auditee_representatives(world, client, auth):
    assert len(REPRESENTATIVES) > 200  # several names and roles, as an audit records them
    audit = reported_major(world, auditee_representatives=REPRESENTATIVES)
    nc = audit.active_findings[0].nonconformity
    assert nc.auditee_representative == REPRESENTATIVES
    auth.login(world.officer)
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert REPRESENTATIVES in page


def test_a_failed_verification_sets_a_new_deadline_by_the_findings_grade(world, app, monkeypatch):
    """The plan re-opened by "not effective" is due the configured days after that day, by the
    rule that set the first deadline: for a finding, its grade's deadline in the audit scale."""
    scale = [replace(g, deadline_days=14) if g.key == "major" else g for g in grades.grades()]
    monkeypatch.setitem(app.extensions, "qms_audit_grades", scale)
    nc = reported_major(world).active_findings[0].nonconformity
    assert nc.due_date == today() + timedelta(days=14)
    implemented(world, nc)
    later = today() + timedelta(days=20)
    workflow.transition(
        world.lead, nc, "verify_not_effective", {"note": "Tanpa masukan audit."}, today=later
    )
    assert nc.status == NcStatus.REOPENED and nc.plan_round == 2
    assert nc.due_date == later + timedelta(days=14)
