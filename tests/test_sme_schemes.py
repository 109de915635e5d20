"""SNI fidelity: lab results as laboratories write them judged against each kind of limit, the
columns of an SNI's table (honey categories, palm sugar forms) giving different verdicts on the
same numbers, impossible values refused; each scheme walked to its certificate; a batch
certificate never renewed; the migration of the demo's pathways to their schemes' lists; and a
stale or missing version refused on the pages."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import Date, DateTime, MetaData, Numeric, select

from qms import create_app
from qms.core.errors import DomainError
from qms.core.history import history_of
from qms.extensions import db
from qms.sme import labtests, operations, workflow
from qms.sme.catalogue_models import TestParameter
from qms.sme.certificates import BSN
from qms.sme.demo import results as demo_results
from qms.sme.models import Business, Pathway, Product, StageRecord, TestResult
from qms.sme.vocabulary import BINA_UMK_FORMER_STAGES, Stage, Verdict
from tests.factories_sme import (
    ProductFactory,
    advance,
    coop_officer,
    honey,
    lab_test,
    load_catalogue,
    standard,
    variant,
)
from tests.test_migrations import MIGRATIONS, empty_database_url  # noqa: F401  (a fixture)

START = date(2025, 3, 3)
DEMO_0015 = Path(__file__).parent / "data" / "sme_demo_0015.json"


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context(), force_locale("en"):
        yield


def _parameter(unit: str = "koloni/g", **limits) -> TestParameter:
    return TestParameter(
        key="p", name_id="P", name_en="P", unit=unit, possible_min=Decimal(0), **limits
    )


MAX_10 = {"max_value": Decimal("10")}
BELOW_3 = {"max_value": Decimal("3"), "max_exclusive": True}
MIN_30 = {"min_value": Decimal("30")}
RANGE = {"min_value": Decimal("6"), "max_value": Decimal("8.5")}
NOT_DETECTED = {"expected_id": "tidak terdeteksi", "expected_en": "not detected"}


@pytest.mark.parametrize(
    ("limits", "raw", "verdict", "number"),
    [
        # a plain number, with a decimal comma or a power of ten
        (MAX_10, "9,5", Verdict.PASS, Decimal("9.5")),
        (MAX_10, "1,0 × 10¹", Verdict.PASS, Decimal("10")),
        (MAX_10, "1,1 x 10^1", Verdict.FAIL, Decimal("11")),
        # "less than": passes a maximum it cannot exceed, cannot be judged when it could
        (MAX_10, "< 10", Verdict.PASS, None),
        (MAX_10, "<10", Verdict.PASS, None),
        (MAX_10, "< 1,0 × 10¹", Verdict.PASS, None),
        (MAX_10, "< 1,0 × 10²", Verdict.CANNOT_JUDGE, None),
        (MAX_10, "> 10", Verdict.FAIL, None),
        (MAX_10, "> 5", Verdict.CANNOT_JUDGE, None),
        # a strict maximum ("< 3 APM/g"): the limit itself fails, "< 3" passes
        (BELOW_3, "3", Verdict.FAIL, Decimal("3")),
        (BELOW_3, "< 3", Verdict.PASS, None),
        (BELOW_3, "2,9", Verdict.PASS, Decimal("2.9")),
        # not detected, however the lab writes it
        (MAX_10, "ttd", Verdict.PASS, None),
        (MAX_10, "Tidak Terdeteksi", Verdict.PASS, None),
        (MAX_10, "ND", Verdict.PASS, None),
        (MAX_10, "negatif", Verdict.PASS, None),
        (MIN_30, "ttd", Verdict.FAIL, None),
        (MIN_30, "< 20", Verdict.FAIL, None),
        (MIN_30, "< 40", Verdict.CANNOT_JUDGE, None),
        (MIN_30, "> 30", Verdict.PASS, None),
        (RANGE, "< 5", Verdict.FAIL, None),
        (RANGE, "7", Verdict.PASS, Decimal("7")),
        # a qualitative "not detected"
        (NOT_DETECTED, "ttd", Verdict.PASS, None),
        (NOT_DETECTED, "negatif", Verdict.PASS, None),
        (NOT_DETECTED, "0", Verdict.PASS, None),
        (NOT_DETECTED, "positif", Verdict.FAIL, None),
        (NOT_DETECTED, "12", Verdict.FAIL, None),
        (NOT_DETECTED, "< 2", Verdict.CANNOT_JUDGE, None),
    ],
)
def test_a_result_as_the_lab_writes_it_is_judged_against_each_kind_of_limit(
    app, limits, raw, verdict, number
):
    value, text, judged = labtests.evaluate(_parameter(**limits), raw)
    assert judged == verdict
    assert value == number
    assert text == (None if number is not None else " ".join(raw.split()))


def test_a_unit_written_after_the_number_must_be_the_limits(app):
    coliform = _parameter(unit="APM/100 mL", max_value=Decimal("2"))
    assert labtests.evaluate(coliform, "< 2 APM/100 mL")[2] == Verdict.PASS
    assert labtests.evaluate(coliform, "< 2 apm/100ml")[2] == Verdict.PASS
    with pytest.raises(DomainError, match="written in APM/g") as refused:
        labtests.evaluate(coliform, "< 2 APM/g")
    assert refused.value.field == "results"


def test_an_impossible_value_is_refused_not_passed(app):
    load_catalogue()
    nacl = next(p for p in standard("SNI-3556-2016").current_parameters if p.key == "nacl")
    with pytest.raises(DomainError, match="impossible") as refused:
        labtests.evaluate(nacl, "112,8")
    assert "between 0 and 100" in str(refused.value.message)
    with pytest.raises(DomainError, match="impossible"):
        labtests.evaluate(nacl, "-1")
    assert labtests.evaluate(nacl, "97,2")[2] == Verdict.PASS


def _pathway(product: Product, scheme: str = "sppt_sni", scheme_type: str | None = "5"):
    officer = coop_officer(product.business.city)
    pathway = operations.open_pathway(
        officer, product, scheme=scheme, scheme_type=scheme_type, started_on=START
    )
    return officer, pathway


def test_honey_categories_give_different_verdicts_on_the_same_numbers(app):
    load_catalogue()
    forest_officer, forest = _pathway(honey("hutan"))
    trigona_officer, trigona = _pathway(honey("trigona"))
    for officer, pathway in ((forest_officer, forest), (trigona_officer, trigona)):
        advance(officer, pathway, Stage.TESTING, START)
    # a stingless-bee honey: wetter, less reducing sugar, more acid than Apis honey may be
    same = {"moisture": "25", "reducing-sugar": "60", "acidity": "150"}
    tested = date(2025, 3, 12)
    tests = {
        name: lab_test(officer, pathway, tested, results={**demo_results(pathway), **same})
        for name, officer, pathway in (
            ("forest", forest_officer, forest),
            ("trigona", trigona_officer, trigona),
        )
    }
    failed = {n: {r.parameter.key for r in t.results if not r.passed} for n, t in tests.items()}
    assert failed == {"forest": {"moisture", "reducing-sugar", "acidity"}, "trigona": set()}
    assert tests["trigona"].passed is True and tests["forest"].passed is False


def test_palm_sugar_forms_give_different_verdicts_on_the_same_numbers(app):
    load_catalogue()
    code = "SNI-01-3743-1995"
    verdicts = {}
    for form in ("cetak", "butiran"):
        column = variant(code, form)
        product = ProductFactory(standard_id=column.standard_id, variant_id=column.id)
        officer, pathway = _pathway(product, "sni_bina_umk", None)
        advance(officer, pathway, Stage.VERIFICATION, START)
        same = {"moisture": "5", "insoluble": "0,5", "total-sugar": "85"}
        values = {**demo_results(pathway), **same}
        done = lab_test(officer, pathway, date(2025, 3, 8), results=values)
        verdicts[form] = {
            r.parameter.key: r.verdict for r in done.results if r.parameter.key in same
        }
    assert verdicts["cetak"] == dict.fromkeys(same, Verdict.PASS)
    assert verdicts["butiran"] == dict.fromkeys(same, Verdict.FAIL)


def test_a_product_of_an_sni_with_columns_must_choose_one(app):
    load_catalogue()
    product = ProductFactory(standard_id=standard("SNI-8664-2018").id)
    officer = coop_officer(product.business.city)
    with pytest.raises(DomainError, match="honey category") as refused:
        operations.open_pathway(
            officer, product, scheme="sppt_sni", scheme_type="5", started_on=START
        )
    assert refused.value.field == "variant_id"
    salt = variant("SNI-01-3743-1995", "cetak")  # a column of another SNI
    values = {"name": product.name, "brand": "", "category": "honey",
              "standard_id": product.standard_id, "variant_id": salt.id}  # fmt: skip
    with pytest.raises(DomainError, match="choose one of"):
        operations.update_product(officer, product, values)


def test_a_result_that_cannot_be_judged_holds_the_decision_with_its_reason(app):
    load_catalogue()
    officer, pathway = _pathway(honey("hutan"))
    advance(officer, pathway, Stage.TESTING, START)
    unclear = lab_test(
        officer, pathway, date(2025, 3, 12),
        results={**demo_results(pathway), "total-plate-count": "< 1,0 × 10⁴"},
    )  # fmt: skip
    result = next(r for r in unclear.results if r.parameter.key == "total-plate-count")
    assert (result.verdict, result.passed, result.value) == (
        Verdict.CANNOT_JUDGE, False, "< 1,0 × 10⁴",
    )  # fmt: skip
    assert unclear.passed is False
    with pytest.raises(DomainError, match="cannot be judged"):
        workflow.transition(officer, pathway, "start_technical_review", on=date(2025, 3, 13))


def test_sni_bina_umk_walks_to_its_certificate_without_an_lspro(app):
    load_catalogue()
    officer, pathway = _pathway(honey("trigona"), "sni_bina_umk", None)
    assert pathway.stage == Stage.SOCIALISATION
    assert pathway.stage_list == (
        Stage.SOCIALISATION, Stage.GUIDANCE, Stage.OSS_APPLICATION, Stage.VERIFICATION,
        Stage.CERTIFIED, Stage.RENEWAL,
    )  # fmt: skip
    offered = set()
    day = START
    while pathway.stage != Stage.VERIFICATION:
        step = workflow.next_step(pathway)
        offered |= {s.name for s in workflow.available_steps(pathway, officer)}
        if step.name == "apply_oss":
            with pytest.raises(DomainError, match="readiness checklist"):
                workflow.transition(officer, pathway, step.name, on=day)
            advance(officer, pathway, Stage.OSS_APPLICATION, day)
            continue
        day += timedelta(days=1)
        workflow.transition(officer, pathway, step.name, on=day)
    assert "apply" not in offered and "start_site_audit" not in offered
    assert all("lspro" not in f for name in offered for f in workflow.STEPS[name].fields)
    lab_test(officer, pathway, date(2025, 3, 20))
    with pytest.raises(DomainError, match="Enter the expiry date") as refused:
        workflow.transition(officer, pathway, "certify", on=date(2025, 3, 25),
                            certificate_number="BINA-1", issued_on=date(2025, 3, 25))  # fmt: skip
    assert refused.value.field == "expires_on"  # Bina UMK's validity is not assumed
    workflow.transition(officer, pathway, "certify", on=date(2025, 3, 25),
                        certificate_number="BINA-1", issued_on=date(2025, 3, 25),
                        expires_on=date(2028, 3, 25))  # fmt: skip
    certificate = pathway.certificate
    assert pathway.stage == Stage.CERTIFIED and pathway.lspro_accreditation == ""
    assert certificate.issuer == BSN and certificate.surveillances == []
    assert not pathway.has_surveillance
    assert {s.name for s in workflow.available_steps(pathway, officer)} == {
        "start_renewal", "hold", "withdraw",
    }  # fmt: skip


def test_validity_and_surveillance_are_configured_per_scheme(app):
    load_catalogue()
    app.config["SME_SNI_BINA_UMK_CERTIFICATE_YEARS"] = 3
    app.config["SME_SNI_BINA_UMK_SURVEILLANCE_MONTHS"] = 18
    officer, pathway = _pathway(honey("hutan"), "sni_bina_umk", None)
    assert Stage.SURVEILLANCE in pathway.stage_list
    advance(officer, pathway, Stage.VERIFICATION, START)
    lab_test(officer, pathway, date(2025, 3, 20))
    workflow.transition(officer, pathway, "certify", on=date(2025, 3, 25),
                        certificate_number="BINA-2", issued_on=date(2025, 3, 25))  # fmt: skip
    assert pathway.certificate.expires_on == date(2028, 3, 25)
    # every 18 months while it is valid: once, since the second would fall on its expiry
    assert [s.due_on for s in pathway.certificate.surveillances] == [date(2026, 9, 25)]


def test_a_batch_certificate_covers_its_batch_and_is_never_renewed(app):
    load_catalogue()
    product = ProductFactory(standard_id=standard("SNI-3556-2016").id)
    officer, pathway = _pathway(product, "sppt_sni", "1b")
    advance(officer, pathway, Stage.DECISION, START)
    with pytest.raises(DomainError, match="name it") as refused:
        workflow.transition(officer, pathway, "certify", on=date(2025, 3, 20),
                            certificate_number="B-1", issued_on=date(2025, 3, 20))  # fmt: skip
    assert refused.value.field == "batch"
    workflow.transition(officer, pathway, "certify", on=date(2025, 3, 20), batch="LOT 2025-07",
                        certificate_number="B-1", issued_on=date(2025, 3, 20))  # fmt: skip
    assert pathway.certificate.batch == "LOT 2025-07"
    assert pathway.certificate.surveillances == []
    assert Stage.RENEWAL not in pathway.stage_list
    assert [s.name for s in workflow.available_steps(pathway, officer)] == ["hold", "withdraw"]
    for action in ("start_renewal", "renew", "start_surveillance"):
        with pytest.raises(DomainError):
            workflow.transition(officer, pathway, action, on=date(2025, 3, 21))
    assert pathway.stage == Stage.CERTIFIED


# --- the migration of existing pathways, on a copy of the demo data ------------------------


def _typed(table, row: dict) -> dict:
    """A row of the JSON copy with its dates, times and decimals as the columns take them."""
    values = {}
    for name, value in row.items():
        column_type = table.c[name].type
        if isinstance(value, str) and isinstance(column_type, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        elif isinstance(value, str) and isinstance(column_type, Numeric):
            value = Decimal(value)
        values[name] = value
    return values


def test_the_demo_pathways_move_to_their_schemes_lists_keeping_dates_and_history(
    empty_database_url,  # noqa: F811
    test_settings,
):
    """A demo database seeded at revision 0015 (its small-business rows, tests/data), upgraded."""
    copy = json.loads(DEMO_0015.read_text(encoding="utf-8"))
    app = create_app("testing", {**test_settings, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=copy["revision"])
        metadata = MetaData()
        metadata.reflect(db.engine)
        with db.engine.begin() as connection:
            for name, rows in copy["tables"].items():
                table = metadata.tables[name]
                if rows:
                    connection.execute(table.insert(), [_typed(table, row) for row in rows])
        upgrade(directory=str(MIGRATIONS))

        before = {r["id"]: r for r in copy["tables"]["sme_stage_records"]}
        schemes = {p["id"]: p["scheme"] for p in copy["tables"]["sme_pathways"]}
        records = db.session.scalars(select(StageRecord).order_by(StageRecord.id)).all()
        assert {r.id for r in records} == set(before)
        for record in records:
            old = before[record.id]
            # dates, officer and notes stay; only a Bina UMK stage is renamed, saying from what
            assert (record.started_on.isoformat(), record.officer_id, record.notes) == (
                old["started_on"], old["officer_id"], old["notes"],
            )  # fmt: skip
            assert (record.ended_on.isoformat() if record.ended_on else None) == old["ended_on"]
            former = Stage(old["stage"])
            if schemes[record.pathway_id] == "sni_bina_umk" and former in BINA_UMK_FORMER_STAGES:
                assert (record.stage, record.former_stage) == (
                    BINA_UMK_FORMER_STAGES[former], old["stage"],
                )  # fmt: skip
            else:
                assert (record.stage, record.former_stage) == (former, None)
        for pathway in db.session.scalars(select(Pathway)):
            current = pathway.held_stage if pathway.stage == Stage.ON_HOLD else pathway.stage
            if current != Stage.WITHDRAWN:
                assert current in pathway.stage_list, (pathway.id, pathway.scheme, current)
            # the history written before the migration is still read, entry by entry
            assert len(history_of(pathway)) >= 1
        bina = db.session.scalars(select(Pathway).where(Pathway.scheme == "sni_bina_umk")).all()
        assert {p.stage for p in bina} >= {Stage.SOCIALISATION, Stage.CERTIFIED}
        assert all(p.stage not in BINA_UMK_FORMER_STAGES for p in bina)
        verdicts = {r.verdict for r in db.session.scalars(select(TestResult)) if r.passed}
        assert verdicts == {Verdict.PASS}
        assert db.session.scalar(select(Business.id).limit(1)) is not None
        db.session.remove()
        db.engine.dispose()
