"""The certification pathway: every allowed step, refused skips, hold/resume/withdraw, lab results
judged against the SNI's limits, certificates; and one business carried from registration through
a failed and a passed lab test to its certificate."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.core.errors import DomainError
from qms.extensions import db
from qms.sme import catalogue, labtests, operations, workflow
from qms.sme.demo import failing_value, passing_value
from qms.sme.models import Certificate, LabTest, Pathway, Surveillance, TestParameter, TestResult
from qms.sme.vocabulary import Stage
from tests.factories_sme import ProductFactory, advance, coop_officer, load_catalogue, standard

START = date(2025, 3, 3)
#: when `advance` (one stage a day from START) reaches sampling and lab testing
TESTING = date(2025, 3, 9)


@pytest.fixture(autouse=True)
def english(app):
    """Services' messages are lazy strings: read them in English, as in a request."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def setup(app):
    load_catalogue()
    product = ProductFactory(standard_id=standard("SNI-8664-2018").id)
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
    values = {p.key: passing_value(p) for p in pathway.standard.current_parameters}
    if failing:
        parameter = next(p for p in pathway.standard.current_parameters if p.key == failing)
        values[failing] = failing_value(parameter)
    return values


def _lab(officer, pathway, day, failing=None, report="LHU/1"):
    return labtests.record_lab_test(
        officer,
        pathway,
        lab_name="Lab Uji Kupang",
        report_number=report,
        sampled_on=day,
        tested_on=day + timedelta(days=5),
        results=_results(pathway, failing),
    )


def _go(officer, pathway, action, day, **extra):
    return workflow.transition(officer, pathway, action, on=day, **extra)


def test_one_business_from_registration_to_certificate(setup):
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
    _go(officer, pathway, "start_site_audit", day := day + timedelta(days=20))
    finding = operations.add_finding(
        officer, pathway, grade="minor", description="Catatan batch belum ada.", raised_on=day
    )
    assert finding.due_on == date(day.year, day.month + 2, day.day)  # default: two months
    with pytest.raises(DomainError, match="still open"):
        _go(officer, pathway, "start_testing", day + timedelta(days=30))
    operations.close_finding(officer, finding, closed_on=day + timedelta(days=25), note="Dibuat.")
    _go(officer, pathway, "start_testing", day := day + timedelta(days=30))

    failed = _lab(officer, pathway, day, failing="moisture", report="LHU/1")
    assert failed.passed is False
    assert [r.parameter.key for r in failed.results if not r.passed] == ["moisture"]
    with pytest.raises(DomainError, match="failed"):
        _go(officer, pathway, "to_decision", day + timedelta(days=10))
    passed = _lab(officer, pathway, day + timedelta(days=20), report="LHU/2")
    assert passed.passed is True and passed.round == 2
    with pytest.raises(DomainError, match="nothing to repeat"):
        _lab(officer, pathway, day + timedelta(days=21), report="LHU/3")

    _go(officer, pathway, "to_decision", day := day + timedelta(days=40))
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
    assert certificate.expires_on == date(day.year + 4, day.month, day.day)  # default validity
    assert [s.due_on for s in certificate.surveillances] == [
        date(day.year + n, day.month, day.day) for n in (1, 2, 3)
    ]
    assert [s.stage for s in pathway.stages] == [
        Stage.REGISTERED, Stage.READINESS, Stage.GUIDANCE, Stage.DOCUMENTS_READY,
        Stage.APPLIED, Stage.SITE_AUDIT, Stage.TESTING, Stage.DECISION, Stage.CERTIFIED,
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
        (Stage.REGISTERED, "start_testing", "Production-site audit"),
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


def test_lab_results_outside_the_sni_or_incomplete_are_refused(setup):
    officer, pathway = setup
    _to_testing(officer, pathway)
    results = _results(pathway)
    with pytest.raises(DomainError, match="kio3 is not a parameter of SNI 8664:2018"):
        labtests.record_lab_test(
            officer, pathway, lab_name="L", report_number="R", sampled_on=TESTING,
            tested_on=TESTING, results={**results, "kio3": "40"},
        )  # fmt: skip
    del results["hmf"]
    with pytest.raises(DomainError, match="missing"):
        labtests.record_lab_test(
            officer, pathway, lab_name="L", report_number="R", sampled_on=TESTING,
            tested_on=TESTING, results=results,
        )  # fmt: skip
    assert pathway.lab_tests == []


def test_certificate_expiring_before_issue_is_refused(setup):
    officer, pathway = setup
    _to_testing(officer, pathway)
    _lab(officer, pathway, TESTING)
    _go(officer, pathway, "to_decision", START + timedelta(days=10))
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
    _to_testing(officer, pathway)
    _lab(officer, pathway, TESTING)
    _go(officer, pathway, "to_decision", START + timedelta(days=10))
    _go(officer, pathway, "certify", START + timedelta(days=20), certificate_number="C-1a",
        issued_on=START + timedelta(days=20))  # fmt: skip
    assert pathway.certificate.surveillances == []
    with pytest.raises(DomainError, match="no surveillance"):
        _go(officer, pathway, "start_surveillance", START + timedelta(days=21))
    _go(officer, pathway, "renew_without_surveillance", START + timedelta(days=22))
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
    assert labtests.evaluate(_parameter(**limits), raw)[2] is passed


def test_a_numeric_parameter_refuses_text(app):
    with pytest.raises(DomainError, match="not a number"):
        labtests.evaluate(_parameter(max_value=Decimal("5")), "banyak")


def test_iodised_salt_kio3_minimum(app):
    load_catalogue()
    kio3 = next(p for p in standard("SNI-3556-2016").parameters if p.key == "kio3")
    assert kio3.min_value == 30 and kio3.max_value is None
    assert labtests.evaluate(kio3, "25")[2] is False
    assert labtests.evaluate(kio3, "35")[2] is True


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_certificate_before_the_decision_is_refused_with_the_date_in_the_users_language(setup):
    officer, pathway = setup
    advance(officer, pathway, Stage.DECISION, START)  # one stage a day: the decision on 10 March
    assert pathway.current_stage_record.started_on == date(2025, 3, 10)
    stages = len(pathway.stages)
    expected = {
        "en": "The certificate cannot be issued before the stage “Certification decision” began "
        "(March 10, 2025).",
        "id": "Sertifikat tidak dapat diterbitkan sebelum tahap “Keputusan sertifikasi” dimulai "
        "(10 Maret 2025).",
    }
    # the day before the decision, and before the pathway even started
    for issued_on, language in ((date(2025, 3, 9), "en"), (START - timedelta(days=30), "id")):
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
        issued_on=date(2025, 3, 10))  # fmt: skip
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


