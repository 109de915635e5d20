"""The support pages, by area: instrument_pages, competence_pages, auditor_pages and
provider_pages. Thin handlers: they parse, call one operation, commit and render; the routes are
registered when init_app imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func

from qms.core import access
from qms.core.timeutil import today
from qms.core.views import RecordPages, list_filters, require_login
from qms.extensions import db
from qms.organisations.forms import AgencyFilterForm
from qms.organisations.models import Agency
from qms.organisations.queries import AgencyFilter
from qms.organisations.views import filtered_list
from qms.support import queries, vocabulary
from qms.support.models import AuditorQualification, Instrument, Person, Provider

bp = Blueprint("support", __name__, url_prefix="/support")
require_login(bp)


def template_labels() -> dict[str, Any]:
    """App-wide (registered by init_app): the agency panel renders outside this blueprint."""
    return {
        "support_labels": {
            "method": vocabulary.TraceabilityMethod.labels(),
            "state": vocabulary.InstrumentState.labels(),
            "status": vocabulary.InstrumentStatus.labels(),
            "event": vocabulary.EventKind.labels(),
            "result": vocabulary.ToleranceResult.labels(),
            "provider_kind": vocabulary.ProviderKind.labels(),
            "provider_status": vocabulary.ProviderStatus.labels(),
            "evaluator": vocabulary.EvaluatorRole.labels(),
            "score": vocabulary.SCORE_LABELS,
        }
    }


def chosen_filter() -> AgencyFilter:
    return list_filters(AgencyFilterForm, AgencyFilter)


def register_list(
    template: str, pages: RecordPages, name: str, query: Callable[[Any, Any], Any], **context: Any
) -> str:
    """An agency register's list (its rows as `name`, from `query(user, filter)` narrowed by the
    chosen filter), with whether the user may add to it and today's date."""
    chosen = chosen_filter()
    return filtered_list(
        template,
        chosen,
        **{name: queries.rows(query(current_user, chosen))},
        may_create=bool(pages.creatable_owners()),
        today=today(),
        **context,
    )


def prefixed(agencies: list[Agency], pairs_of: Any) -> list[tuple[int, str]]:
    """Options of several agencies, each named with its agency's code when there are several."""
    offered = []
    for agency in agencies:
        prefix = f"{agency.code} · " if len(agencies) > 1 else ""
        offered.extend((value, prefix + label) for value, label in pairs_of(agency))
    return offered


def _count(model: type) -> int:
    query = access.scoped(model, current_user).with_only_columns(func.count(model.id))
    return db.session.scalar(query) or 0


@bp.get("/")
def index():
    return render_template(
        "support/index.html",
        counts={
            "instruments": _count(Instrument),
            "people": _count(Person),
            "auditors": _count(AuditorQualification),
            "providers": _count(Provider),
        },
    )
