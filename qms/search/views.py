"""The results page of the header's search box."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from qms.core.views import require_login
from qms.search import queries
from qms.search.forms import SearchForm

bp = Blueprint("search", __name__, url_prefix="/search")
require_login(bp)


@bp.get("")
def index():
    form = SearchForm(request.args)
    query, kind, page = form.values()
    results = queries.search(current_user, query, kind, page)
    return render_template(
        "search/index.html", form=form, results=results, kinds=queries.kinds_for(current_user)
    )
