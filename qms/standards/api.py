"""/api/v1 for the loaded standards and their clause trees with audit questions."""

from __future__ import annotations

from flask_login import current_user

from qms.api.core import api_route, ok
from qms.api.schema import Resource
from qms.core import access
from qms.standards import queries
from qms.standards.models import Clause, DocumentedInformation, Question, Standard


class TextsOut(Resource):
    """One text in both languages."""

    id: str
    en: str

    @classmethod
    def bilingual(cls, record: object, field: str) -> TextsOut:
        """A bilingual data column's two texts (`<field>_id`, `<field>_en`)."""
        return cls(id=getattr(record, f"{field}_id"), en=getattr(record, f"{field}_en"))


class StandardOut(Resource):
    labels_from = Standard

    id: int
    code: str
    version: str
    title: TextsOut

    @classmethod
    def of(cls, standard: Standard) -> StandardOut:
        return cls.from_record(standard, title=TextsOut.bilingual(standard, "title"))


class QuestionOut(Resource):
    key: str
    text: TextsOut
    evidence: TextsOut

    @classmethod
    def of(cls, question: Question) -> QuestionOut:
        return cls.from_record(
            question,
            text=TextsOut.bilingual(question, "text"),
            evidence=TextsOut.bilingual(question, "evidence"),
        )


class ClauseOut(Resource):
    labels_from = Clause

    number: str
    parent: str | None
    title: TextsOut
    #: what the clause asks for, summarised in our own words (empty where none is loaded)
    requirement: TextsOut
    documented_information: DocumentedInformation
    questions: list[QuestionOut]

    @classmethod
    def of_with(cls, clause: Clause, questions: list[Question]) -> ClauseOut:
        return cls.from_record(
            clause,
            parent=clause.parent.number if clause.parent else None,
            title=TextsOut.bilingual(clause, "title"),
            requirement=TextsOut.bilingual(clause, "requirement"),
            questions=[QuestionOut.of(q) for q in questions],
        )


@api_route(
    "/standards", summary="Loaded standards", tag="standards", response=StandardOut, many=True
)
def list_standards():
    return ok([StandardOut.of(s) for s in queries.standards()])


@api_route(
    "/standards/<int:standard_id>/clauses",
    summary="A standard's clause tree with its audit questions",
    tag="standards",
    response=ClauseOut,
    many=True,
)
def list_clauses(standard_id: int):
    standard = access.get_visible(Standard, standard_id, current_user)
    clauses = queries.current_clauses(standard)
    by_clause: dict[int, list[Question]] = {}
    for question in queries.current_questions([c.id for c in clauses]):
        by_clause.setdefault(question.clause_id, []).append(question)
    return ok([ClauseOut.of_with(c, by_clause.get(c.id, [])) for c in clauses])
