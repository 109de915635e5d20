"""What the risk register contributes to corrective actions (ISO 9001 10.2.1 e: "update risks
and opportunities determined during planning"), through capa's extension points
(qms.capa.interface): the root-cause step links one or more risks — chosen from the agency's
register, or a new one rated on the spot — instead of a yes/no flag; the links are kept here
(`RiskLink`), shown on the nonconformity's page and the risk's page, and listed in the
corrective action request (PTK) and its PDF."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import NumberRange, Optional

from qms.accounts.models import User
from qms.capa.interface import (
    AnalysisPart,
    Nonconformity,
    RequestFormBlock,
    register_analysis_part,
    register_request_form_block,
)
from qms.core import access
from qms.core.errors import DomainError
from qms.core.forms import MultipleChoiceField, WholeNumberField, max_length
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.planning import operations
from qms.planning.matrix import matrix
from qms.planning.models import Risk, RiskLink
from qms.planning.vocabulary import OPEN_TREATMENT_STATUSES, RiskKind

RATING = NumberRange(min=1, max=5, message=_l("Rate it from 1 to 5."))

FIELDS = {
    "risk_ids": MultipleChoiceField(
        _l("Risks and opportunities this analysis updated"), coerce=int, validate_choice=False
    ),
    "new_risk_title": StringField(
        _l("Or add a new risk to the register: what could happen"),
        validators=[Optional(), max_length(255)],
    ),
    "new_risk_likelihood": WholeNumberField(
        _l("The new risk's likelihood (1–5)"), validators=[Optional(), RATING]
    ),
    "new_risk_impact": WholeNumberField(
        _l("The new risk's impact (1–5)"), validators=[Optional(), RATING]
    ),
}


def _register_of(agency_id: int) -> list[Risk]:
    return list(
        db.session.scalars(
            select(Risk)
            .where(Risk.agency_id == agency_id, Risk.archived_at.is_(None))
            .order_by(Risk.title, Risk.id)
        )
    )


def links_of(nc: Nonconformity) -> list[RiskLink]:
    return list(
        db.session.scalars(
            select(RiskLink).where(RiskLink.nonconformity_id == nc.id).order_by(RiskLink.id)
        )
    )


def _label(risk: Risk) -> str:
    level = matrix().level(risk.likelihood, risk.impact)
    return f"{risk.title} ({level.label})" if level else risk.title


def prepare(user: User, form: Any, nc: Nonconformity, show_stored: bool) -> None:
    """The agency's register to choose from, and the risks linked so far."""
    form.risk_ids.choices = [(risk.id, _label(risk)) for risk in _register_of(nc.agency_id)]
    if show_stored:
        form.risk_ids.data = [link.risk_id for link in links_of(nc)]


def _new_risk(actor: User, nc: Nonconformity, values: dict[str, Any]) -> Risk | None:
    title = (values.get("new_risk_title") or "").strip()
    if not title:
        return None
    for field in ("new_risk_likelihood", "new_risk_impact"):
        if values.get(field) is None:
            raise DomainError(_l("Rate the new risk from 1 to 5."), field=field)
    agency = nc.agency or db.session.get(Agency, nc.agency_id)
    try:
        return operations.create_risk(
            actor,
            agency,
            {
                "kind": RiskKind.RISK,
                "title": title,
                "unit_id": nc.unit_id,
                "process": nc.process,
                "cause": nc.root_cause,
                "effect": nc.statement,
                "likelihood": values["new_risk_likelihood"],
                "impact": values["new_risk_impact"],
            },
        )
    except DomainError as error:  # the new risk's fields have the step's names
        names = {"likelihood": "new_risk_likelihood", "impact": "new_risk_impact"}
        raise DomainError(
            error.message, field=names.get(error.field or "", "new_risk_title")
        ) from error


def store(actor: User, nc: Nonconformity, values: dict[str, Any]) -> None:
    """Link the risks chosen (and the new one); a risk no longer chosen is unlinked (the
    history keeps the link)."""
    register = {risk.id: risk for risk in _register_of(nc.agency_id)}
    chosen = {int(i) for i in values.get("risk_ids") or []}
    if any(i not in register for i in chosen):
        raise DomainError(_l("Choose risks of the agency's own register."), field="risk_ids")
    created = _new_risk(actor, nc, values)
    if created is not None:
        register[created.id] = created
        chosen.add(created.id)
    for link in links_of(nc):
        if link.risk_id not in chosen:
            db.session.delete(link)
        chosen.discard(link.risk_id)
    for risk_id in sorted(chosen):
        db.session.add(RiskLink(risk_id=risk_id, risk=register[risk_id], nonconformity_id=nc.id))
    db.session.flush()


def context(user: User, nc: Nonconformity) -> dict[str, Any]:
    """The linked risks as the nonconformity's page shows them."""
    rows = []
    for link in links_of(nc):
        risk = link.risk
        rows.append(
            {
                "risk": risk,
                "level": matrix().level(risk.likelihood, risk.impact),
                "visible": access.can(user, access.VIEW, risk),
            }
        )
    return {"links": rows}


def linked_nonconformities(user: User, risk: Risk) -> list[tuple[Nonconformity, bool]]:
    """The nonconformities whose analysis updated this risk, each with whether the user may
    open it (its number is shown either way: the risk's reader sees that it was updated)."""
    return [
        (link.nonconformity, access.can(user, access.VIEW, link.nonconformity))
        for link in risk.links
    ]


def request_form_rows(nc: Nonconformity) -> list[list[str]]:
    rows = []
    today = local_today()
    for link in links_of(nc):
        risk = link.risk
        level = matrix().level(risk.likelihood, risk.impact)
        open_treatments = [t for t in risk.treatments if t.status in OPEN_TREATMENT_STATUSES]
        treatments = "; ".join(
            f"{t.action} ({t.owner}, {t.due_on.isoformat()})"
            + (" !" if t.is_overdue(today) else "")
            for t in open_treatments
        )
        rows.append(
            [
                risk.title,
                level.label if level else "–",
                f"{risk.likelihood} × {risk.impact}",
                treatments or "–",
            ]
        )
    return rows


def register() -> None:
    register_analysis_part(
        AnalysisPart(
            key="risks",
            fields=FIELDS,
            prepare=prepare,
            store=store,
            template="planning/_capa_risks.html",
            context=context,
        )
    )
    register_request_form_block(
        RequestFormBlock(
            key="risks",
            title=_l("Risks and opportunities updated"),
            headings=(
                _l("Risk or opportunity"),
                _l("Level"),
                _l("Likelihood × impact"),
                _l("Open treatments"),
            ),
            rows=request_form_rows,
        )
    )
