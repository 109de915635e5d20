"""Lab results judged against the SNI's limits: one round of sampling and testing with a result
for every parameter of the product's standard; pass or fail is computed here, never typed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError
from qms.core.i18n import fmt_date
from qms.extensions import db
from qms.sme.catalogue_models import ParameterLimit, TestParameter
from qms.sme.checks import accredited, not_future, required
from qms.sme.models import LabTest, Pathway, TestResult
from qms.sme.vocabulary import Verdict
from qms.sme.workflow import lab_test_refusal, sampling_began

LAB_ACCREDITATION = re.compile(r"LP-\d{3,4}-IDN")

#: how labs write "not detected" and "detected" (compared without case, spaces and dots)
NOT_DETECTED = frozenset(
    {"ttd", "tidakterdeteksi", "nd", "notdetected", "negatif", "negative", "tidakada", "nihil"}
)
DETECTED = frozenset({"terdeteksi", "detected", "positif", "positive", "ada"})

SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")
READING = re.compile(
    r"(?P<op><=|>=|<|>|≤|≥)?\s*"
    r"(?P<mantissa>[-+]?\d+(?:[.,]\d+)?)"
    r"(?:\s*[x×*]\s*10\s*\^?\s*(?P<exponent>-?\d+))?"
    r"\s*(?P<unit>.*)",
    re.IGNORECASE,
)

Limit = TestParameter | ParameterLimit
#: (the number when the lab reported one plainly, the result as written otherwise, verdict)
Judged = tuple[Decimal | None, str | None, Verdict]


@dataclass(frozen=True)
class Reading:
    """A result as the lab wrote it: a number, a bound ("< 10": below 10) or "not detected"."""

    number: Decimal | None = None
    #: "<", "<=", ">", ">=" or "" for a plain number
    op: str = ""
    not_detected: bool = False
    detected: bool = False


def _compact(text: str) -> str:
    return re.sub(r"[\s.]", "", text.casefold())


def read_result(raw: str, unit: str) -> Reading | None:
    """The lab's result understood, or None when it is no number, bound or (not) detected.
    A unit written after the number must be the limit's own; a decimal comma is read as a
    point, and "1,0 × 10¹" as 10."""
    compact = _compact(raw)
    if compact in NOT_DETECTED:
        return Reading(not_detected=True)
    if compact in DETECTED:
        return Reading(detected=True)
    match = READING.fullmatch(raw.strip().translate(SUPERSCRIPTS))
    if match is None:
        return None
    written_unit = match["unit"].strip()
    if written_unit and _compact(written_unit) != _compact(unit):
        raise DomainError(
            _l(
                "“%(value)s” is written in %(written)s; the limit is in %(unit)s.",
                value=raw,
                written=written_unit,
                unit=unit or "–",
            ),
            field="results",
        )
    try:
        number = Decimal(match["mantissa"].replace(",", "."))
    except InvalidOperation:
        return None
    if match["exponent"]:
        number = number.scaleb(int(match["exponent"]))
    op = {"≤": "<=", "≥": ">="}.get(match["op"] or "", match["op"] or "")
    return Reading(number=number, op=op)


def _interval(reading: Reading) -> tuple[Decimal | None, bool, Decimal | None, bool]:
    """The values the reading allows: (low, low included, high, high included); None is
    unbounded."""
    n = reading.number
    return {
        "": (n, True, n, True),
        "<": (None, False, n, False),
        "<=": (None, False, n, True),
        ">": (n, False, None, False),
        ">=": (n, True, None, False),
    }[reading.op]


def _numeric_verdict(limit: Limit, reading: Reading) -> Verdict:
    low_limit, high_limit = limit.min_value, limit.max_value
    if reading.detected:
        # detected, not measured: its amount against the limit is unknown
        return Verdict.CANNOT_JUDGE
    if reading.not_detected:
        # below any minimum and, by the lab's method, below a maximum
        return Verdict.FAIL if low_limit is not None else Verdict.PASS
    low, low_in, high, high_in = _interval(reading)
    strict = limit.max_exclusive
    below_min = low_limit is not None and (
        high is not None and (high < low_limit or (high == low_limit and not high_in))
    )
    above_max = high_limit is not None and (
        low is not None and (low > high_limit or (low == high_limit and (strict or not low_in)))
    )
    if below_min or above_max:
        return Verdict.FAIL
    within_min = low_limit is None or (low is not None and low >= low_limit)
    within_max = high_limit is None or (
        high is not None
        and (high < high_limit or (high == high_limit and not (strict and high_in)))
    )
    return Verdict.PASS if within_min and within_max else Verdict.CANNOT_JUDGE


def _expects_not_detected(limit: Limit) -> bool:
    return (
        _compact(limit.expected_id or "") in NOT_DETECTED
        or _compact(limit.expected_en or "") in NOT_DETECTED
    )


def _qualitative_verdict(limit: Limit, text: str, reading: Reading | None) -> Verdict:
    if not _expects_not_detected(limit):
        wanted = {(limit.expected_id or "").casefold(), (limit.expected_en or "").casefold()}
        return Verdict.PASS if " ".join(text.split()).casefold() in wanted else Verdict.FAIL
    if reading is None:
        raise DomainError(
            _l(
                "“%(value)s” is not a result for “not detected”: write tidak terdeteksi, "
                "negatif or a number.",
                value=text,
            ),
            field="results",
        )
    if reading.not_detected:
        return Verdict.PASS
    if reading.detected:
        return Verdict.FAIL
    low, _low_in, high, _high_in = _interval(reading)
    if reading.op == "" and reading.number == 0:
        return Verdict.PASS
    if low is not None and (low > 0 or reading.op == ""):
        return Verdict.FAIL
    # "< 2 APM/100 mL": below what the method detects, which the standard does not state here
    return Verdict.CANNOT_JUDGE if high is not None else Verdict.FAIL


def _check_possible(parameter: TestParameter, text: str, reading: Reading) -> None:
    """A result no sample can have (a content above 100 %) is a typing error: refused."""
    if reading.number is None:
        return
    low, high = parameter.possible_min, parameter.possible_max
    number, op = reading.number, reading.op
    impossible = (
        low is not None and (number < low if op in ("", ">", ">=") else number <= low)
    ) or (high is not None and (number > high if op in ("", "<", "<=") else number >= high))
    if impossible:
        raise DomainError(
            _l(
                "“%(value)s” is impossible for “%(parameter)s” (it lies between %(low)s and "
                "%(high)s %(unit)s); check the lab report.",
                value=text,
                parameter=parameter.name,
                low=_plain(low),
                high=_plain(high),
                unit=parameter.unit,
            ),
            field="results",
        )


def _plain(number: Decimal | None) -> str:
    return "–" if number is None else f"{number.normalize():f}"


def evaluate(parameter: TestParameter, raw: str, limit: Limit | None = None) -> Judged:
    """Judge one lab result against the limit (the parameter's own unless a variant's is
    given): (the number reported plainly, the result as written otherwise, the verdict).

    Numbers take a decimal comma ("0,35") and a power of ten ("1,0 × 10¹"); a bound ("< 10")
    passes a maximum it cannot exceed and cannot be judged when it could; "ttd", "tidak
    terdeteksi", "negatif" and "ND" are read as not detected. Qualitative limits are met by
    the required value in either language (case and spaces do not matter)."""
    limit = limit if limit is not None else parameter
    text = " ".join((raw or "").split())
    if not text:
        raise DomainError(_l("A result is needed for “%(parameter)s”.", parameter=parameter.name))
    if limit.is_qualitative:
        reading = read_result(text, parameter.unit) if _expects_not_detected(limit) else None
        if reading is not None:
            _check_possible(parameter, text, reading)
        return None, text[:100], _qualitative_verdict(limit, text, reading)
    reading = read_result(text, parameter.unit)
    if reading is None or (reading.number is not None and not reading.number.is_finite()):
        raise DomainError(
            _l(
                "“%(value)s” is not a number; “%(parameter)s” is measured in %(unit)s.",
                value=text,
                parameter=parameter.name,
                unit=parameter.unit or "–",
            ),
            field="results",
        )
    _check_possible(parameter, text, reading)
    plain = reading.number if reading.op == "" and reading.number is not None else None
    return plain, None if plain is not None else text[:100], _numeric_verdict(limit, reading)


def _check_dates(pathway: Pathway, sampled_on: date, tested_on: date) -> None:
    began = sampling_began(pathway)
    if sampled_on < began:
        raise DomainError(
            _l(
                "The sample cannot be taken before the stage it is taken in began (%(date)s).",
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
    """Every parameter the product is tested for judged by the limits of its column of the
    SNI; a key outside them, or a parameter without a result, is refused."""
    standard, variant = pathway.standard, pathway.variant
    if standard.current_variants and variant is None:
        raise DomainError(
            _l(
                "%(standard)s sets different limits by %(what)s: choose the product's first.",
                standard=standard.number,
                what=standard.variant_label,
            ),
            field="results",
        )
    parameters = {p.key: p for p in pathway.parameters}
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
    return {
        p: evaluate(p, str(results[key]), p.limit_for(variant)) for key, p in parameters.items()
    }


def record_lab_test(
    actor: User,
    pathway: Pathway,
    *,
    lab_name: str,
    lab_accreditation: str = "",
    report_number: str,
    sampled_on: date,
    tested_on: date,
    results: dict[str, str],
) -> LabTest:
    """Record one round of testing with a result for every parameter of the product's SNI
    (keyed by parameter key), at a laboratory accredited by KAN (its LP-nnn-IDN number)."""
    access.authorize(actor, access.EDIT, pathway)
    refusal = lab_test_refusal(pathway)
    if refusal is not None:
        raise DomainError(refusal)
    lab_name, report_number = lab_name.strip(), report_number.strip()
    lab_accreditation = lab_accreditation.strip()
    required(
        {
            "lab_name": lab_name,
            "lab_accreditation": lab_accreditation,
            "report_number": report_number,
        },
        "lab_name",
        "lab_accreditation",
        "report_number",
    )
    accredited(
        lab_accreditation,
        LAB_ACCREDITATION,
        _l("Enter the laboratory's KAN accreditation number, e.g. LP-123-IDN."),
        "lab_accreditation",
    )
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
        lab_accreditation=lab_accreditation,
        report_number=report_number,
        sampled_on=sampled_on,
        tested_on=tested_on,
        passed=all(verdict == Verdict.PASS for _n, _t, verdict in judged.values()),
    )
    db.session.add(lab_test)
    db.session.flush()
    for parameter, (number, text, verdict) in judged.items():
        db.session.add(
            TestResult(
                lab_test_id=lab_test.id,
                parameter_id=parameter.id,
                value_number=number,
                value_text=text,
                passed=verdict == Verdict.PASS,
                verdict=verdict,
            )
        )
    db.session.flush()
    db.session.refresh(pathway)
    return lab_test
