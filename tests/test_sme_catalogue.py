"""The SNI catalogue and the readiness checklist as data: loading twice changes nothing, a bad
file is refused naming its problem, and nothing of it is loaded."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from qms.core.checklists import load_directory
from qms.core.history import HistoryEntry
from qms.extensions import db
from qms.sme.catalogue_models import ProductStandard, ReadinessItem, TestParameter
from tests.factories_sme import load_catalogue, standard

GOOD = """kind: product_standard
code: SNI-9999-2020
number: "SNI 9999:2020"
year: 2020
title: {id: "Contoh", en: "Example"}
category: honey
mandatory: false
parameters:
  - key: moisture
    name: {id: "Kadar air", en: "Moisture"}
    unit: "%"
    max: 22
    source: "Example table"
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_catalogue_loads_and_loading_twice_changes_nothing(app):
    load_catalogue()
    counts = (_count(ProductStandard), _count(TestParameter), _count(ReadinessItem))
    history = _count(HistoryEntry)
    load_catalogue()
    assert (_count(ProductStandard), _count(TestParameter), _count(ReadinessItem)) == counts
    assert _count(HistoryEntry) == history
    assert {"SNI-8664-2018", "SNI-3553-2015", "SNI-3556-2016", "SNI-01-3542-2004",
            "SNI-7709-2019"} <= set(db.session.scalars(select(ProductStandard.code)))  # fmt: skip
    assert standard("SNI-01-3707-1995").confirmed is False
    assert _count(ReadinessItem) >= 10


def test_a_bad_file_is_named_with_its_problem(app, tmp_path: Path):
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "both-limits.yaml").write_text(
        GOOD.replace("SNI-9999-2020", "SNI-9998-2020").replace(
            "max: 22", 'max: 22\n    expected: {id: "normal", en: "normal"}'
        ),
        encoding="utf-8",
    )
    (tmp_path / "min-above-max.yaml").write_text(
        GOOD.replace("SNI-9999-2020", "SNI-9997-2020").replace("max: 22", "max: 22\n    min: 30"),
        encoding="utf-8",
    )
    report = load_directory(tmp_path)
    problems = {error.path.name: " ".join(error.problems) for error in report.errors}
    assert set(problems) == {"both-limits.yaml", "min-above-max.yaml"}
    assert "parameters/0" in problems["both-limits.yaml"]
    assert "min is greater than max" in problems["min-above-max.yaml"]
    assert standard("SNI-9999-2020") is not None
    assert standard("SNI-9998-2020") is None and standard("SNI-9997-2020") is None


def test_a_parameter_dropped_from_the_file_is_retired(app, tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text(
        GOOD + '  - key: ash\n    name: {id: "Abu", en: "Ash"}\n    max: 1\n    source: "x y"\n'
    )
    load_directory(tmp_path)
    path.write_text(GOOD)
    load_directory(tmp_path)
    record = standard("SNI-9999-2020")
    assert [p.key for p in record.current_parameters] == ["moisture"]
    assert len(record.parameters) == 2


VARIANTS = """variants:
  label: {id: "bentuk", en: "form"}
  items:
    - key: cetak
      name: {id: "Cetak", en: "Moulded"}
    - key: butiran
      name: {id: "Butiran", en: "Granulated"}
"""


def test_a_file_with_columns_is_checked_and_each_cell_has_its_source(app, tmp_path: Path):
    with_columns = GOOD.replace("parameters:", VARIANTS + "parameters:").replace(
        '    source: "Example table"\n',
        '    source: "Example table"\n    by_variant:\n'
        '      butiran: {max: 3, source: "Example, granulated"}\n',
    )
    (tmp_path / "good.yaml").write_text(with_columns, encoding="utf-8")
    (tmp_path / "unknown-column.yaml").write_text(
        with_columns.replace("SNI-9999-2020", "SNI-9996-2020").replace("butiran: {", "semut: {"),
        encoding="utf-8",
    )
    (tmp_path / "impossible.yaml").write_text(
        GOOD.replace("SNI-9999-2020", "SNI-9995-2020").replace("max: 22", "max: 120"),
        encoding="utf-8",
    )
    (tmp_path / "no-source.yaml").write_text(
        GOOD.replace("SNI-9999-2020", "SNI-9994-2020").replace('    source: "Example table"\n', ""),
        encoding="utf-8",
    )
    report = load_directory(tmp_path)
    problems = {error.path.name: " ".join(error.problems) for error in report.errors}
    assert set(problems) == {"unknown-column.yaml", "impossible.yaml", "no-source.yaml"}
    assert "semut is not one of the variants" in problems["unknown-column.yaml"]
    assert "outside the possible values" in problems["impossible.yaml"]
    assert "source" in problems["no-source.yaml"]
    record = standard("SNI-9999-2020")
    moisture = record.current_parameters[0]
    moulded, granulated = record.current_variants
    assert (moulded.key, granulated.key) == ("cetak", "butiran")
    assert moisture.limit_for(moulded).max_value == 22
    assert moisture.limit_for(moulded).source == "Example table"
    assert moisture.limit_for(granulated).max_value == 3
    assert moisture.limit_for(granulated).source == "Example, granulated"
    assert (moisture.possible_min, moisture.possible_max) == (0, 100)  # a percentage


def test_the_honey_and_palm_sugar_columns(app):
    load_catalogue()
    honey = standard("SNI-8664-2018")
    columns = {v.key: v for v in honey.current_variants}
    assert set(columns) == {"hutan", "budidaya", "trigona"}
    limits = {p.key: p for p in honey.current_parameters}
    assert limits["moisture"].limit_for(columns["trigona"]).max_value == Decimal("27.5")
    assert limits["moisture"].limit_for(columns["hutan"]).max_value == 22
    assert limits["diastase"].limit_for(columns["budidaya"]).min_value == 3
    assert limits["acidity"].limit_for(columns["trigona"]).max_value == 200
    assert limits["chloramphenicol"].limit_for(columns["hutan"]).expected_id == "tidak terdeteksi"
    assert {"cadmium", "mercury", "arsenic", "coliform", "moulds-yeasts"} <= set(limits)
    # what could not be confirmed says so, and every limit says where it comes from
    assert limits["moisture"].limit_for(columns["trigona"]).confirmed is False
    assert all(p.source for p in honey.current_parameters)
    sugar = standard("SNI-01-3743-1995")
    granulated = next(v for v in sugar.current_variants if v.key == "butiran")
    sugar_limits = {p.key: p.limit_for(granulated) for p in sugar.current_parameters}
    assert sugar_limits["moisture"].max_value == 3
    assert sugar_limits["insoluble"].max_value == Decimal("0.2")
    assert sugar_limits["total-sugar"].min_value == 90
    jerky = standard("SNI-01-2908-1992")
    assert len(jerky.current_variants) == 4
    assert "mould" not in {p.key for p in jerky.current_parameters}
    salt = {p.key for p in standard("SNI-3556-2016").current_parameters}
    assert {"cadmium", "arsenic"} <= salt
