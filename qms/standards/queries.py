"""Reading the loaded standards: the clause tree in use and its audit questions."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from qms.extensions import db
from qms.standards.models import Clause, Question, Standard

#: the quality-management standard: what audits use unless told otherwise, what the audit cycle
#: must cover and what certification readiness is about (the setting QUALITY_STANDARD overrides it)
QUALITY_STANDARD = "SNI-ISO-9001-2015"


def quality_standard_code() -> str:
    return current_app.config.get("QUALITY_STANDARD", QUALITY_STANDARD)


def standards() -> list[Standard]:
    """Every loaded standard, the quality standard first, then by code."""
    code = quality_standard_code()
    return list(db.session.scalars(select(Standard).order_by(Standard.code != code, Standard.code)))


def by_code(code: str) -> Standard | None:
    return db.session.scalar(select(Standard).where(Standard.code == code))


#: a code that names ISO 9001 (SNI-ISO-9001-2015, a later edition), but not 37001 or 19001
ISO_9001 = re.compile(r"(?<![0-9])9001(?![0-9])")


def quality_standard() -> Standard | None:
    """The quality-management standard: the one with the configured code, else one whose code
    names ISO 9001 (another edition). Never "the only one loaded": with SNI ISO 37001 alone,
    there is no quality standard."""
    found = by_code(quality_standard_code())
    if found is not None:
        return found
    return next((s for s in standards() if ISO_9001.search(s.code)), None)


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
