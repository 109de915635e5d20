"""A product's certification pathway as an explicit state machine: the table of steps (where
from, where to, what must be true first, what the step asks for and what it records), one
handler per step, and the rules of the pathway stated once as refusals: a step a rule refuses is
neither offered nor taken. Also what may be recorded in which stage (readiness answers,
findings, lab tests, surveillance), for the operations that record it and the pages that offer
it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError, ValidationFailed
from qms.core.forms import REQUIRED
from qms.core.history import history_note
from qms.core.i18n import fmt_date
from qms.core.timeutil import today as local_today
from qms.core.workflow import StateMachine, Transition
from qms.extensions import db
from qms.sme import catalogue, policies, settings
from qms.sme.models import Certificate, Pathway, StageRecord, Surveillance
from qms.sme.vocabulary import STAGE_LABELS, STAGE_ORDER, Stage

ACTIVE_STAGES = frozenset(STAGE_ORDER)
#: the stages in which the pathway's certificate is in force and under surveillance
IN_FORCE = frozenset({Stage.CERTIFIED, Stage.SURVEILLANCE, Stage.RENEWAL})
CERTIFICATE_FIELDS = ("certificate_number", "issuer", "issued_on", "expires_on")

LSPRO_ACCREDITATION = re.compile(r"LSPr-\d{3}-IDN")

Values = dict[str, Any]


# --- checks of input, shared by the steps and the operations ------------------------------


def required(values: Values, *names: str) -> None:
    missing = {n: [str(REQUIRED)] for n in names if not values.get(n)}
    if missing:
        raise ValidationFailed(missing)


def not_future(day: date, field_name: str) -> None:
    if day > local_today():
        raise DomainError(_l("The date cannot be in the future."), field=field_name)


def responsible_officer(pathway: Pathway, officer_id: int | None, actor: User) -> int:
    """The officer named for a stage: the actor unless one of the city's coop officers is."""
    if not officer_id:
        return actor.id
    if officer_id not in {u.id for u in policies.coop_officers(pathway.city_id)} | {actor.id}:
        raise DomainError(
            _l("The responsible officer must be a cooperative-office officer of this city."),
            field="officer_id",
        )
    return officer_id


def start_stage(
    pathway: Pathway, stage: Stage, started_on: date, officer_id: int, notes: str
) -> Pathway:
    """Record that the pathway entered `stage` (its stage record), and read it again with it."""
    db.session.add(
        StageRecord(
            pathway_id=pathway.id,
            stage=stage,
            started_on=started_on,
            officer_id=officer_id,
            notes=notes,
        )
    )
    db.session.flush()
    db.session.refresh(pathway)
    return pathway


# --- what must be true before a step (checked when it is taken; the step is still offered) --


def _readiness_unanswered(pathway: Pathway) -> Any | None:
    open_items = len(catalogue.readiness_items()) - len(pathway.readiness_answers)
    if open_items > 0:
        return _l(
            "Answer every item of the readiness checklist first (%(count)d still open).",
            count=open_items,
        )
    return None


def _findings_open(pathway: Pathway) -> Any | None:
    still_open = [f for f in pathway.findings if f.closed_on is None]
    if still_open:
        return _l(
            "%(count)d audit finding(s) are still open; close them before sampling.",
            count=len(still_open),
        )
    return None


def _no_passed_test(pathway: Pathway) -> Any | None:
    last = pathway.last_lab_test
    if last is None:
        return _l("Record the lab test results first.")
    if not last.passed:
        return _l("The last lab test failed; repeat the test before the decision.")
    return None


# --- the rules of the pathway (a refused step is neither offered nor taken) ----------------


def _skip_message(target: Stage, missing: Stage, current: Stage) -> Any:
    return _l(
        "“%(target)s” cannot start yet: “%(missing)s” must be done first "
        "(the pathway is at “%(current)s”).",
        target=STAGE_LABELS[target],
        missing=STAGE_LABELS[missing],
        current=STAGE_LABELS[current],
    )


