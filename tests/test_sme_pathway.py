"""The certification pathway: every allowed step, refused skips, hold/resume/withdraw, lab results
judged against the SNI's limits, certificates; and one business carried from registration through
a failed and a passed lab test to its certificate."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.core.errors import DomainError, ValidationFailed
from qms.extensions import db
from qms.sme import catalogue, labtests, operations, workflow
from qms.sme.catalogue_models import TestParameter
from qms.sme.demo import results as demo_results
from qms.sme.models import Certificate, LabTest, Pathway, Surveillance, TestResult
from qms.sme.vocabulary import Stage, Verdict
from tests.factories_sme import (
    ProductFactory,
    advance,
    coop_officer,
    honey,
    lab_test,
    load_catalogue,
    standard,
)

START = date(2025, 3, 3)
#: when `advance` (one stage a day from START) reaches each stage of SPPT SNI type 5
SITE_AUDIT = date(2025, 3, 11)
TESTING = date(2025, 3, 12)
DECISION = date(2025, 3, 14)


@pytest.fixture(autouse=True)
def english(app):
    """Services' messages are lazy strings: read them in English, as in a request."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def setup(app):
    load_catalogue()
    product = honey()
    officer = coop_officer(product.business.city)
    pathway = operations.open_pathway(
        officer, product, scheme="sppt_sni", scheme_type="5", started_on=START
    )
    return officer, pathway


def _readiness(officer, pathway):
    operations.save_readiness(
        officer, pathway, {i.id: ("yes", "") for i in catalogue.readiness_items()}
    )


def _results(pathway, failing: str | None = None) -> dict[str, str]:
    return demo_results(pathway, failing)


def _lab(officer, pathway, day, failing=None, report="LHU/1"):
    return lab_test(
        officer,
        pathway,
        day,
        report_number=report,
        tested_on=day + timedelta(days=5),
        results=_results(pathway, failing),
    )


def _go(officer, pathway, action, day, **extra):
    return workflow.transition(officer, pathway, action, on=day, **extra)


def test_one_business_from_registration_to_certificate(setup):
    """SPPT SNI type 5 as the LSPro runs it: the sample is taken during the site audit, the
    decision waits for the findings to close, not the sampling."""
    officer, pathway = setup
    day = START
    _go(officer, pathway, "start_readiness", day := day + timedelta(days=5))
    _readiness(officer, pathway)
    _go(officer, pathway, "start_guidance", day := day + timedelta(days=10))
    _go(officer, pathway, "documents_ready", day := day + timedelta(days=30))
    _go(
        officer,
        pathway,
        "apply",
        day := day + timedelta(days=10),
        lspro_name="LSPro Contoh",
        lspro_accreditation="LSPr-034-IDN",
    )
    _go(officer, pathway, "check_completeness", day := day + timedelta(days=3))
    _go(officer, pathway, "review_application", day := day + timedelta(days=5))
    with pytest.raises(ValidationFailed) as refused:
        _go(officer, pathway, "start_document_audit", day + timedelta(days=7))
    assert "invoice_number" in refused.value.errors
    _go(officer, pathway, "start_document_audit", day := day + timedelta(days=7),
        invoice_number="INV/2025/001")  # fmt: skip
    assert pathway.invoice_number == "INV/2025/001"
    _go(officer, pathway, "start_site_audit", day := day + timedelta(days=14))
    finding = operations.add_finding(
        officer, pathway, grade="minor", description="Catatan batch belum ada.", raised_on=day
    )
    assert finding.due_on == date(day.year, day.month + 2, day.day)  # default: two months
    # the sampling officer takes the sample during the stage-2 visit: a failed test first
    failed = _lab(officer, pathway, day, failing="moisture", report="LHU/1")
    assert failed.passed is False
    assert [r.parameter.key for r in failed.results if not r.passed] == ["moisture"]
    _go(officer, pathway, "start_testing", day := day + timedelta(days=10))
    passed = _lab(officer, pathway, day, report="LHU/2")
    assert passed.passed is True and passed.round == 2
    with pytest.raises(DomainError, match="nothing to repeat"):
        _lab(officer, pathway, day + timedelta(days=1), report="LHU/3")
    with pytest.raises(DomainError, match="still open"):
        _go(officer, pathway, "start_technical_review", day + timedelta(days=10))
    operations.close_finding(officer, finding, closed_on=day + timedelta(days=15), note="Dibuat.")
    _go(officer, pathway, "start_technical_review", day := day + timedelta(days=20))
    _go(officer, pathway, "to_decision", day := day + timedelta(days=7))
    _go(
        officer,
        pathway,
        "certify",
        day := day + timedelta(days=20),
        certificate_number="SPPT-0001",
        issued_on=day,
    )
    assert pathway.stage == Stage.CERTIFIED
    certificate = pathway.certificate
    assert certificate.issuer == "LSPro Contoh"
    assert certificate.expires_on == date(day.year + 4, day.month, day.day)  # SPPT's validity
    assert [s.due_on for s in certificate.surveillances] == [
        date(day.year + n, day.month, day.day) for n in (1, 2, 3)
    ]
    assert [s.stage for s in pathway.stages] == [
        Stage.REGISTERED, Stage.READINESS, Stage.GUIDANCE, Stage.DOCUMENTS_READY,
        Stage.APPLIED, Stage.COMPLETENESS_CHECK, Stage.APPLICATION_REVIEW,
        Stage.DOCUMENT_AUDIT, Stage.SITE_AUDIT, Stage.TESTING, Stage.TECHNICAL_REVIEW,
        Stage.DECISION, Stage.CERTIFIED,
    ]  # fmt: skip
    # the time spent in each stage is the distance between its start and the next one's
    assert [r.days(day) for r in pathway.stages][:3] == [5, 10, 30]

    _go(officer, pathway, "start_surveillance", day := day + timedelta(days=5))
    operations.record_surveillance(
        officer, certificate.surveillances[0], done_on=day, notes="Sesuai."
    )
    _go(officer, pathway, "start_renewal", day := day + timedelta(days=10))
    _go(officer, pathway, "renew", day, certificate_number="SPPT-0002", issued_on=day)
    assert pathway.stage == Stage.CERTIFIED and pathway.certificate.number == "SPPT-0002"


