"""Where a certification pathway stands, as its stepper shows it (templates/_macros/stepper.html):
its stages grouped into the phases a business owner recognises — preparation, application,
audit, testing, decision, certificate, surveillance, renewal — of which a pathway shows those
its own list has (vocabulary.stage_list: SNI Bina UMK has no audit nor decision, types 1a and
1b no surveillance, 1b no renewal)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.core.i18n import fmt_date
from qms.core.workflow import Stage as StepperStage
from qms.core.workflow import stages as workflow_stages
from qms.sme.models import Pathway
from qms.sme.vocabulary import Stage

#: the phases, in order, each with the stages it gathers
PHASES: tuple[tuple[str, Any, frozenset[Stage]], ...] = (
    (
        "preparation",
        _l("Preparation"),
        frozenset(
            {
                Stage.SOCIALISATION,
                Stage.REGISTERED,
                Stage.READINESS,
                Stage.GUIDANCE,
                Stage.DOCUMENTS_READY,
            }
        ),
    ),
    (
        "application",
        _l("Application"),
        frozenset(
            {
                Stage.APPLIED,
                Stage.COMPLETENESS_CHECK,
                Stage.APPLICATION_REVIEW,
                Stage.OSS_APPLICATION,
            }
        ),
    ),
    ("audit", _l("Audit"), frozenset({Stage.DOCUMENT_AUDIT, Stage.SITE_AUDIT})),
    ("testing", _l("Testing"), frozenset({Stage.TESTING, Stage.VERIFICATION})),
    ("decision", _l("Decision"), frozenset({Stage.TECHNICAL_REVIEW, Stage.DECISION})),
    ("certificate", _l("Certificate"), frozenset({Stage.CERTIFIED})),
    ("surveillance", _l("Surveillance"), frozenset({Stage.SURVEILLANCE})),
    ("renewal", _l("Renewal"), frozenset({Stage.RENEWAL})),
)


def _standing(pathway: Pathway) -> Stage | None:
    """The stage of the pathway's list it stands at: its stage, the one it was held at, or
    the last one it reached before it was withdrawn."""
    if pathway.stage in pathway.stage_list:
        return pathway.stage
    if pathway.is_on_hold:
        return pathway.held_stage
    reached = [s.stage for s in pathway.stages if s.stage in pathway.stage_list]
    return reached[-1] if reached else None


def stages(pathway: Pathway) -> list[StepperStage]:
    """The pathway's phases: those before the one it stands at done (with the day they
    ended), the current one with the stage inside it and since when, or why it stopped."""
    listed = set(pathway.stage_list)
    phases = [(key, label, members & listed) for key, label, members in PHASES]
    phases = [(key, label, members) for key, label, members in phases if members]
    standing = _standing(pathway)
    current = next((key for key, _label, members in phases if standing in members), "")
    ended: dict[str, Any] = {}
    for record in pathway.stages:
        for key, _label, members in phases:
            if record.stage in members and record.ended_on:
                ended[key] = record.ended_on
    order = [key for key, _label, _members in phases]
    position = order.index(current) if current in order else -1
    notes: dict[str, Any] = {
        key: fmt_date(day, "medium") for key, day in ended.items() if order.index(key) < position
    }
    if current:
        inside = next(members for key, _label, members in phases if key == current)
        notes[current] = _current_note(pathway, standing, inside)
    return workflow_stages(order, {key: label for key, label, _members in phases}, current, notes)


def _current_note(pathway: Pathway, standing: Stage, inside: frozenset[Stage]) -> Any:
    """What the current phase says: the stage inside it and since when, the certificate in
    force, or that the pathway stopped."""
    if pathway.is_on_hold:
        return _("On hold")
    if pathway.is_withdrawn:
        return _("Withdrawn")
    record = pathway.current_stage_record
    since = fmt_date(record.started_on, "medium") if record else ""
    if standing in (Stage.CERTIFIED, Stage.SURVEILLANCE) and pathway.certificate is not None:
        return pathway.certificate.number
    if len(inside) > 1:
        return f"{standing.label} · {since}" if since else standing.label
    return since
