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

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError, ValidationFailed, text_of
from qms.core.history import history_note
from qms.core.i18n import fmt_date
from qms.core.timeutil import today as local_today
from qms.core.workflow import Offer, StateMachine, Transition
from qms.extensions import db
from qms.sme import catalogue, policies
from qms.sme.certificates import issue_certificate
from qms.sme.checks import (
    accredited,
    expect_version,
    flush_versioned,
    not_future,
    required,
)
from qms.sme.models import Pathway, StageRecord
from qms.sme.vocabulary import (
    IN_FORCE,
    STAGE_ORDER,
    WITHOUT_SURVEILLANCE,
    Scheme,
    Stage,
    Verdict,
)

ACTIVE_STAGES = frozenset(STAGE_ORDER)
CERTIFICATE_FIELDS = ("certificate_number", "issuer", "issued_on", "expires_on", "batch")
#: where a sample may be taken and its lab results recorded: SPPT SNI's sampling officer often
#: samples during the stage-2 visit
SAMPLING_STAGES = frozenset({Stage.SITE_AUDIT, Stage.TESTING, Stage.VERIFICATION})

LSPRO_ACCREDITATION = re.compile(r"LSPr-\d{3}-IDN")

Values = dict[str, Any]


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


# --- what must be true before a step (the page shows the reason instead of the step's form,
# and the step is refused with it) ------------------------------------------------------


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
            "%(count)d audit finding(s) are still open; the decision waits until they are closed.",
            count=len(still_open),
        )
    return None


def _no_passed_test(pathway: Pathway) -> Any | None:
    last = pathway.last_lab_test
    if last is None:
        return _l("Record the lab test results first.")
    if last.passed:
        return None
    if any(r.verdict == Verdict.CANNOT_JUDGE for r in last.results):
        return _l(
            "Some results of the last lab test cannot be judged against the limit (the lab "
            "reported “less than” a value above it); ask the lab for a lower limit of "
            "detection or repeat the test."
        )
    return _l("The last lab test failed; repeat the test before the decision.")


def _ready_for_review(pathway: Pathway) -> Any | None:
    return _no_passed_test(pathway) or _findings_open(pathway)


def _ready_for_certificate(pathway: Pathway) -> Any | None:
    """SPPT SNI checked this before the technical review; Bina UMK's verification ends here."""
    return _no_passed_test(pathway) or _findings_open(pathway)


def _ready_to_apply(pathway: Pathway) -> Any | None:
    return _readiness_unanswered(pathway)


# --- the rules of the pathway (a refused step is neither offered nor taken) ----------------


def _skip_message(target: Stage, missing: Stage, current: Stage) -> Any:
    return _l(
        "“%(target)s” cannot start yet: “%(missing)s” must be done first "
        "(the pathway is at “%(current)s”).",
        target=target.label,
        missing=missing.label,
        current=current.label,
    )


def _not_on_the_list(pathway: Pathway, target: Stage) -> Any:
    """Why `target` is no stage of this pathway at all."""
    if target == Stage.RENEWAL:
        return _l("A type 1b certificate covers its batch only and is never renewed.")
    if target == Stage.SURVEILLANCE:
        if pathway.scheme_type in WITHOUT_SURVEILLANCE:
            return _l(
                "Scheme type %(type)s has no surveillance; start the renewal instead.",
                type=pathway.scheme_type.value,
            )
        return _l(
            "No surveillance is configured for %(scheme)s; start the renewal instead.",
            scheme=pathway.scheme.label,
        )
    return _l(
        "“%(stage)s” is not a stage of %(scheme)s.",
        stage=target.label,
        scheme=pathway.scheme.label,
    )


def _next_on_the_list(target: Stage) -> Callable[[Any, Pathway], Any | None]:
    """A forward step goes to the next stage of the pathway's own list (its scheme's)."""

    def refusal(_user: Any, pathway: Pathway) -> Any | None:
        stages = pathway.stage_list
        if target not in stages:
            return _not_on_the_list(pathway, target)
        wanted = stages.index(target)
        if pathway.stage in stages:
            position = stages.index(pathway.stage)
            if position + 1 == wanted:
                return None
            if wanted > position + 1:
                return _skip_message(target, stages[wanted - 1], pathway.stage)
        return _l(
            "“%(target)s” does not follow “%(current)s” in %(scheme)s.",
            target=target.label,
            current=Stage.labels().get(pathway.stage, pathway.stage),
            scheme=pathway.scheme.label,
        )

    return refusal


def _renewable(_user: Any, pathway: Pathway) -> Any | None:
    if Stage.RENEWAL in pathway.stage_list:
        return None
    return _not_on_the_list(pathway, Stage.RENEWAL)


def _held_elsewhere(stage: Stage) -> Callable[[Any, Pathway], Any | None]:
    """A pathway on hold resumes at the stage it was held at."""

    def refusal(_user: Any, pathway: Pathway) -> Any | None:
        if pathway.held_stage == stage:
            return None
        return _l(
            "The pathway was put on hold during “%(stage)s” and resumes there.",
            stage=Stage.labels().get(pathway.held_stage, "–"),
        )

    return refusal


