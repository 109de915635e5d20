"""Reading the loaded standards: the clause tree in use and its audit questions."""

from __future__ import annotations

from sqlalchemy import select

from qms.extensions import db
from qms.standards.models import Clause, Question, Standard


def standards() -> list[Standard]:
    return list(db.session.scalars(select(Standard).order_by(Standard.code)))


def current_clauses(standard: Standard) -> list[Clause]:
    return list(
        db.session.scalars(
            select(Clause)
            .where(Clause.standard_id == standard.id, Clause.retired_at.is_(None))
            .order_by(Clause.position)
        )
    )


def current_questions(clause_ids: list[int]) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.clause_id.in_(clause_ids), Question.retired_at.is_(None))
            .order_by(Question.clause_id, Question.position)
        )
    )
