"""Reading the loaded standards: the clause tree with its audit questions and typical evidence."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from qms.core import access
from qms.core.views import require_login
from qms.standards import queries
from qms.standards.models import Standard

bp = Blueprint("standards", __name__, url_prefix="/standards")
require_login(bp)


@bp.get("")
def index():
    return render_template("standards/index.html", standards=queries.standards())


@bp.get("/<int:standard_id>")
def show(standard_id: int):
    standard = access.get_visible(Standard, standard_id, current_user)
    clauses = queries.current_clauses(standard)
    questions: dict[int, list] = {}
    for question in queries.current_questions([c.id for c in clauses]):
        questions.setdefault(question.clause_id, []).append(question)
    return render_template(
        "standards/show.html", standard=standard, clauses=clauses, questions=questions
    )
