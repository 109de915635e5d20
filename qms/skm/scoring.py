"""The survey's figures as Permenpan-RB 14/2017 defines them, computed exactly (fractions) and
rounded only where they are shown:

- **NRR** of an element (nilai rata-rata unsur) = the sum of its scores / the number of
  respondents who answered it (each answer 1–4); shown to three decimals.
- **IKM** (indeks kepuasan masyarakat) of a survey = 25 × (NRR₁ + … + NRR₉) / 9, on 25–100.
  The weight of each element is 1/9 exactly: many offices multiply by 0.111 instead, which
  gives a slightly lower index; this app does not. Shown (and graded) rounded half up to two
  decimals, as the regulation's table is written.
- **Grade** (mutu pelayanan) from the regulation's conversion table: 25.00–64.99 D (tidak
  baik), 65.00–76.60 C (kurang baik), 76.61–88.30 B (baik), 88.31–100.00 A (sangat baik). An
  element's grade is read from the same table with its NRR × 25.
- **Minimum sample**: the Krejcie–Morgan table the regulation's appendix uses (population N →
  sample n). A population between two rows of the table takes the larger row's sample; below
  the first row everyone is asked; beyond the last the sample stays 384.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from qms.skm.vocabulary import ELEMENTS

#: the regulation's conversion table: (lowest rounded IKM of the grade, grade), best first
GRADES = (
    (Decimal("88.31"), "A"),
    (Decimal("76.61"), "B"),
    (Decimal("65.00"), "C"),
    (Decimal("25.00"), "D"),
)
GRADE_LABELS = {
    "A": _l("A – very good (sangat baik)"),
    "B": _l("B – good (baik)"),
    "C": _l("C – fair (kurang baik)"),
    "D": _l("D – poor (tidak baik)"),
}
#: how many of the weakest elements get a follow-up plan
WEAKEST = 3

#: Krejcie & Morgan (1970): population -> sample, as in Permenpan-RB 14/2017's appendix
KREJCIE_MORGAN = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40),
    (50, 44), (55, 48), (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70),
    (90, 73), (95, 76), (100, 80), (110, 86), (120, 92), (130, 97), (140, 103),
    (150, 108), (160, 113), (170, 118), (180, 123), (190, 127), (200, 132), (210, 136),
    (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162),
    (290, 165), (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196),
    (420, 201), (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234),
    (650, 242), (700, 248), (750, 254), (800, 260), (850, 265), (900, 269), (950, 274),
    (1000, 278), (1100, 285), (1200, 291), (1300, 297), (1400, 302), (1500, 306),
    (1600, 310), (1700, 313), (1800, 317), (1900, 320), (2000, 322), (2200, 327),
    (2400, 331), (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351),
    (4500, 354), (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368),
    (10000, 370), (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381),
    (75000, 382), (100000, 384),
)  # fmt: skip


def minimum_sample(population: int) -> int:
    """The respondents a unit serving `population` people in the period needs."""
    if population <= KREJCIE_MORGAN[0][0]:
        return max(population, 0)
    for rows, sample in KREJCIE_MORGAN:
        if population <= rows:
            return sample
    return KREJCIE_MORGAN[-1][1]


def half_up(value: Fraction, digits: int) -> Decimal:
    """A value rounded half up (76.605 → 76.61), as people round the published figures."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def grade_of(index: Decimal) -> str:
    """The conversion table's grade of an index rounded to two decimals."""
    for lowest, grade in GRADES:
        if index >= lowest:
            return grade
    return "D"


@dataclass(frozen=True)
class Result:
    """A survey's figures from its responses' sums and counts per element."""

    respondents: int
    #: element -> exact NRR (None: nobody answered it)
    exact_nrr: dict[str, Fraction | None]
    population: int

    @property
    def nrr(self) -> dict[str, Decimal | None]:
        return {e: None if v is None else half_up(v, 3) for e, v in self.exact_nrr.items()}

    @property
    def ikm(self) -> Decimal | None:
        """25 × the mean of the nine NRR (every element answered), two decimals."""
        values = list(self.exact_nrr.values())
        if not values or any(v is None for v in values):
            return None
        return half_up(25 * sum(values, Fraction(0)) / len(ELEMENTS), 2)

    @property
    def grade(self) -> str | None:
        return grade_of(self.ikm) if self.ikm is not None else None

    def element_grade(self, element: str) -> str | None:
        value = self.exact_nrr.get(element)
        return grade_of(half_up(25 * value, 2)) if value is not None else None

    @property
    def minimum_sample(self) -> int:
        return minimum_sample(self.population)

    @property
    def below_minimum_sample(self) -> bool:
        return self.respondents < self.minimum_sample

    @property
    def weakest(self) -> list[str]:
        """The WEAKEST elements with the lowest NRR (the earlier element first on a tie)."""
        answered = [(v, ELEMENTS.index(e), e) for e, v in self.exact_nrr.items() if v is not None]
        return [e for _v, _i, e in sorted(answered)[:WEAKEST]] if self.respondents else []


def result_of(respondents: int, sums: Mapping[str, tuple[int, int]], population: int) -> Result:
    """The figures from each element's (sum of scores, answers)."""
    exact: dict[str, Fraction | None] = {}
    for element in ELEMENTS:
        total, answers = sums.get(element, (0, 0))
        exact[element] = Fraction(total, answers) if answers else None
    return Result(respondents, exact, population)
