"""Integrated audits: one audit of SNI ISO 9001:2015 and SNI ISO 37001:2016 together. Planned
from a programme item naming both (clause numbers checked against each standard), its
checklist groups the common clauses (7.5 of both standards under one heading, each row
labelled with its standard), a finding names every clause it breaches, the nonconformity
raised from it names each clause with its own standard (never "ISO 9001 clause"), the
compliance figures and the agency report are per standard (the latest audit of a clause is
one of the same standard), and the one audit report has a part per standard."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from qms.audits import checklist, figures, operations, queries, workflow
from qms.audits import reports as audit_reports
from qms.core.checklists import load_directory
from qms.core.errors import DomainError, ValidationFailed
from qms.extensions import db
from qms.reports import archive, jobs, portal
from qms.reports.models import ReportStatus
from qms.standards.models import Clause
from qms.standards.queries import by_code, quality_standard
from tests.factories_audits import NC, AuditProgrammeFactory, make_world
from tests.test_standards_import import STANDARDS

QMS = "SNI-ISO-9001-2015"
SMAP = "SNI-ISO-37001-2016"


def _clause(code: str, number: str) -> Clause:
    standard = by_code(code)
    return next(c for c in standard.clauses if c.number == number)


@pytest.fixture
def world(app):
    load_directory(STANDARDS)
    return make_world(standard=quality_standard())


def _plan(world, **values):
    data = {
        "agency_id": world.dukcapil.id,
        "standard_id": by_code(QMS).id,
        "other_standard_ids": [by_code(SMAP).id],
        "kind": "internal",
        "planned_start": date(2026, 11, 10),
        "planned_end": date(2026, 11, 11),
        "scope_clauses": ["7.5", "8.2"],
        "objectives": "Audit terpadu SMM dan SMAP",
        "lead_auditor_id": world.lead.id,
        **values,
    }
    return operations.create_audit(world.city_admin, data)


def _started(world, **values):
    audit = _plan(world, **values)
    operations.add_member(world.city_admin, audit, world.member.id)
    workflow.transition(world.lead, audit, "start")
    return audit


def _row(audit, code: str, number: str):
    return next(
        r for r in audit.rows if r.clause.standard.code == code and r.clause.number == number
    )


def _report(world, audit, *, breach_both: bool = True):
    """Answer every row conform except a minor nonconformity on 9001 7.5.3.2 (also breaching
    37001 7.5.3) and a major one on 37001 8.2; issue the report."""
    also = [_clause(SMAP, "7.5.3").id] if breach_both else []
    checklist.record_row(world.lead, _row(audit, QMS, "7.5.3.2"), {**NC, "other_clause_ids": also})
    checklist.record_row(
        world.lead,
        _row(audit, SMAP, "8.2"),
        {
            "result": "nonconform",
            "grade": "major",
            "evidence": "Tidak ada rekaman uji tuntas penyedia",
            "statement": "Uji tuntas rekanan tidak dilaksanakan",
        },
    )
    for row in audit.rows:
        if row.result is None:
            checklist.record_row(world.lead, row, {"result": "conform"})
    workflow.transition(world.lead, audit, "report")
    return audit


# --- planning -----------------------------------------------------------------------------


def test_a_programme_item_plans_both_standards_and_its_audit_is_integrated(world, api):
    qms, smap = by_code(QMS), by_code(SMAP)
    programme = AuditProgrammeFactory(city=world.city, year=2026)
    values = {
        "agency_id": world.dukcapil.id,
        "kind": "internal",
        "planned_month": 11,
        "standard_id": qms.id,
        "other_standard_ids": [smap.id],
    }
    # a number of neither standard is refused, naming the field and both standards
    with pytest.raises(DomainError) as refused:
        operations.save_programme_item(
            world.city_admin, programme, {**values, "clause_numbers": ["7.5", "11.2"]}, None
        )
    assert refused.value.field == "clause_numbers"
    assert "11.2" in str(refused.value.message) and SMAP in str(refused.value.message)
    # 7.1.5 is ISO 9001's only, 8.9 ISO 37001's only: each is checked against each standard
    item = operations.save_programme_item(
        world.city_admin,
        programme,
        {**values, "clause_numbers": ["7.1.5", "7.5", "8.9"]},
        None,
    )
    assert [s.code for s in item.standards] == [QMS, SMAP] and item.standard_id == qms.id
    audit = operations.create_audit(
        world.city_admin,
        {
            "programme_item_id": item.id,
            "planned_start": date(2026, 11, 10),
            "objectives": "Audit terpadu",
            "lead_auditor_id": world.lead.id,
        },
    )
    assert audit.is_integrated and [s.code for s in audit.standards] == [QMS, SMAP]
    assert audit.standard_id == qms.id
    in_scope = {(c.standard.code, c.number) for c in queries.clauses_in_scope(audit)}
    assert (QMS, "7.1.5") in in_scope and (SMAP, "8.9") in in_scope
    assert (QMS, "7.5.3") in in_scope and (SMAP, "7.5.3") in in_scope
    assert not any(number.startswith("8.9") for code, number in in_scope if code == QMS)
    # the standards are fixed once an audit was planned from the item
    with pytest.raises(DomainError) as fixed:
        operations.save_programme_item(
            world.city_admin,
            programme,
            {**values, "other_standard_ids": [], "clause_numbers": ["7.5"]},
            item,
        )
    assert fixed.value.field == "standard_id"
    db.session.commit()
    body = api.as_user(world.city_admin).get(f"/audits/{audit.id}").get_json()["data"]
    assert body["standard"] == QMS and body["standards"] == [QMS, SMAP]
    listed = api.get(f"/audit-programmes/{programme.id}").get_json()["data"]
    assert listed["items"][0]["standards"] == [QMS, SMAP]


def test_bad_input_is_refused_with_the_field_named(world, api):
    smap = by_code(SMAP)
    # an audit of ISO 9001 alone: 8.9 (an ISO 37001 clause) is refused on scope_clauses
    with pytest.raises(DomainError) as refused:
        _plan(world, other_standard_ids=[], scope_clauses=["8.9"])
    assert refused.value.field == "scope_clauses" and QMS in str(refused.value.message)
    db.session.commit()
    user = api.as_user(world.city_admin)
    base = {
        "agency_id": world.dukcapil.id,
        "standard_id": by_code(QMS).id,
        "kind": "internal",
        "planned_start": "2026-11-10",
        "objectives": "Audit terpadu",
        "scope_clauses": ["7.5"],
    }
    answer = user.post("/audits", json={**base, "other_standard_ids": [999999]})
    assert (
        answer.status_code == 422 and "other_standard_ids" in answer.get_json()["error"]["fields"]
    )
    answer = user.post(
        "/audits", json={**base, "other_standard_ids": [smap.id], "scope_clauses": ["12"]}
    )
    assert answer.status_code == 422 and "scope_clauses" in answer.get_json()["error"]["fields"]
    answer = user.post("/audits", json={**base, "other_standard_ids": [smap.id]})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["data"]["standards"] == [QMS, SMAP]


# --- the checklist ------------------------------------------------------------------------


def test_the_checklist_groups_common_clauses_with_each_row_labelled(world, client, auth):
    with force_locale("id"):
        audit = _started(world)
        sections = {s.number: s for s in queries.checklist_sections(audit)}
        assert set(sections) == {"7", "8"} and sections["7"].grouped
        group = next(g for g in sections["7"].groups if g.number == "7.5")
        assert group.title == "Informasi terdokumentasi"
        codes = [r.clause.standard.code for r in group.rows]
        assert set(codes) == {QMS, SMAP}
        # the primary standard's rows first, then the other's, each in its order
        assert codes == sorted(codes, key=[QMS, SMAP].index)
        assert len(sections["7"].rows) == len(group.rows)
        db.session.commit()
    auth.login(world.lead)
    page = client.get(f"/audits/{audit.id}/checklist").get_data(as_text=True)
    assert 'id="clause-group-7.5"' in page and "7.5 Informasi terdokumentasi" in page
    section = page.split('id="clause-group-7.5"')[1].split('id="clause-8"')[0]
    assert "SNI ISO 9001:2015" in section and "SNI ISO 37001:2016" in section
    # a 9001 row offers the same common clause of ISO 37001 to breach as well
    row = _row(audit, QMS, "7.5.3.2")
    part = page.split(f'id="row-{row.id}"')[1].split("</article>")[0]
    assert f'value="{_clause(SMAP, "7.5.3").id}"' in part
    assert f'value="{_clause(QMS, "7.5.2").id}"' not in part


# --- findings and their nonconformities -----------------------------------------------------


def test_a_finding_names_clauses_of_both_standards_and_its_nc_names_them(world, client, auth, api):
    audit = _started(world)
    # a clause of no standard of the audit is refused, naming the field, and nothing is saved
    foreign = _clause(SMAP, "7.5.3")
    other_audit = _started(world, other_standard_ids=[], scope_clauses=["7.5"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        checklist.record_row(
            world.lead,
            _row(other_audit, QMS, "7.5.3.2"),
            {**NC, "other_clause_ids": [foreign.id]},
        )
    assert "other_clause_ids" in refused.value.errors
    db.session.rollback()
    assert _row(other_audit, QMS, "7.5.3.2").finding is None
    assert _row(other_audit, QMS, "7.5.3.2").result is None
    row = _row(audit, QMS, "7.5.3.2")
    _report(world, audit)
    finding = row.finding
    assert [c.reference for c in finding.clauses] == [
        "SNI ISO 9001:2015 7.5.3.2",
        "SNI ISO 37001:2016 7.5.3",
    ]
    nc = finding.nonconformity
    assert nc.clause == "7.5.3.2" and nc.clause_standard == QMS
    assert nc.clause_label == "SNI ISO 9001:2015 7.5.3.2; SNI ISO 37001:2016 7.5.3"
    smap_nc = _row(audit, SMAP, "8.2").finding.nonconformity
    assert smap_nc.clause_label == "SNI ISO 37001:2016 8.2"
    db.session.commit()

    auth.login(world.officer)
    page = client.get(f"/capa/{smap_nc.id}").get_data(as_text=True)
    assert "SNI ISO 37001:2016 8.2" in page and "ISO 9001 clause" not in page
    assert "Klausul ISO 9001" not in page
    page = client.get(f"/capa/{nc.id}").get_data(as_text=True)
    assert "SNI ISO 37001:2016 7.5.3" in page
    export = client.get("/capa/register.csv").get_data(as_text=True)
    lines = {line.split(",")[0].strip('"\ufeff'): line for line in export.splitlines()}
    assert "SNI ISO 9001:2015 7.5.3.2; SNI ISO 37001:2016 7.5.3" in lines[nc.number]
    assert "SNI ISO 37001:2016 8.2" in lines[smap_nc.number]
    body = api.as_user(world.officer).get(f"/nonconformities/{smap_nc.id}").get_json()["data"]
    assert body["clause_standard"] == SMAP and body["clauses"] == ["SNI ISO 37001:2016 8.2"]
    found = api.as_user(world.city_admin).get(f"/findings/{finding.id}").get_json()["data"]
    assert found["standard"] == QMS and found["clauses"][1] == "SNI ISO 37001:2016 7.5.3"
    rows = api.get(f"/audits/{audit.id}/checklist").get_json()["data"]
    assert {r["standard"] for r in rows} == {QMS, SMAP}
    # the finding page names both clauses with their standards
    auth.login(world.city_admin)
    page = client.get(f"/audits/findings/{finding.id}").get_data(as_text=True)
    assert "SNI ISO 9001:2015 7.5.3.2" in page and "SNI ISO 37001:2016 7.5.3" in page


def test_the_offline_snapshot_rows_carry_their_standard(world, client, auth):
    audit = _started(world)
    db.session.commit()
    auth.login(world.lead)
    snapshot = client.get(f"/audits/{audit.id}/offline.json").get_json()
    assert snapshot["audit"]["standards"] == [QMS, SMAP]
    assert {r["standard"] for r in snapshot["rows"]} == {QMS, SMAP}
    assert any(r["standard_name"] == "SNI ISO 37001:2016" for r in snapshot["rows"])


# --- figures and reports ------------------------------------------------------------------


def test_compliance_is_per_standard_and_a_finding_counts_for_each_clause_it_breaches(world, api):
    audit = _report(world, _started(world))
    per_clause = figures.compliance_by_clause(world.dukcapil, world.city_admin)
    by_ref = {f.clause.reference: f.tally for f in per_clause}
    assert by_ref["SNI ISO 9001:2015 7.5.3.2"].nonconform == 1
    # 37001 7.5.3 was answered conform on its own rows, and is breached by the 9001 finding
    assert by_ref["SNI ISO 37001:2016 7.5.3"].nonconform == 1
    assert by_ref["SNI ISO 37001:2016 8.2"].nonconform == 1
    assert by_ref["SNI ISO 37001:2016 7.5.1"].compliance == 1
    parts = {p.standard.code: p for p in queries.standard_parts(audit)}
    assert parts[QMS].tally.nonconform == 1 and parts[SMAP].tally.nonconform == 2
    assert [f.number for f in parts[SMAP].findings] == [_row(audit, SMAP, "8.2").finding.number]
    db.session.commit()
    rows = api.as_user(world.city_admin).get(f"/agencies/{world.dukcapil.id}/compliance")
    standards = {r["standard"] for r in rows.get_json()["data"]}
    assert standards == {QMS, SMAP}


def test_the_audit_report_pdf_is_one_report_with_a_part_per_standard(world):
    with force_locale("en"):
        audit = _report(world, _started(world))
        db.session.commit()
        rtype, req = portal.build_request(
            world.city_admin, "audit-report", locale="en", city_id=world.city.id, record_id=audit.id
        )
        report = jobs.submit(world.city_admin, rtype, req).report
        db.session.refresh(report)
        assert report.status is ReportStatus.DONE, report.error
        reader = PdfReader(io.BytesIO(archive.read_pdf(report)))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Findings against SNI ISO 9001:2015" in text
    assert "Findings against SNI ISO 37001:2016" in text
    for finding in audit.active_findings:
        assert finding.number in text
    assert "SNI ISO 9001:2015 7.5.3.2; SNI ISO 37001:2016 7.5.3" in text
    assert "SNI ISO 37001:2016 8.2" in text
    # the 37001 findings stand in the 37001 part
    smap_part = text.split("Findings against SNI ISO 37001:2016")[1]
    assert _row(audit, SMAP, "8.2").finding.number in smap_part.split("Audit conclusion")[0]


def test_the_agency_report_takes_the_latest_audit_per_standard(world, fake_render):
    qms, smap = by_code(QMS), by_code(SMAP)
    integrated = _report(world, _started(world))
    integrated.reported_at = datetime(2026, 11, 12, 2, 0)
    # a later audit of ISO 9001 alone, of the same main clause 7
    later = _started(
        world,
        other_standard_ids=[],
        scope_clauses=["7.5"],
        planned_start=date(2026, 11, 20),
        planned_end=date(2026, 11, 20),
    )
    for row in later.rows:
        checklist.record_row(world.lead, row, {"result": "conform"})
    workflow.transition(world.lead, later, "report")
    later.reported_at = datetime(2026, 11, 21, 2, 0)
    db.session.commit()
    with force_locale("id"):
        _rtype, req = portal.build_request(
            world.city_admin,
            "agency-compliance",
            city_id=world.city.id,
            agency_id=world.dukcapil.id,
        )
        data = audit_reports.build_clauses(req)
    parts = {p["standard_code"]: p for p in data["parts"]}
    assert list(parts) == [qms.code, smap.code]
    assert data["latest_audit"] == later.reference == parts[QMS]["latest_audit"]
    # the latest audit of 37001's clause 7 is the integrated audit, never the later 9001 one
    assert parts[SMAP]["latest_audit"] == integrated.reference
    assert {c["audit"] for c in parts[SMAP]["clauses"]} == {integrated.reference}
    smap_chapter = next(c for c in parts[SMAP]["chapters"] if c["number"] == "7")
    assert smap_chapter["latest"] < 100
    qms_chapter = next(c for c in parts[QMS]["chapters"] if c["number"] == "7")
    assert qms_chapter["latest"] == 100  # the later 9001 audit found everything conform
    assert [a["reference"] for a in parts[SMAP]["audits"]] == [integrated.reference]
    # 37001 is its own part of the rendered report
    with force_locale("id"):
        rtype, req = portal.build_request(
            world.city_admin,
            "agency-compliance",
            city_id=world.city.id,
            agency_id=world.dukcapil.id,
        )
        report = jobs.submit(world.city_admin, rtype, req).report
        db.session.refresh(report)
    assert report.status is ReportStatus.DONE, report.error
    html = fake_render[-1]
    assert "SNI ISO 37001:2016" in html and 'class="standard-part"' in html


# --- who may -------------------------------------------------------------------------------


def test_denials_another_agencys_officer_and_read_only_roles(world, client, auth, api):
    audit = _report(world, _started(world))
    finding = _row(audit, QMS, "7.5.3.2").finding
    row = _row(audit, SMAP, "7.5.1")
    db.session.commit()
    # another agency's quality officer sees none of it
    auth.login(world.other_officer)
    assert client.get(f"/audits/{audit.id}/report").status_code == 404
    assert client.get(f"/audits/findings/{finding.id}").status_code == 404
    officer_api = api.as_user(world.other_officer)
    assert officer_api.get(f"/audits/{audit.id}").status_code == 404
    assert officer_api.get(f"/nonconformities/{finding.nonconformity.id}").status_code == 404
    auth.logout()
    # the BSN reviewer reads, and never writes
    auth.login(world.reviewer)
    page = client.get(f"/audits/{audit.id}/report").get_data(as_text=True)
    assert "SNI ISO 37001:2016" in page
    answer = client.post(
        f"/audits/rows/{row.id}", data={"result": "nonconform", "version": row.version}
    )
    assert answer.status_code == 303  # the read-only guard: flashed and sent back
    reviewer_api = api.as_user(world.reviewer)
    answer = reviewer_api.patch(
        f"/findings/{finding.id}",
        json={"version": finding.row.version, "other_clause_ids": []},
    )
    assert answer.status_code == 403
    db.session.expire_all()
    assert [c.reference for c in finding.clauses][1] == "SNI ISO 37001:2016 7.5.3"


def test_the_api_sets_and_clears_a_findings_further_clauses(world, api):
    audit = _started(world)
    row = _row(audit, QMS, "7.5.3.2")
    checklist.record_row(world.lead, row, NC)
    finding = row.finding
    db.session.commit()
    lead = api.as_user(world.lead)
    also = _clause(SMAP, "7.5.3").id
    answer = lead.patch(
        f"/findings/{finding.id}", json={"version": row.version, "other_clause_ids": [also]}
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()["data"]
    assert body["other_clause_ids"] == [also] and len(body["clauses"]) == 2
    # a grade changed alone keeps them
    answer = lead.patch(f"/findings/{finding.id}", json={"version": row.version, "grade": "major"})
    assert answer.get_json()["data"]["other_clause_ids"] == [also]
    # a clause of no standard of the audit is refused on the field
    answer = lead.patch(
        f"/findings/{finding.id}", json={"version": row.version, "other_clause_ids": [999999]}
    )
    assert answer.status_code == 422
    assert "other_clause_ids" in answer.get_json()["error"]["fields"]
    answer = lead.patch(
        f"/findings/{finding.id}", json={"version": row.version, "other_clause_ids": []}
    )
    assert answer.status_code == 200 and answer.get_json()["data"]["other_clause_ids"] == []
