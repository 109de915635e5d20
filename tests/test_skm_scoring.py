"""The survey's figures computed independently of qms.skm.scoring (by Permenpan-RB 14/2017's
own arithmetic, written out here) and compared: NRR per element, IKM, grade, minimum sample —
on a known response set, through the database and the API, and at the conversion table's
boundaries."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from qms.skm import figures
from qms.skm.scoring import KREJCIE_MORGAN, grade_of, minimum_sample, result_of
from tests.factories_plan import make_world, survey_with

#: twelve respondents' scores, u1 … u9 (a small paper tally)
TALLY = [
    (3, 3, 2, 4, 3, 3, 4, 2, 3),
    (4, 3, 2, 4, 3, 4, 4, 3, 3),
    (3, 2, 1, 4, 3, 3, 3, 2, 2),
    (3, 3, 2, 4, 4, 3, 4, 3, 3),
    (4, 4, 3, 4, 4, 4, 4, 3, 4),
    (2, 3, 2, 3, 3, 3, 3, 2, 2),
    (3, 3, 3, 4, 3, 3, 4, 3, 3),
    (3, 3, 2, 4, 3, 3, 3, 2, 3),
    (4, 3, 2, 4, 3, 4, 4, 3, 2),
    (3, 3, 2, 4, 3, 3, 3, 2, 3),
    (3, 4, 2, 4, 3, 3, 4, 3, 3),
    (3, 3, 1, 4, 3, 3, 4, 2, 3),
]
POPULATION = 1000


def _round(value: float, digits: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _expected_grade(ikm: Decimal) -> str:
    """The regulation's table as written: D 25.00–64.99, C 65.00–76.60, B 76.61–88.30,
    A 88.31–100.00."""
    if ikm <= Decimal("64.99"):
        return "D"
    if ikm <= Decimal("76.60"):
        return "C"
    if ikm <= Decimal("88.30"):
        return "B"
    return "A"


def _krejcie_morgan(population: int) -> int:
    """n = χ²·N·P(1−P) / (d²·(N−1) + χ²·P(1−P)), χ² = 3.841, P = 0.5, d = 0.05."""
    chi, p, d = 3.841, 0.5, 0.05
    return round(chi * population * p * (1 - p) / (d * d * (population - 1) + chi * p * (1 - p)))


def test_the_figures_of_a_known_tally(app, api):
    world = make_world()
    survey = survey_with(world, TALLY, population=POPULATION)
    columns = list(zip(*TALLY, strict=True))
    nrr = [sum(column) / len(column) for column in columns]
    ikm = _round(25 * sum(nrr) / 9, 2)

    result = figures.result(survey)
    assert result.respondents == len(TALLY)
    for i, element in enumerate(["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"]):
        assert result.nrr[element] == _round(nrr[i], 3), element
    assert result.ikm == ikm == Decimal("76.62")
    assert result.grade == _expected_grade(ikm) == "B"
    assert result.minimum_sample == 278 == _krejcie_morgan(POPULATION)
    assert result.below_minimum_sample
    # the three lowest NRR: U3 (2.0), U8 (2.5), U9 (2.83)
    assert result.weakest == ["u3", "u8", "u9"]

    api.as_user(world.officer)
    body = api.get(f"/skm/surveys/{survey.id}/result").get_json()["data"]
    assert body == {
        "respondents": 12,
        "nrr": {f"u{i + 1}": float(_round(v, 3)) for i, v in enumerate(nrr)},
        "ikm": 76.62,
        "grade": "B",
        "minimum_sample": 278,
    }


def test_the_index_uses_one_ninth_not_0111(app):
    """An office multiplying by 0.111 would publish a lower index; 1/9 exactly is used."""
    world = make_world()
    all_fours = [(4,) * 9] * 3
    result = figures.result(survey_with(world, all_fours, population=10))
    assert result.ikm == Decimal("100.00")
    assert 25 * sum([4.0] * 9) * 0.111 < 100


@pytest.mark.parametrize(
    ("ikm", "grade"),
    [
        ("25.00", "D"),
        ("64.99", "D"),
        ("65.00", "C"),
        ("76.60", "C"),
        ("76.61", "B"),
        ("88.30", "B"),
        ("88.31", "A"),
        ("100.00", "A"),
    ],
)
def test_the_conversion_table_boundaries(ikm, grade):
    assert grade_of(Decimal(ikm)) == grade == _expected_grade(Decimal(ikm))


def test_an_index_is_graded_as_published_rounded_half_up():
    """Every element at 15,321 / 5,000 gives an index of exactly 76.605: published as 76.61,
    grade B (its row starts at 76.61), computed exactly rather than in floating point."""
    sums = {f"u{i}": (15_321, 5_000) for i in range(1, 10)}
    result = result_of(5_000, sums, 100_000)
    assert result.ikm == Decimal("76.61")
    assert result.grade == "B"


def test_the_minimum_sample_follows_krejcie_morgan():
    # the regulation's appendix: the table computed by the formula, rounded
    for population, sample in KREJCIE_MORGAN[:-1]:
        assert minimum_sample(population) == sample == _krejcie_morgan(population), population
    assert minimum_sample(100) == 80
    assert minimum_sample(1000) == 278
    assert minimum_sample(10_000) == 370
    # the table's last row reads 384 for 100,000 and more (the formula's limit rounded up)
    assert minimum_sample(100_000) == minimum_sample(5_000_000) == 384
    assert math.isclose(_krejcie_morgan(100_000), 383, abs_tol=1)
    # between two rows the larger row's sample; a handful of people are all asked
    assert minimum_sample(101) == 86
    assert minimum_sample(7) == 7
