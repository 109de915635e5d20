"""Loading a standard's clause tree and questions from YAML (the checklist kind `standard`): the
only way standards change."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from qms.core.checklists import Kind, bilingual, register_kind
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.standards.models import Clause, DocumentedInformation, Question, Standard

STANDARD_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["kind", "code", "version", "title", "clauses"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "standard"},
        "code": {"type": "string", "pattern": "^[A-Z0-9][A-Z0-9-]*$"},
        "version": {"type": "string", "minLength": 1},
        "title": bilingual("title"),
        "publisher": {"type": "string"},
        "clauses": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/clause"}},
    },
    "$defs": {
        "question": {
            "type": "object",
            "required": ["key", "text"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "pattern": "^[0-9.]+-[0-9]{2,}$"},
                "text": bilingual("question"),
                "evidence": bilingual("typical evidence"),
            },
        },
        "clause": {
            "type": "object",
            "required": ["number", "title", "documented_information"],
            "additionalProperties": False,
            "properties": {
                "number": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)*$"},
                "title": bilingual("title"),
                # the standard gives the sub-clause no title: `title` is our descriptive label
                "untitled": {"type": "boolean"},
                # what the clause asks for, summarised in our own words (not the standard's text)
                "requirement": bilingual("requirement summary"),
                "documented_information": {"enum": [d.value for d in DocumentedInformation]},
                "clauses": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/clause"}},
                "questions": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/question"},
                },
            },
            "oneOf": [{"required": ["clauses"]}, {"required": ["questions"]}],
        },
    },
}


def _walk(clauses: list[dict], parent: str | None = None) -> Iterator[tuple[dict, str | None]]:
    for clause in clauses:
        yield clause, parent
        yield from _walk(clause.get("clauses", []), clause["number"])


def check_standard(data: dict) -> list[str]:
    problems: list[str] = []
    seen_numbers: set[str] = set()
    seen_keys: set[str] = set()
    for clause, parent in _walk(data["clauses"]):
        number = clause["number"]
        if number in seen_numbers:
            problems.append(f"clause {number} appears twice")
        seen_numbers.add(number)
        if parent is not None and not number.startswith(parent + "."):
            problems.append(f"clause {number} is nested under {parent} but does not start with it")
        for question in clause.get("questions", []):
            key = question["key"]
            if key in seen_keys:
                problems.append(f"question key {key} appears twice")
            seen_keys.add(key)
            if not key.startswith(number + "-"):
                problems.append(f"question key {key} does not belong to clause {number}")
    return problems


def upsert_standard(data: dict, source_file: str) -> dict[str, int]:
    """Insert or update by stable keys (standard code, clause number, question key). Clauses and
    questions missing from the file are retired, never deleted."""
    standard = db.session.scalar(select(Standard).where(Standard.code == data["code"]))
    if standard is None:
        standard = Standard(code=data["code"])
        db.session.add(standard)
    standard.version = data["version"]
    standard.title_id = data["title"]["id"]
    standard.title_en = data["title"]["en"]
    standard.publisher = data.get("publisher", "")
    standard.source_file = source_file
    standard.loaded_at = utcnow()
    db.session.flush()

    clauses = {
        c.number: c
        for c in db.session.scalars(select(Clause).where(Clause.standard_id == standard.id))
    }
    questions = {
        q.key: q
        for q in db.session.scalars(select(Question).where(Question.standard_id == standard.id))
    }
    seen_clauses: set[str] = set()
    seen_questions: set[str] = set()
    for position, (item, parent_number) in enumerate(_walk(data["clauses"])):
        clause = clauses.get(item["number"])
        if clause is None:
            clause = Clause(standard_id=standard.id, number=item["number"])
            db.session.add(clause)
            clauses[item["number"]] = clause
        clause.parent = clauses[parent_number] if parent_number else None
        clause.title_id = item["title"]["id"]
        clause.title_en = item["title"]["en"]
        clause.untitled = item.get("untitled", False)
        requirement = item.get("requirement", {"id": "", "en": ""})
        clause.requirement_id = requirement["id"]
        clause.requirement_en = requirement["en"]
        clause.documented_information = DocumentedInformation(item["documented_information"])
        clause.depth = item["number"].count(".")
        clause.position = position
        clause.retired_at = None
        seen_clauses.add(item["number"])
        db.session.flush()
        for q_position, q_item in enumerate(item.get("questions", [])):
            question = questions.get(q_item["key"])
            if question is None:
                question = Question(standard_id=standard.id, key=q_item["key"])
                db.session.add(question)
            question.clause_id = clause.id
            question.text_id = q_item["text"]["id"]
            question.text_en = q_item["text"]["en"]
            evidence = q_item.get("evidence", {"id": "", "en": ""})
            question.evidence_id = evidence["id"]
            question.evidence_en = evidence["en"]
            question.position = q_position
            question.retired_at = None
            seen_questions.add(q_item["key"])
    now = utcnow()
    for number, clause in clauses.items():
        if number not in seen_clauses and clause.retired_at is None:
            clause.retired_at = now
    for key, question in questions.items():
        if key not in seen_questions and question.retired_at is None:
            question.retired_at = now
    db.session.flush()
    return {"clauses": len(seen_clauses), "questions": len(seen_questions)}


def register_checklist_kind() -> None:
    register_kind(Kind("standard", STANDARD_SCHEMA, upsert_standard, check_standard))
