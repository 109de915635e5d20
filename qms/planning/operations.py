"""Changes to an agency's context and risk register: create, update, review and archive context
issues, interested parties and risks, and add treatments to a risk (their steps are in
workflow.py; objectives and measurements in measuring.py). Each checks the actor's permission
and the record's rules, refusing with a DomainError that names the field, and flushes; the
request (or the command) commits. Every change is in the history (the models are audited)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import access, archiving
from qms.core.errors import DomainError, not_in_future, required_text, required_value
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, Unit
from qms.planning.models import ContextIssue, InterestedParty, Risk, Treatment
from qms.planning.vocabulary import SCALE, RiskKind, Side, TreatmentStatus

# --- shared by the operations of this feature ---------------------------------------------


def apply(record: Any, values: dict[str, Any], fields: Iterable[str]) -> None:
    """Set the fields present in `values` (text stripped; None for an empty optional text
    keeps the column's empty text)."""
    for name in fields:
        if name in values:
            value = values[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(record, name, value)


def archive(actor: User, record: Any) -> Any:
    """Take a context issue, interested party, objective or risk out of the register (records
    are never deleted; the history keeps when and by whom)."""
    return archiving.archive(actor, record)


def mark_reviewed(actor: User, record: Any, today: date | None = None) -> Any:
    """A context issue, interested party or risk reviewed today (4.1/4.2: monitored and
    reviewed; a risk's next review is set by its own form)."""
    archiving.authorize_change(actor, record)
    record.reviewed_on = today or local_today()
    db.session.flush()
    return record


# --- context: issues and interested parties -----------------------------------------------

ISSUE_FIELDS = ("side", "title", "description", "effect", "identified_on", "reviewed_on")
PARTY_FIELDS = ("side", "name", "requirements", "monitoring", "identified_on", "reviewed_on")


def _check_context(record: ContextIssue | InterestedParty, today: date) -> None:
    record.side = Side(record.side)
    not_in_future(record.identified_on, "identified_on", today)
    not_in_future(record.reviewed_on, "reviewed_on", today)
    if record.reviewed_on and record.identified_on and record.reviewed_on < record.identified_on:
        raise DomainError(
            _l("A review comes after the date the record was identified."), field="reviewed_on"
        )


#: per kind of context record: its fields, and the texts it requires with the refusal's words
CONTEXT_RULES: dict[type, tuple[tuple[str, ...], dict[str, Any]]] = {
    ContextIssue: (ISSUE_FIELDS, {"title": _l("Name the issue.")}),
    InterestedParty: (
        PARTY_FIELDS,
        {
            "name": _l("Name the interested party."),
            "requirements": _l("State their requirements."),
        },
    ),
}


def save_context(
    actor: User,
    model: type[ContextIssue | InterestedParty],
    values: dict[str, Any],
    *,
    agency: Agency | None = None,
    record: ContextIssue | InterestedParty | None = None,
) -> ContextIssue | InterestedParty:
    """Create a context issue or an interested party of `agency` (or change `record`); it
    counts as identified today unless a date is given."""
    fields, required = CONTEXT_RULES[model]
    today = local_today()
    if record is None:
        record = model(agency_id=agency.id, agency=agency, identified_on=today)
        access.authorize(actor, access.CREATE, record)
        db.session.add(record)
    else:
        archiving.authorize_change(actor, record)
    apply(record, values, fields)
    record.identified_on = record.identified_on or today
    for name, message in required.items():
        required_text({name: getattr(record, name)}, name, message)
    _check_context(record, today)
    db.session.flush()
    return record


# --- risks and opportunities --------------------------------------------------------------

RISK_FIELDS = (
    "kind",
    "title",
    "unit_id",
    "process",
    "context_issue_id",
    "interested_party_id",
    "cause",
    "effect",
    "likelihood",
    "impact",
    "existing_controls",
    "residual_likelihood",
    "residual_impact",
    "owner",
    "next_review_on",
)


def _on_scale(value: Any, field: str, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value not in SCALE:
        raise DomainError(_l("Rate it from 1 to 5."), field=field)


def _same_agency(record_id: int | None, model: type, agency_id: int, field: str) -> None:
    if record_id is None:
        return
    found = db.session.get(model, record_id)
    if found is None or found.agency_id != agency_id:
        raise DomainError(_l("Choose one of the agency's own records."), field=field)


def check_risk(risk: Risk, today: date) -> None:
    """A risk's own rules (the matrix reads its ratings; a 6 has no row)."""
    risk.kind = RiskKind(risk.kind)
    required_text({"title": risk.title}, "title", _l("Name the risk or opportunity."))
    _on_scale(risk.likelihood, "likelihood", required=True)
    _on_scale(risk.impact, "impact", required=True)
    _on_scale(risk.residual_likelihood, "residual_likelihood", required=False)
    _on_scale(risk.residual_impact, "residual_impact", required=False)
    if (risk.residual_likelihood is None) != (risk.residual_impact is None):
        field = "residual_impact" if risk.residual_impact is None else "residual_likelihood"
        raise DomainError(
            _l("Rate both the residual likelihood and impact, or neither."), field=field
        )
    _same_agency(risk.unit_id, Unit, risk.agency_id, "unit_id")
    _same_agency(risk.context_issue_id, ContextIssue, risk.agency_id, "context_issue_id")
    _same_agency(risk.interested_party_id, InterestedParty, risk.agency_id, "interested_party_id")
    if risk.next_review_on is not None and risk.next_review_on < today and risk.id is None:
        raise DomainError(_l("The next review cannot be in the past."), field="next_review_on")


def create_risk(actor: User, agency: Agency, values: dict[str, Any]) -> Risk:
    risk = Risk(agency_id=agency.id, agency=agency, kind=RiskKind.RISK)
    access.authorize(actor, access.CREATE, risk)
    apply(risk, values, RISK_FIELDS)
    check_risk(risk, local_today())
    db.session.add(risk)
    db.session.flush()
    return risk


def update_risk(actor: User, risk: Risk, values: dict[str, Any]) -> Risk:
    archiving.authorize_change(actor, risk)
    apply(risk, values, RISK_FIELDS)
    check_risk(risk, local_today())
    db.session.flush()
    return risk


def review_risk(actor: User, risk: Risk, next_review_on: date | None) -> Risk:
    """Record a review of the risk today, with the date of the next one."""
    today = local_today()
    if next_review_on is None or next_review_on <= today:
        raise DomainError(_l("Set the next review after today."), field="next_review_on")
    mark_reviewed(actor, risk, today)
    risk.next_review_on = next_review_on
    db.session.flush()
    return risk


def add_treatment(actor: User, risk: Risk, values: dict[str, Any]) -> Treatment:
    archiving.authorize_change(actor, risk)
    due_on = required_value(values, "due_on", _l("Set the treatment's due date."))
    treatment = Treatment(
        risk_id=risk.id,
        risk=risk,
        action=required_text(values, "action", _l("Describe the treatment action.")),
        owner=required_text(values, "owner", _l("Name the person in charge.")),
        due_on=due_on,
        status=TreatmentStatus.PLANNED,
    )
    db.session.add(treatment)
    db.session.flush()
    return treatment