def _without_surveillance(_user: Any, pathway: Pathway) -> Any | None:
    """Surveillance is for the scheme types that have it."""
    if pathway.has_surveillance:
        return None
    return _l(
        "Scheme type %(type)s has no surveillance; start the renewal instead.",
        type=pathway.scheme_type.value,
    )


def _with_surveillance(_user: Any, pathway: Pathway) -> Any | None:
    """The renewal straight after certification is for scheme types without surveillance."""
    if not pathway.has_surveillance:
        return None
    return _skip_message(Stage.RENEWAL, Stage.SURVEILLANCE, pathway.stage)


def _held_elsewhere(stage: Stage) -> Callable[[Any, Pathway], Any | None]:
    """A pathway on hold resumes at the stage it was held at."""

    def refusal(_user: Any, pathway: Pathway) -> Any | None:
        if pathway.held_stage == stage:
            return None
        return _l(
            "The pathway was put on hold during “%(stage)s” and resumes there.",
            stage=STAGE_LABELS.get(pathway.held_stage, "–"),
        )

    return refusal


# --- what each step records ---------------------------------------------------------------


def _name_the_lspro(pathway: Pathway, values: Values) -> None:
    name = (values.get("lspro_name") or "").strip()
    accreditation = (values.get("lspro_accreditation") or "").strip()
    required(
        {"lspro_name": name, "lspro_accreditation": accreditation},
        "lspro_name",
        "lspro_accreditation",
    )
    if not LSPRO_ACCREDITATION.fullmatch(accreditation):
        raise DomainError(
            _l("Enter the LSPro's KAN accreditation number, e.g. LSPr-034-IDN."),
            field="lspro_accreditation",
        )
    pathway.lspro_name, pathway.lspro_accreditation = name, accreditation


def _issue_certificate(pathway: Pathway, values: Values) -> None:
    """The certificate of a decision or a renewal, with its surveillance scheduled."""
    number = (values.get("certificate_number") or "").strip()
    issuer = (values.get("issuer") or "").strip() or pathway.lspro_name
    issued_on: date | None = values.get("issued_on")
    required(
        {"certificate_number": number, "issuer": issuer, "issued_on": issued_on},
        "certificate_number",
        "issuer",
        "issued_on",
    )
    assert issued_on is not None
    not_future(issued_on, "issued_on")
    expires_on: date = values.get("expires_on") or settings.default_expiry(issued_on)
    if expires_on <= issued_on:
        raise DomainError(
            _l("The certificate must expire after the day it was issued."), field="expires_on"
        )
    longest = settings.setting("SME_CERTIFICATE_MAX_YEARS")
    if expires_on > settings.add_months(issued_on, 12 * longest):
        raise DomainError(
            _l("A certificate is valid for at most %(years)s years.", years=longest),
            field="expires_on",
        )
    # certify follows the decision, renew the renewal: the certificate comes after either
    began = pathway.current_stage_began
    if issued_on < began:
        raise DomainError(
            _l(
                "The certificate cannot be issued before the stage “%(stage)s” began (%(date)s).",
                stage=STAGE_LABELS[pathway.stage],
                date=fmt_date(began),
            ),
            field="issued_on",
        )
    if db.session.scalar(select(Certificate.id).where(Certificate.number == number)):
        raise DomainError(
            _l("A certificate with this number is already recorded."), field="certificate_number"
        )
    certificate = Certificate(
        pathway_id=pathway.id,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    db.session.add(certificate)
    db.session.flush()
    if pathway.has_surveillance:
        for due in settings.surveillance_dates(issued_on, expires_on):
            db.session.add(Surveillance(certificate_id=certificate.id, due_on=due))
    db.session.flush()


def _reason(values: Values) -> str:
    reason = (values.get("reason") or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [str(_l("Give the reason."))]})
    return reason