# --- what each step records ---------------------------------------------------------------


def _name_the_lspro(pathway: Pathway, values: Values) -> None:
    name, accreditation = text_of(values, "lspro_name"), text_of(values, "lspro_accreditation")
    required(
        {"lspro_name": name, "lspro_accreditation": accreditation},
        "lspro_name",
        "lspro_accreditation",
    )
    accredited(
        accreditation,
        LSPRO_ACCREDITATION,
        _l("Enter the LSPro's KAN accreditation number, e.g. LSPr-034-IDN."),
        "lspro_accreditation",
    )
    pathway.lspro_name, pathway.lspro_accreditation = name, accreditation


def _record_agreement(pathway: Pathway, values: Values) -> None:
    """Leaving the application review: the agreement is signed and its fee invoiced."""
    if pathway.stage != Stage.APPLICATION_REVIEW:
        return
    invoice = text_of(values, "invoice_number")
    required({"invoice_number": invoice}, "invoice_number")
    pathway.invoice_number = invoice


def _reason(values: Values) -> str:
    reason = text_of(values, "reason")
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
    officer and notes) and the API takes them; `unready` says why the pathway is not ready for
    the step yet (the page shows it instead of the step's form; the step is refused with it);
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


def _forward(
    name: str, sources: Stage | tuple[Stage, ...], target: Stage, label: Any, **rules: Any
) -> Step:
    """A step one stage on along the pathway's own list."""
    sources = sources if isinstance(sources, tuple) else (sources,)
    return Step(name, frozenset(sources), target, label, refusal=_next_on_the_list(target), **rules)


#: each forward step goes one stage on along the pathway's list (vocabulary.stage_list), in
#: the order of both lists
FORWARD_STEPS: tuple[Step, ...] = (
    _forward(
        "start_readiness",
        Stage.REGISTERED,
        Stage.READINESS,
        _l("Start the readiness assessment"),
    ),
    _forward(
        "start_guidance",
        (Stage.READINESS, Stage.SOCIALISATION),
        Stage.GUIDANCE,
        _l("Start guidance"),
        unready=lambda p: _readiness_unanswered(p) if p.stage == Stage.READINESS else None,
    ),
    _forward("documents_ready", Stage.GUIDANCE, Stage.DOCUMENTS_READY, _l("Documents are ready")),
    _forward(
        "apply",
        Stage.DOCUMENTS_READY,
        Stage.APPLIED,
        _l("Apply to a certification body (LSPro)"),
        fields=("lspro_name", "lspro_accreditation"),
        handler=_name_the_lspro,
    ),
    _forward(
        "apply_oss",
        Stage.GUIDANCE,
        Stage.OSS_APPLICATION,
        _l("Applied through OSS"),
        unready=_ready_to_apply,
    ),
    _forward(
        "check_completeness",
        Stage.APPLIED,
        Stage.COMPLETENESS_CHECK,
        _l("Application received: check its completeness"),
    ),
    _forward(
        "review_application",
        Stage.COMPLETENESS_CHECK,
        Stage.APPLICATION_REVIEW,
        _l("Application complete: review it and agree"),
    ),
    _forward(
        "start_document_audit",
        Stage.APPLICATION_REVIEW,
        Stage.DOCUMENT_AUDIT,
        _l("Agreement signed: start the document audit"),
        fields=("invoice_number",),
        handler=_record_agreement,
    ),
    _forward(
        "start_site_audit",
        Stage.DOCUMENT_AUDIT,
        Stage.SITE_AUDIT,
        _l("Start the production-site audit"),
    ),
    _forward(
        "start_testing",
        (Stage.SITE_AUDIT, Stage.APPLICATION_REVIEW),
        Stage.TESTING,
        _l("Start sampling and lab testing"),
        fields=("invoice_number",),
        handler=_record_agreement,
    ),
    _forward(
        "start_verification",
        Stage.OSS_APPLICATION,
        Stage.VERIFICATION,
        _l("Start verification and testing"),
    ),
    _forward(
        "start_technical_review",
        Stage.TESTING,
        Stage.TECHNICAL_REVIEW,
        _l("Tests passed: start the technical review"),
        unready=_ready_for_review,
    ),
    _forward(
        "to_decision",
        Stage.TECHNICAL_REVIEW,
        Stage.DECISION,
        _l("Reviewed: go to the decision"),
        unready=_findings_open,
    ),
    _forward(
        "certify",
        (Stage.DECISION, Stage.VERIFICATION),
        Stage.CERTIFIED,
        _l("Issue the certificate"),
        fields=CERTIFICATE_FIELDS,
        unready=_ready_for_certificate,
        handler=issue_certificate,
    ),
    _forward(
        "start_surveillance",
        Stage.CERTIFIED,
        Stage.SURVEILLANCE,
        _l("Start surveillance"),
    ),
    _forward(
        "start_renewal",
        (Stage.SURVEILLANCE, Stage.CERTIFIED),
        Stage.RENEWAL,
        _l("Start the renewal"),
    ),
)

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        *FORWARD_STEPS,
        Step(
            "renew",
            frozenset({Stage.RENEWAL}),
            Stage.CERTIFIED,
            _l("Issue the renewed certificate"),
            fields=CERTIFICATE_FIELDS,
            handler=issue_certificate,
            refusal=_renewable,
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
            Step(
                f"resume_{stage.value}",
                frozenset({Stage.ON_HOLD}),
                stage,
                _l("Resume"),
                handler=_resume,
                refusal=_held_elsewhere(stage),
            )
            for stage in STAGE_ORDER
        ),
    )
}