@pytest.mark.parametrize(
    ("stage", "action", "missing"),
    [
        (Stage.REGISTERED, "start_guidance", "Readiness assessment"),
        (Stage.REGISTERED, "start_testing", "Production-site audit (stage 2)"),
        (Stage.READINESS, "apply", "Documents ready"),
    ],
)
def test_skipping_a_stage_is_refused_with_a_clear_message(setup, stage, action, missing):
    officer, pathway = setup
    if stage == Stage.READINESS:
        _go(officer, pathway, "start_readiness", START)
    with pytest.raises(DomainError) as refused:
        _go(officer, pathway, action, START)
    assert f"“{missing}” must be done first" in str(refused.value.message)
    assert pathway.stage == stage


def test_readiness_must_be_answered_and_lspro_number_checked(setup):
    officer, pathway = setup
    _go(officer, pathway, "start_readiness", START)
    with pytest.raises(DomainError, match="still open"):
        _go(officer, pathway, "start_guidance", START)
    _readiness(officer, pathway)
    _go(officer, pathway, "start_guidance", START)
    _go(officer, pathway, "documents_ready", START)
    with pytest.raises(DomainError, match="LSPr-034-IDN"):
        _go(officer, pathway, "apply", START, lspro_name="X", lspro_accreditation="LSPR 34")
    assert pathway.stage == Stage.DOCUMENTS_READY


def test_hold_resume_and_withdraw(setup):
    officer, pathway = setup
    _go(officer, pathway, "start_readiness", START)
    with pytest.raises(DomainError):
        _go(officer, pathway, "hold", START)  # a reason is required
    _go(officer, pathway, "hold", START + timedelta(days=3), reason="Pemilik sakit")
    assert pathway.stage == Stage.ON_HOLD and pathway.held_stage == Stage.READINESS
    assert [t.name for t in workflow.available_steps(pathway, officer)] == [
        "withdraw",
        "resume_readiness",
    ]
    with pytest.raises(DomainError):
        _go(officer, pathway, "resume_guidance", START + timedelta(days=9))
    _go(officer, pathway, "resume_readiness", START + timedelta(days=10))
    assert pathway.stage == Stage.READINESS and pathway.held_stage is None
    _go(officer, pathway, "withdraw", START + timedelta(days=11), reason="Tutup usaha")
    assert pathway.stage == Stage.WITHDRAWN and pathway.withdraw_reason == "Tutup usaha"
    assert workflow.available_steps(pathway, officer) == []
    with pytest.raises(DomainError):
        _go(officer, pathway, "resume_readiness", START + timedelta(days=12))