def _hold(pathway: Pathway, values: Values) -> None:
    pathway.hold_reason = _reason(values)
    pathway.held_stage = pathway.stage


def _withdraw(pathway: Pathway, values: Values) -> None:
    pathway.withdraw_reason = _reason(values)


def _resume(pathway: Pathway, _values: Values) -> None:
    pathway.held_stage = None


# --- the table ----------------------------------------------------------------------------


def _ready(_pathway: Pathway) -> Any | None:
    return None


def _record_nothing(_pathway: Pathway, _values: Values) -> None:
    return None


def _never(_user: Any, _pathway: Pathway) -> Any | None:
    return None


@dataclass(frozen=True)
class Step:
    """One step of the pathway. The page shows its `fields` (beyond the date, the responsible
    officer and notes) and the API takes them; `unready` says why the step cannot be taken yet;
    `handler` checks the step's own input and records it (nothing is written when it refuses);
    `refusal` is a rule of the pathway: a step it refuses is neither offered nor taken."""

    name: str
    sources: frozenset[Stage]
    target: Stage
    label: Any
    fields: tuple[str, ...] = ()
    unready: Callable[[Pathway], Any | None] = _ready
    handler: Callable[[Pathway, Values], None] = _record_nothing
    refusal: Callable[[Any, Pathway], Any | None] = _never
    #: the step ends the pathway
    final: bool = False


def _forward(name: str, source: Stage, target: Stage, label: Any, **rules: Any) -> Step:
    return Step(name, frozenset({source}), target, label, **rules)


#: each forward step goes exactly one stage on
FORWARD_STEPS: tuple[Step, ...] = (
    _forward(
        "start_readiness",
        Stage.REGISTERED,
        Stage.READINESS,
        _l("Start the readiness assessment"),
    ),
    _forward(
        "start_guidance",
        Stage.READINESS,
        Stage.GUIDANCE,
        _l("Readiness assessed: start guidance"),
        unready=_readiness_unanswered,
    ),
    _forward("documents_ready", Stage.GUIDANCE, Stage.DOCUMENTS_READY, _l("Documents are ready")),
    _forward(
        "apply",
        Stage.DOCUMENTS_READY,
        Stage.APPLIED,
        _l("Apply to a certification body"),
        fields=("lspro_name", "lspro_accreditation"),
        handler=_name_the_lspro,
    ),
    _forward(
        "start_site_audit",
        Stage.APPLIED,
        Stage.SITE_AUDIT,
        _l("Start the production-site audit"),
    ),
    _forward(
        "start_testing",
        Stage.SITE_AUDIT,
        Stage.TESTING,
        _l("Start sampling and lab testing"),
        unready=_findings_open,
    ),
    _forward(
        "to_decision",
        Stage.TESTING,
        Stage.DECISION,
        _l("Tests passed: go to the decision"),
        unready=_no_passed_test,
    ),
    _forward(
        "certify",
        Stage.DECISION,
        Stage.CERTIFIED,
        _l("Issue the certificate"),
        fields=CERTIFICATE_FIELDS,
        handler=_issue_certificate,
    ),
    _forward(
        "start_surveillance",
        Stage.CERTIFIED,
        Stage.SURVEILLANCE,
        _l("Start surveillance"),
        refusal=_without_surveillance,
    ),
    _forward("start_renewal", Stage.SURVEILLANCE, Stage.RENEWAL, _l("Start the renewal")),
)

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        *FORWARD_STEPS,
        _forward(
            "renew",
            Stage.RENEWAL,
            Stage.CERTIFIED,
            _l("Issue the renewed certificate"),
            fields=CERTIFICATE_FIELDS,
            handler=_issue_certificate,
        ),
        _forward(
            "renew_without_surveillance",
            Stage.CERTIFIED,
            Stage.RENEWAL,
            _l("Start the renewal"),
            refusal=_with_surveillance,
        ),
        Step(
            "hold",
            ACTIVE_STAGES,
            Stage.ON_HOLD,
            _l("Put on hold"),
            fields=("reason",),
            handler=_hold,
        ),
        Step(
            "withdraw",
            ACTIVE_STAGES | {Stage.ON_HOLD},
            Stage.WITHDRAWN,
            _l("Withdraw"),
            fields=("reason",),
            handler=_withdraw,
            final=True,
        ),
        *(
            _forward(
                f"resume_{stage.value}",
                Stage.ON_HOLD,
                stage,
                _l("Resume"),
                handler=_resume,
                refusal=_held_elsewhere(stage),
            )
            for stage in STAGE_ORDER
        ),
    )
}