#: the steps that leave the pathway's way (the page offers them apart from the next step)
SIDE_STEPS = frozenset({"hold", "withdraw"})


def _writer(user: Any, pathway: Pathway) -> bool:
    return policies.may_write(user, pathway.city_id)


def _unready(step: Step) -> Callable[[Pathway, date], Any | None]:
    return lambda pathway, _today: step.unready(pathway)


machine = StateMachine(
    "stage",
    [
        Transition(s.name, s.sources, s.target, s.label, _writer, s.refusal, _unready(s))
        for s in STEPS.values()
    ],
    {s.value: s.label for s in Stage},
)


# --- taking a step ------------------------------------------------------------------------


def _refuse_a_skip(pathway: Pathway, action: str) -> None:
    """A readable refusal when an action would jump over a stage of the pathway's list that
    is not done yet."""
    step = STEPS.get(action)
    current = pathway.stage
    if step is None or current in step.sources:
        return
    stages = pathway.stage_list
    if current not in stages or step.target not in stages:
        return
    position, wanted = stages.index(current), stages.index(step.target)
    if wanted > position + 1:
        raise DomainError(_skip_message(step.target, stages[wanted - 1], current))


def transition(
    actor: User,
    pathway: Pathway,
    action: str,
    *,
    on: date | None = None,
    officer_id: int | None = None,
    notes: str = "",
    version: int | None = None,
    **values: Any,
) -> Pathway:
    """Move the pathway by one step. The current stage is closed on `on` and the next one
    opened on the same day; nothing is written when a rule refuses or when `version` (the
    pathway's version the user read) is no longer the current one."""
    access.authorize(actor, access.EDIT, pathway)
    expect_version(pathway, version)
    on = on or local_today()
    _refuse_a_skip(pathway, action)
    machine.check(pathway, action, actor)
    step = STEPS[action]
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
        flush_versioned()
    return start_stage(pathway, step.target, on, officer, notes)


def next_step(pathway: Pathway) -> Step | None:
    """The forward step from the pathway's stage to the next one of its list (None at the end
    or off the list: on hold, withdrawn)."""
    return next(
        (
            step
            for step in FORWARD_STEPS
            if pathway.stage in step.sources and step.refusal(None, pathway) is None
        ),
        None,
    )


def available_steps(pathway: Pathway, user: Any) -> list[Offer]:
    """The steps to offer this user, each with its `step` (what it asks) and the reason the
    pathway refuses it now (None when it can be taken: the page shows its form)."""
    return machine.available_steps(pathway, user, steps=STEPS)


# --- what may be recorded in which stage --------------------------------------------------


def readiness_refusal(pathway: Pathway) -> Any | None:
    """SPPT SNI assesses readiness in its own stage, Bina UMK during guidance."""
    if pathway.stage == Stage.READINESS or (
        pathway.scheme == Scheme.SNI_BINA_UMK and pathway.stage == Stage.GUIDANCE
    ):
        return None
    return _l("The readiness checklist is filled in during the readiness assessment.")


def finding_refusal(pathway: Pathway) -> Any | None:
    if pathway.stage != Stage.SITE_AUDIT:
        return _l("Audit findings are recorded during the production-site audit.")
    return None


def lab_test_refusal(pathway: Pathway) -> Any | None:
    if pathway.stage not in SAMPLING_STAGES:
        return _l(
            "Lab results are recorded during sampling and lab testing (or the production-site "
            "audit, when the sample was taken then)."
        )
    if pathway.last_lab_test is not None and pathway.last_lab_test.passed:
        return _l("The last lab test passed; there is nothing to repeat.")
    return None


def sampling_began(pathway: Pathway) -> date:
    """The earliest day a sample of this round may be taken: when the pathway entered the
    first of its sampling stages (a site audit, testing or verification)."""
    days = [s.started_on for s in pathway.stages if s.stage in SAMPLING_STAGES]
    return min(days) if days else pathway.current_stage_began


def surveillance_refusal(pathway: Pathway) -> Any | None:
    if pathway.stage not in IN_FORCE:
        return _l("Surveillance is recorded while the certificate is in force.")
    return None