def test_dates_before_the_current_stage_or_in_the_future_are_refused(setup):
    officer, pathway = setup
    with pytest.raises(DomainError, match="before the current stage"):
        _go(officer, pathway, "start_readiness", START - timedelta(days=1))
    with pytest.raises(DomainError, match="future"):
        _go(officer, pathway, "start_readiness", date.today() + timedelta(days=2))


def _to_testing(officer, pathway):
    advance(officer, pathway, Stage.TESTING, START)


def _record(officer, pathway, results, **kwargs):
    values = {"lab_name": "L", "lab_accreditation": "LP-123-IDN", "report_number": "R",
              "sampled_on": TESTING, "tested_on": TESTING, "results": results}  # fmt: skip
    values.update(kwargs)
    return labtests.record_lab_test(officer, pathway, **values)


def test_lab_results_outside_the_sni_or_incomplete_are_refused(setup):
    officer, pathway = setup
    _to_testing(officer, pathway)
    results = _results(pathway)
    with pytest.raises(DomainError, match="kio3 is not a parameter of SNI 8664:2018"):
        _record(officer, pathway, {**results, "kio3": "40"})
    with pytest.raises(DomainError, match="LP-123-IDN") as refused:
        _record(officer, pathway, results, lab_accreditation="LSPr-034-IDN")
    assert refused.value.field == "lab_accreditation"
    with pytest.raises(ValidationFailed) as missing_number:
        _record(officer, pathway, results, lab_accreditation=" ")
    assert "lab_accreditation" in missing_number.value.errors
    del results["hmf"]
    with pytest.raises(DomainError, match="missing"):
        _record(officer, pathway, results)
    assert pathway.lab_tests == []


def test_certificate_expiring_before_issue_is_refused(setup):
    officer, pathway = setup
    advance(officer, pathway, Stage.DECISION, START)
    with pytest.raises(DomainError, match="expire after"):
        _go(
            officer, pathway, "certify", START + timedelta(days=20),
            certificate_number="C-1", issued_on=date(2025, 6, 1), expires_on=date(2025, 6, 1),
        )  # fmt: skip
    assert pathway.stage == Stage.DECISION and pathway.certificates == []


def test_scheme_type_without_surveillance_goes_to_renewal(app):
    load_catalogue()
    product = ProductFactory(standard_id=standard("SNI-3556-2016").id)
    officer = coop_officer(product.business.city)
    pathway = operations.open_pathway(
        officer, product, scheme="sppt_sni", scheme_type="1a", started_on=START
    )
    # a type test: no production audit between the agreement and the testing
    assert Stage.SITE_AUDIT not in pathway.stage_list
    advance(officer, pathway, Stage.DECISION, START)
    _go(officer, pathway, "certify", START + timedelta(days=20), certificate_number="C-1a",
        issued_on=START + timedelta(days=20))  # fmt: skip
    assert pathway.certificate.surveillances == []
    with pytest.raises(DomainError, match="no surveillance"):
        _go(officer, pathway, "start_surveillance", START + timedelta(days=21))
    _go(officer, pathway, "start_renewal", START + timedelta(days=22))
    assert pathway.stage == Stage.RENEWAL


def _parameter(**limits) -> TestParameter:
    return TestParameter(key="p", name_id="P", name_en="P", unit="%", **limits)


@pytest.mark.parametrize(
    ("limits", "raw", "passed"),
    [
        ({"max_value": Decimal("22")}, "22", True),
        ({"max_value": Decimal("22")}, "22,1", False),
        ({"min_value": Decimal("30")}, "29.9", False),
        ({"min_value": Decimal("30")}, "30", True),
        ({"min_value": Decimal("6"), "max_value": Decimal("8.5")}, "5.9", False),
        ({"min_value": Decimal("6"), "max_value": Decimal("8.5")}, "7", True),
        ({"expected_id": "tidak terdeteksi", "expected_en": "not detected"}, "Not  Detected", True),
        ({"expected_id": "tidak terdeteksi", "expected_en": "not detected"}, "terdeteksi", False),
    ],
)
def test_pass_or_fail_is_computed_against_the_limit(app, limits, raw, passed):
    verdict = labtests.evaluate(_parameter(**limits), raw)[2]
    assert verdict == (Verdict.PASS if passed else Verdict.FAIL)


