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


class StandardOut(Resource):
    labels_from = Standard

    id: int
    code: str
    version: str
    title: TextsOut

    @classmethod
    def of(cls, standard: Standard) -> StandardOut:
        return cls(
            id=standard.id,
            code=standard.code,
            version=standard.version,
            title=TextsOut(id=standard.title_id, en=standard.title_en),
        )


class QuestionOut(Resource):
    key: str
    text: TextsOut
    evidence: TextsOut

    @classmethod
    def of(cls, question: Question) -> QuestionOut:
        return cls(
            key=question.key,
            text=TextsOut(id=question.text_id, en=question.text_en),
            evidence=TextsOut(id=question.evidence_id, en=question.evidence_en),
        )


class ClauseOut(Resource):
    labels_from = Clause

    number: str
    parent: str | None
    title: TextsOut
    documented_information: DocumentedInformation
    questions: list[QuestionOut]

    @classmethod
    def of_with(cls, clause: Clause, questions: list[Question]) -> ClauseOut:
        return cls(
            number=clause.number,
            parent=clause.parent.number if clause.parent else None,
            title=TextsOut(id=clause.title_id, en=clause.title_en),
            documented_information=clause.documented_information,
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
