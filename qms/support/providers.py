"""External providers (ISO 9001 8.4): an agency's providers of processes, products and
services, the criteria they are evaluated against, and their periodic evaluations, each setting
the provider's status and the date of the next one."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import archiving
from qms.core.errors import DomainError, not_in_future
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.support import common
from qms.support.models import Provider, ProviderEvaluation
from qms.support.vocabulary import ProviderKind, ProviderStatus

PROVIDER_FIELDS = (
    "name",
    "kind",
    "supplies",
    "criteria",
    "contact",
    "status",
    "next_evaluation_on",
)


def _check(provider: Provider, _values: dict[str, Any]) -> None:
    common.required_text(provider.name, "name", _l("Name the provider."))
    common.required_text(provider.supplies, "supplies", _l("Say what it provides."))
    provider.kind = ProviderKind(provider.kind)
    provider.status = ProviderStatus(provider.status or ProviderStatus.APPROVED)


save_provider = common.saving(Provider, PROVIDER_FIELDS, _check, status=ProviderStatus.APPROVED)


def evaluate_provider(
    actor: User, provider: Provider, values: dict[str, Any], today: date | None = None
) -> ProviderEvaluation:
    """A periodic evaluation: its score and comments, the status it decides, the next one."""
    archiving.authorize_change(actor, provider)
    today = today or local_today()
    evaluated_on = values.get("evaluated_on") or today
    not_in_future(evaluated_on, "evaluated_on", today)
    score = values.get("score")
    if score is None or not 0 <= score <= 100:
        raise DomainError(_l("Score it from 0 to 100."), field="score")
    next_on = values.get("next_evaluation_on")
    if next_on is None or next_on <= evaluated_on:
        raise DomainError(
            _l("The next evaluation comes after this one."), field="next_evaluation_on"
        )
    evaluation = ProviderEvaluation(
        provider_id=provider.id,
        provider=provider,
        evaluated_on=evaluated_on,
        score=score,
        comments=(values.get("comments") or "").strip(),
        status=ProviderStatus(values.get("status") or provider.status),
        next_evaluation_on=next_on,
        evaluated_by_id=actor.id,
    )
    db.session.add(evaluation)
    if not any(e.evaluated_on > evaluated_on for e in provider.evaluations if e.id):
        provider.status = evaluation.status
        provider.next_evaluation_on = next_on
    db.session.flush()
    return evaluation