def test_a_numeric_parameter_refuses_text(app):
    with pytest.raises(DomainError, match="not a number"):
        labtests.evaluate(_parameter(max_value=Decimal("5")), "banyak")


def test_iodised_salt_kio3_minimum(app):
    load_catalogue()
    kio3 = next(p for p in standard("SNI-3556-2016").parameters if p.key == "kio3")
    assert kio3.min_value == 30 and kio3.max_value is None
    assert labtests.evaluate(kio3, "25")[2] == Verdict.FAIL
    assert labtests.evaluate(kio3, "35")[2] == Verdict.PASS


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_certificate_before_the_decision_is_refused_with_the_date_in_the_users_language(setup):
    officer, pathway = setup
    advance(officer, pathway, Stage.DECISION, START)  # one stage a day: the decision on 14 March
    assert pathway.current_stage_record.started_on == DECISION
    stages = len(pathway.stages)
    expected = {
        "en": "The certificate cannot be issued before the stage “Certification decision” began "
        "(March 14, 2025).",
        "id": "Sertifikat tidak dapat diterbitkan sebelum tahap “Keputusan sertifikasi” dimulai "
        "(14 Maret 2025).",
    }
    # the day before the decision, and before the pathway even started
    for issued_on, language in ((date(2025, 3, 13), "en"), (START - timedelta(days=30), "id")):
        with force_locale(language), pytest.raises(DomainError) as refused:
            _go(
                officer, pathway, "certify", date(2025, 3, 20),
                certificate_number="C-1", issued_on=issued_on,
            )  # fmt: skip
        assert refused.value.field == "issued_on"
        with force_locale(language):
            assert str(refused.value.message) == expected[language]
    assert pathway.stage == Stage.DECISION and len(pathway.stages) == stages
    assert _count(Certificate) == 0 and _count(Surveillance) == 0
    # the decision's own day is fine
    _go(officer, pathway, "certify", date(2025, 3, 20), certificate_number="C-1",
        issued_on=DECISION)  # fmt: skip
    assert pathway.stage == Stage.CERTIFIED and pathway.certificate.number == "C-1"


def test_a_date_before_the_current_stage_is_named_in_the_users_language(setup):
    officer, pathway = setup
    with pytest.raises(DomainError) as refused:
        _go(officer, pathway, "start_readiness", START - timedelta(days=1))
    assert str(refused.value.message) == (
        "The date cannot be before the current stage began (March 3, 2025)."
    )
    with force_locale("id"):
        with pytest.raises(DomainError) as refused:
            _go(officer, pathway, "start_readiness", START - timedelta(days=1))
        assert str(refused.value.message) == (
            "Tanggal tidak boleh sebelum tahap saat ini dimulai (3 Maret 2025)."
        )
    assert pathway.stage == Stage.REGISTERED and len(pathway.stages) == 1


def test_lab_dates_before_the_sampling_and_a_repeated_report_number_are_refused(setup):
    officer, pathway = setup
    _to_testing(officer, pathway)  # the site audit (where sampling may be) began on 11 March
    began = SITE_AUDIT

    def record(report: str, sampled_on: date, tested_on: date, failing: str | None = None):
        return _record(officer, pathway, _results(pathway, failing), report_number=report,
                       sampled_on=sampled_on, tested_on=tested_on)  # fmt: skip

    with pytest.raises(DomainError) as refused:
        record("LHU/1", began - timedelta(days=1), began + timedelta(days=3))
    assert refused.value.field == "sampled_on"
    assert str(refused.value.message) == (
        "The sample cannot be taken before the stage it is taken in began (March 11, 2025)."
    )
    with pytest.raises(DomainError, match="before the sampling date") as refused:
        record("LHU/1", began + timedelta(days=2), began + timedelta(days=1))
    assert refused.value.field == "tested_on"
    assert _count(LabTest) == 0 and _count(TestResult) == 0

    record("LHU/1", began, began + timedelta(days=3), failing="hmf")
    with pytest.raises(DomainError) as refused:
        record("  lhu/1 ", began + timedelta(days=4), began + timedelta(days=6))
    assert refused.value.field == "report_number"
    assert str(refused.value.message) == "Lab report lhu/1 is already recorded for this pathway."
    assert [t.report_number for t in pathway.lab_tests] == ["LHU/1"]
    assert _count(LabTest) == 1
    record("LHU/2", began + timedelta(days=4), began + timedelta(days=6))
    assert [t.passed for t in pathway.lab_tests] == [False, True]


