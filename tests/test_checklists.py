"""The checklist loader: a bad file is named with its exact problem and nothing of it is
loaded; loading twice changes nothing; what disappears from a file is retired, not deleted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qms.core.history import HistoryEntry
from qms.extensions import db
from qms.standards.models import Clause, Question, Standard

ROOT = Path(__file__).resolve().parent.parent
STANDARD = ROOT / "checklists" / "standards" / "sni-iso-9001-2015.yaml"

SMALL = """\
kind: standard
code: TEST-STD
version: "1"
title: {id: "Standar uji", en: "Test standard"}
clauses:
  - number: "4"
    title: {id: "Konteks", en: "Context"}
    documented_information: none
    clauses:
      - number: "4.1"
        title: {id: "Isu", en: "Issues"}
        documented_information: maintain
        questions:
          - key: "4.1-01"
            text: {id: "Pertanyaan satu?", en: "Question one?"}
            evidence: {id: "Bukti", en: "Evidence"}
          - key: "4.1-02"
            text: {id: "Pertanyaan dua?", en: "Question two?"}
"""


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Standard, Clause, Question, HistoryEntry)
    }


def load(runner, directory: Path):
    return runner.invoke(args=["qms", "load-checklists", "--directory", str(directory)])


def write(directory: Path, name: str, content: str) -> Path:
    path = directory / name
    path.write_text(content, encoding="utf-8")
    return path


def test_the_shipped_standard_loads_and_loading_twice_changes_nothing(runner, tmp_path):
    shutil.copy(STANDARD, tmp_path / STANDARD.name)
    first = load(runner, tmp_path)
    assert first.exit_code == 0, first.output
    after_first = counts()
    numbers = set(db.session.scalars(select(Clause.number)))
    expected = {"4.1", "4.4", "5.1.1", "5.1.2", "7.1.5", "7.5.3", "8.2.3", "8.5.6", "9.2", "10.3"}
    assert expected <= numbers
    leaves = db.session.scalars(
        select(Clause).where(
            ~Clause.id.in_(select(Clause.parent_id).where(Clause.parent_id.is_not(None)))
        )
    )
    assert all(leaf.questions for leaf in leaves), "every sub-clause has audit questions"
    assert all(q.text_id and q.text_en for q in db.session.scalars(select(Question)))

    second = load(runner, tmp_path)
    assert second.exit_code == 0, second.output
    assert counts() == after_first  # same rows, and not one new history entry


def test_a_question_removed_from_the_file_is_retired_not_deleted(runner, tmp_path):
    path = write(tmp_path, "test.yaml", SMALL)
    assert load(runner, tmp_path).exit_code == 0
    write(tmp_path, "test.yaml", SMALL.split('          - key: "4.1-02"')[0])
    assert load(runner, tmp_path).exit_code == 0
    question = db.session.scalar(select(Question).where(Question.key == "4.1-02"))
    assert question is not None and question.retired_at is not None
    assert db.session.scalar(select(Question).where(Question.key == "4.1-01")).retired_at is None
    path.write_text(SMALL, encoding="utf-8")  # back in the file: back in use
    assert load(runner, tmp_path).exit_code == 0
    db.session.refresh(question)
    assert question.retired_at is None
    assert counts()["Question"] == 2


BAD_FILES = {
    "bad YAML": (
        SMALL.replace('title: {id: "Isu", en: "Issues"}', 'title: {id: "Isu", en: "Issues"'),
        "not valid YAML",
    ),
    "missing English": (
        SMALL.replace('{id: "Pertanyaan dua?", en: "Question two?"}', '{id: "Pertanyaan dua?"}'),
        "at clauses/0/clauses/0/questions/1/text: 'en' is a required property",
    ),
    "unknown field": (
        SMALL.replace("version:", "colour: red\nversion:"),
        "Additional properties are not allowed ('colour' was unexpected)",
    ),
    "bad documented information": (
        SMALL.replace("documented_information: maintain", "documented_information: keep"),
        "at clauses/0/clauses/0/documented_information: 'keep' is not one of",
    ),
    "wrong nesting": (
        SMALL.replace('number: "4.1"', 'number: "5.1"').replace('"4.1-0', '"5.1-0'),
        "clause 5.1 is nested under 4 but does not start with it",
    ),
    "duplicate question key": (
        SMALL.replace('key: "4.1-02"', 'key: "4.1-01"'),
        "question key 4.1-01 appears twice",
    ),
    "question under another clause": (
        SMALL.replace('key: "4.1-02"', 'key: "4.2-02"'),
        "question key 4.2-02 does not belong to clause 4.1",
    ),
    "duplicate mapping key": (
        SMALL.replace('version: "1"', 'version: "1"\nversion: "2"'),
        "the key 'version' appears twice in one mapping",
    ),
    "unknown kind": (SMALL.replace("kind: standard", "kind: recipe"), "unknown kind 'recipe'"),
}


@pytest.mark.parametrize("content, problem", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_named_with_its_problem_and_nothing_of_it_is_loaded(
    runner, tmp_path, content, problem
):
    write(tmp_path, "broken-standard.yaml", content)
    result = load(runner, tmp_path)
    assert result.exit_code == 1
    assert "REFUSED broken-standard.yaml" in result.output
    assert problem in result.output
    assert counts() == {"Standard": 0, "Clause": 0, "Question": 0, "HistoryEntry": 0}


def test_a_bad_file_does_not_stop_the_good_ones(runner, tmp_path):
    write(tmp_path, "a-good.yaml", SMALL)
    write(tmp_path, "b-bad.yaml", SMALL.replace("code: TEST-STD", "code: other std"))
    result = load(runner, tmp_path)
    assert result.exit_code == 1
    assert "loaded a-good.yaml: 2 clauses, 2 questions" in result.output
    assert "REFUSED b-bad.yaml" in result.output
    assert db.session.scalars(select(Standard.code)).all() == ["TEST-STD"]


def test_the_corrected_iso_9001_checklist_updates_a_loaded_database(runner, tmp_path, app):
    """An installation that loaded the checklist before the corrections (ISO 9001 as reviewed,
    DOMAIN.md §8) gets them by loading again: untitled sub-clauses marked and printed in
    brackets, 8.2.4's full title, 7.1.5.2 without an accredited laboratory, 8.5.1 f, trends in
    9.3.2, satisfaction and planning evaluated in 9.1.3."""
    import subprocess

    before = subprocess.run(
        ["git", "show", "c33187a:checklists/standards/sni-iso-9001-2015.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if before.returncode != 0:
        pytest.skip("the checklist before the corrections is not in this checkout's history")
    write(tmp_path, STANDARD.name, before.stdout)
    assert load(runner, tmp_path).exit_code == 0
    assert db.session.scalar(select(Clause.untitled).where(Clause.number == "9.2.2")) is False
    shutil.copy(STANDARD, tmp_path / STANDARD.name)
    assert load(runner, tmp_path).exit_code == 0
    db.session.expire_all()
    clauses = {c.number: c for c in db.session.scalars(select(Clause))}
    untitled = {n for n, c in clauses.items() if c.untitled}
    assert untitled == {
        *("4.4.1", "4.4.2", "6.1.1", "6.1.2", "6.2.1", "6.2.2", "7.5.3.1", "7.5.3.2"),
        *("8.2.3.1", "8.2.3.2", "8.7.1", "8.7.2", "9.2.1", "9.2.2", "10.2.1", "10.2.2"),
    }
    with app.test_request_context("/?lang=id"):
        assert clauses["9.2.2"].label == "9.2.2 (Program audit)"
        assert clauses["9.2"].label == "9.2 Audit internal"
    assert clauses["8.2.4"].title_en == "Changes to requirements for products and services"
    questions = {q.key: q for q in db.session.scalars(select(Question))}
    traceability = " ".join(q.text_en for q in questions.values() if q.key.startswith("7.1.5.2"))
    assert "accredited" not in traceability
    assert "traceable" in traceability and "before use" in traceability
    assert "safeguarded" in traceability
    assert "cannot be checked before it is handed over" in questions["8.5.1-04"].text_en
    assert "trends" in questions["9.3.2-03"].text_en
    assert "satisfaction" in questions["9.1.3-03"].text_en
    assert "planning" in questions["9.1.3-03"].text_en
    assert all(q.retired_at is None for q in questions.values())
