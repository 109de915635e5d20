"""The SNI catalogue and the readiness checklist as data: loading twice changes nothing, a bad
file is refused naming its problem, and nothing of it is loaded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from qms.core.checklists import load_directory
from qms.core.history import HistoryEntry
from qms.extensions import db
from qms.sme.models import ProductStandard, ReadinessItem, TestParameter
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
    path.write_text(GOOD + '  - key: ash\n    name: {id: "Abu", en: "Ash"}\n    max: 1\n')
    load_directory(tmp_path)
    path.write_text(GOOD)
    load_directory(tmp_path)
    record = standard("SNI-9999-2020")
    assert [p.key for p in record.current_parameters] == ["moisture"]
    assert len(record.parameters) == 2