def test_a_pathway_on_hold_resumes_only_where_it_was_held(setup):
    officer, pathway = setup
    _go(officer, pathway, "start_readiness", START)
    _go(officer, pathway, "hold", START + timedelta(days=1), reason="Pemilik sakit")
    assert [s.name for s in workflow.available_steps(pathway, officer)] == [
        "withdraw",
        "resume_readiness",
    ]
    with pytest.raises(DomainError) as refused:
        _go(officer, pathway, "resume_site_audit", START + timedelta(days=2))
    assert str(refused.value.message) == (
        "The pathway was put on hold during “Readiness assessment” and resumes there."
    )
    assert pathway.stage == Stage.ON_HOLD and pathway.held_stage == Stage.READINESS


def test_scheme_types_decide_once_whether_surveillance_is_offered(app):
    load_catalogue()
    product = ProductFactory(standard_id=standard("SNI-3556-2016").id)
    officer = coop_officer(product.business.city)
    pathways = {
        scheme_type: operations.open_pathway(
            officer,
            ProductFactory(business=product.business, standard_id=product.standard_id),
            scheme="sppt_sni",
            scheme_type=scheme_type,
            started_on=START,
        )
        for scheme_type in ("1b", "5")
    }
    for pathway in pathways.values():
        advance(officer, pathway, Stage.CERTIFIED, START)
    offered = {
        scheme_type: {s.name for s in workflow.available_steps(pathway, officer)}
        for scheme_type, pathway in pathways.items()
    }
    # a batch certificate: neither surveillance nor renewal
    assert offered["1b"] == {"hold", "withdraw"}
    assert "start_surveillance" in offered["5"] and "start_renewal" not in offered["5"]
    with pytest.raises(DomainError, match="must be done first"):
        _go(officer, pathways["5"], "start_renewal", START + timedelta(days=30))
    with pytest.raises(DomainError, match="never renewed"):
        _go(officer, pathways["1b"], "start_renewal", START + timedelta(days=30))
    assert pathways["1b"].certificate.batch == "LOT-1"


def test_surveillance_is_recorded_only_while_the_certificate_is_in_force(setup):
    officer, pathway = setup
    advance(officer, pathway, Stage.CERTIFIED, START)
    due = pathway.certificate.surveillances[0]
    _go(officer, pathway, "hold", START + timedelta(days=20), reason="Produksi berhenti")
    with pytest.raises(DomainError, match="while the certificate is in force"):
        operations.record_surveillance(officer, due, done_on=START + timedelta(days=21), notes="")
    assert due.done_on is None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"issued_on": date(9999, 1, 1)}, "issued_on", "future"),
        ({"expires_on": date(9999, 12, 31)}, "expires_on", "at most 10 years"),
    ],
)
def test_a_certificate_far_from_today_is_refused(setup, change, field, message):
    officer, pathway = setup
    advance(officer, pathway, Stage.DECISION, START)
    certify = {"certificate_number": "C-9", "issued_on": DECISION, **change}
    with pytest.raises(DomainError, match=message) as refused:
        _go(officer, pathway, "certify", DECISION, **certify)
    assert refused.value.field == field
    assert _count(Certificate) == 0 and _count(Surveillance) == 0


def test_an_active_pathway_is_the_same_rule_in_python_and_sql(setup):
    officer, pathway = setup
    other = operations.open_pathway(
        officer,
        honey(business=pathway.product.business),
        scheme="sni_bina_umk",
        scheme_type=None,
        started_on=START,
    )
    _go(officer, other, "withdraw", START, reason="Tutup")
    in_sql = set(db.session.scalars(select(Pathway.id).where(Pathway.is_active)))
    assert in_sql == {p.id for p in (pathway, other) if p.is_active} == {pathway.id}
