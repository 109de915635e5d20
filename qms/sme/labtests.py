"""Lab results judged against the SNI's limits: one round of sampling and testing with a result
for every parameter of the product's standard; pass or fail is computed here, never typed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError
from qms.core.i18n import fmt_date
from qms.extensions import db
from qms.sme.models import LabTest, Pathway, TestParameter, TestResult
from qms.sme.workflow import lab_test_refusal, not_future, required

Judged = tuple[Decimal | None, str | None, bool]


def evaluate(parameter: TestParameter, raw: str) -> Judged:
    """Judge one lab result against the parameter's limit: (number, text, passed).

    Numeric results accept a decimal comma ("0,35"); qualitative ones must read as the required
    value in either language (case and spaces do not matter)."""
    text = (raw or "").strip()
    if not text:
        raise DomainError(_l("A result is needed for “%(parameter)s”.", parameter=parameter.name))
    if parameter.is_qualitative:
        wanted = {
            (parameter.expected_id or "").casefold(),
            (parameter.expected_en or "").casefold(),
        }
        return None, text[:100], " ".join(text.split()).casefold() in wanted
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise DomainError(
            _l(
                "“%(value)s” is not a number; “%(parameter)s” is measured in %(unit)s.",
                value=text,
                parameter=parameter.name,
                unit=parameter.unit or "–",
            )
        )
    passed = (parameter.min_value is None or number >= parameter.min_value) and (
        parameter.max_value is None or number <= parameter.max_value
    )
    return number, None, passed


def _check_dates(pathway: Pathway, sampled_on: date, tested_on: date) -> None:
    began = pathway.current_stage_began
    if sampled_on < began:
        raise DomainError(
            _l(
                "The sample cannot be taken before sampling and lab testing began (%(date)s).",
                date=fmt_date(began),
            ),
            field="sampled_on",
        )
    if tested_on < sampled_on:
        raise DomainError(
            _l("The test date cannot be before the sampling date."), field="tested_on"
        )
    not_future(tested_on, "tested_on")


def _judge_all(pathway: Pathway, results: dict[str, str]) -> dict[TestParameter, Judged]:
    """Every parameter of the pathway's SNI judged; a key outside the SNI, or a parameter
    without a result, is refused."""
    parameters = {p.key: p for p in pathway.standard.current_parameters}
    unknown = sorted(set(results) - set(parameters))
    if unknown:
        raise DomainError(
            _l(
                "%(keys)s is not a parameter of %(standard)s.",
                keys=", ".join(unknown),
                standard=pathway.standard.number,
            ),
            field="results",
        )
    missing = [p.name for key, p in parameters.items() if not str(results.get(key) or "").strip()]
    if missing:
        raise DomainError(
            _l(
                "A result is needed for every parameter of %(standard)s; missing: %(names)s.",
                standard=pathway.standard.number,
                names=", ".join(missing),
            ),
            field="results",
        )
    return {p: evaluate(p, str(results[key])) for key, p in parameters.items()}


def record_lab_test(
    actor: User,
    pathway: Pathway,
    *,
    lab_name: str,
    report_number: str,
    sampled_on: date,
    tested_on: date,
    results: dict[str, str],
) -> LabTest:
    """Record one round of testing with a result for every parameter of the product's SNI
    (keyed by parameter key)."""
    access.authorize(actor, access.EDIT, pathway)
    refusal = lab_test_refusal(pathway)
    if refusal is not None:
        raise DomainError(refusal)
    lab_name, report_number = lab_name.strip(), report_number.strip()
    required({"lab_name": lab_name, "report_number": report_number}, "lab_name", "report_number")
    _check_dates(pathway, sampled_on, tested_on)
    if any(
        t.report_number.strip().casefold() == report_number.casefold() for t in pathway.lab_tests
    ):
        raise DomainError(
            _l("Lab report %(number)s is already recorded for this pathway.", number=report_number),
            field="report_number",
        )
    judged = _judge_all(pathway, results)
    lab_test = LabTest(
        pathway_id=pathway.id,
        round=len(pathway.lab_tests) + 1,
        lab_name=lab_name,
        report_number=report_number,
        sampled_on=sampled_on,
        tested_on=tested_on,
        passed=all(passed for _n, _t, passed in judged.values()),
    )
    db.session.add(lab_test)
    db.session.flush()
    for parameter, (number, text, passed) in judged.items():
        db.session.add(
            TestResult(
                lab_test_id=lab_test.id,
                parameter_id=parameter.id,
                value_number=number,
                value_text=text,
                passed=passed,
            )
        )
    db.session.flush()
    db.session.refresh(pathway)
    return lab_test