def test_lab_dates_before_the_testing_stage_and_a_repeated_report_number_are_refused(setup):
    officer, pathway = setup
    _to_testing(officer, pathway)  # sampling and testing began on 9 March
    began = pathway.current_stage_record.started_on
    assert began == date(2025, 3, 9)

    def record(report: str, sampled_on: date, tested_on: date, failing: str | None = None):
        return labtests.record_lab_test(
            officer, pathway, lab_name="Lab Uji Kupang", report_number=report,
            sampled_on=sampled_on, tested_on=tested_on, results=_results(pathway, failing),
        )  # fmt: skip

    with pytest.raises(DomainError) as refused:
        record("LHU/1", began - timedelta(days=1), began + timedelta(days=3))
    assert refused.value.field == "sampled_on"
    assert str(refused.value.message) == (
        "The sample cannot be taken before sampling and lab testing began (March 9, 2025)."
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
    assert (
        "renew_without_surveillance" in offered["1b"] and "start_surveillance" not in offered["1b"]
    )
    assert "start_surveillance" in offered["5"] and "renew_without_surveillance" not in offered["5"]
    with pytest.raises(DomainError, match="must be done first"):
        _go(officer, pathways["5"], "renew_without_surveillance", START + timedelta(days=30))


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
    certify = {"certificate_number": "C-9", "issued_on": START + timedelta(days=10), **change}
    with pytest.raises(DomainError, match=message) as refused:
        _go(officer, pathway, "certify", START + timedelta(days=10), **certify)
    assert refused.value.field == field
    assert _count(Certificate) == 0 and _count(Surveillance) == 0


def test_an_active_pathway_is_the_same_rule_in_python_and_sql(setup):
    officer, pathway = setup
    other = operations.open_pathway(
        officer,
        ProductFactory(business=pathway.product.business, standard_id=pathway.standard_id),
        scheme="sni_bina_umk",
        scheme_type=None,
        started_on=START,
    )
    _go(officer, other, "withdraw", START, reason="Tutup")
    in_sql = set(db.session.scalars(select(Pathway.id).where(Pathway.is_active)))
    assert in_sql == {p.id for p in (pathway, other) if p.is_active} == {pathway.id}