def _writer(user: Any, pathway: Pathway) -> bool:
    return policies.may_write(user, pathway.city_id)


machine = StateMachine(
    "stage",
    [Transition(s.name, s.sources, s.target, s.label, _writer, s.refusal) for s in STEPS.values()],
    {s.value: label for s, label in STAGE_LABELS.items()},
)


# --- taking a step ------------------------------------------------------------------------


def _refuse_a_skip(pathway: Pathway, action: str) -> None:
    """A readable refusal when an action would jump over a stage that is not done yet."""
    step = STEPS.get(action)
    current = pathway.stage
    if step is None or current in step.sources:
        return
    if current not in ACTIVE_STAGES or step.target not in ACTIVE_STAGES:
        return
    position, wanted = STAGE_ORDER.index(current), STAGE_ORDER.index(step.target)
    if wanted > position + 1:
        raise DomainError(_skip_message(step.target, STAGE_ORDER[wanted - 1], current))


def transition(
    actor: User,
    pathway: Pathway,
    action: str,
    *,
    on: date | None = None,
    officer_id: int | None = None,
    notes: str = "",
    **values: Any,
) -> Pathway:
    """Move the pathway by one step. The current stage is closed on `on` and the next one
    opened on the same day; nothing is written when a rule refuses."""
    access.authorize(actor, access.EDIT, pathway)
    on = on or local_today()
    _refuse_a_skip(pathway, action)
    machine.check(pathway, action, actor)
    step = STEPS[action]
    unready = step.unready(pathway)
    if unready is not None:
        raise DomainError(unready)
    current = pathway.current_stage_record
    if current is not None and on < current.started_on:
        raise DomainError(
            _l(
                "The date cannot be before the current stage began (%(date)s).",
                date=fmt_date(current.started_on),
            ),
            field="on",
        )
    not_future(on, "on")
    officer = responsible_officer(pathway, officer_id, actor)
    step.handler(pathway, values)
    if current is not None:
        current.ended_on = on
    pathway.stage = step.target
    with history_note(f"transition:{action}"):
        db.session.flush()
    return start_stage(pathway, step.target, on, officer, notes)


def available_steps(pathway: Pathway, user: Any) -> list[Step]:
    """The steps to offer this user now."""
    return [STEPS[t.name] for t in machine.available(pathway, user)]


# --- what may be recorded in which stage --------------------------------------------------


def readiness_refusal(pathway: Pathway) -> Any | None:
    if pathway.stage != Stage.READINESS:
        return _l("The readiness checklist is filled in during the readiness assessment.")
    return None


def finding_refusal(pathway: Pathway) -> Any | None:
    if pathway.stage != Stage.SITE_AUDIT:
        return _l("Audit findings are recorded during the production-site audit.")
    return None


def lab_test_refusal(pathway: Pathway) -> Any | None:
    if pathway.stage != Stage.TESTING:
        return _l("Lab results are recorded during sampling and lab testing.")
    if pathway.last_lab_test is not None and pathway.last_lab_test.passed:
        return _l("The last lab test passed; there is nothing to repeat.")
    return None


def surveillance_refusal(pathway: Pathway) -> Any | None:
    if pathway.stage not in IN_FORCE:
        return _l("Surveillance is recorded while the certificate is in force.")
    return None
