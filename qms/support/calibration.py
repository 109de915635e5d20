"""The calibration register (ISO 9001 7.1.5): instruments, and their calibrations and
verifications. An event sets the next due date from the instrument's interval (or the date the
certificate gives); a result out of tolerance takes the instrument out of service until a later
one is within tolerance, and asks for the evaluation 7.1.5.2 requires (were the previous
results valid?), after which a nonconformity may be raised through capa's interface."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.capa.interface import NcSource, Nonconformity, raise_for_rule
from qms.core import access, archiving
from qms.core.errors import DomainError, not_in_future, required_value
from qms.core.timeutil import add_months
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.support import common
from qms.support.models import CalibrationEvent, Instrument
from qms.support.vocabulary import (
    BAD_KAN,
    KAN_PATTERN,
    InstrumentState,
    ToleranceResult,
    TraceabilityMethod,
)

INSTRUMENT_FIELDS = (
    "identifier",
    "description",
    "unit_id",
    "location",
    "measuring_range",
    "required_accuracy",
    "interval_months",
    "method",
    "laboratory",
    "kan_number",
    "reference",
    "state",
    "next_due_on",
)
EVENT_FIELDS = ("kind", "performed_on", "performed_by", "result", "certificate_number", "notes")


def _check_instrument(instrument: Instrument) -> None:
    common.required_text(
        instrument.identifier, "identifier", _l("Give the instrument's identifier.")
    )
    common.required_text(instrument.description, "description", _l("Describe the instrument."))
    if not isinstance(instrument.interval_months, int) or instrument.interval_months < 1:
        raise DomainError(
            _l("The interval is a whole number of months, at least 1."), field="interval_months"
        )
    instrument.method = TraceabilityMethod(instrument.method)
    instrument.state = InstrumentState(instrument.state or InstrumentState.IN_USE)
    if instrument.method == TraceabilityMethod.LABORATORY:
        common.required_text(
            instrument.laboratory, "laboratory", _l("Name the calibration laboratory.")
        )
        if not KAN_PATTERN.match(instrument.kan_number or ""):
            raise DomainError(BAD_KAN, field="kan_number")
    elif instrument.kan_number and not KAN_PATTERN.match(instrument.kan_number):
        raise DomainError(BAD_KAN, field="kan_number")
    else:
        common.required_text(
            instrument.reference,
            "reference",
            _l("Name the traceable reference, or the basis where no standard exists."),
        )
    common.own_unit(instrument.unit_id, instrument.agency_id)
    duplicate = db.session.scalar(
        db.select(Instrument.id).where(
            Instrument.agency_id == instrument.agency_id,
            Instrument.identifier == instrument.identifier,
            Instrument.id != (instrument.id or 0),
        )
    )
    if duplicate:
        raise DomainError(
            _l("The agency already has an instrument with this identifier."), field="identifier"
        )


def create_instrument(actor: User, agency: Agency, values: dict[str, Any]) -> Instrument:
    instrument = Instrument(agency_id=agency.id, agency=agency, state=InstrumentState.IN_USE)
    return common.save_entry(actor, instrument, values, INSTRUMENT_FIELDS, _check_instrument)


def update_instrument(actor: User, instrument: Instrument, values: dict[str, Any]) -> Instrument:
    return common.save_entry(actor, instrument, values, INSTRUMENT_FIELDS, _check_instrument)


def record_event(
    actor: User, instrument: Instrument, values: dict[str, Any], today: date | None = None
) -> CalibrationEvent:
    """A calibration or verification; the next due date is the interval after it unless the
    certificate gives another (which may not come before the event)."""
    archiving.authorize_change(actor, instrument)
    today = today or local_today()
    performed_on = required_value(values, "performed_on", _l("Give the date of the calibration."))
    not_in_future(performed_on, "performed_on", today)
    next_due_on = values.get("next_due_on") or add_months(performed_on, instrument.interval_months)
    if next_due_on <= performed_on:
        raise DomainError(_l("The next due date comes after the calibration."), field="next_due_on")
    event = CalibrationEvent(instrument_id=instrument.id, instrument=instrument)
    common.apply(event, values, EVENT_FIELDS)
    event.result = ToleranceResult(event.result)
    event.next_due_on = next_due_on
    db.session.add(event)
    db.session.flush()
    common.attach_upload(actor, event, values, event.certificate_number)
    latest = max([performed_on, *(e.performed_on for e in instrument.events if e.id)])
    if latest == performed_on:
        # the latest event decides the instrument's state and due date; an older one entered
        # late is kept as history only
        instrument.next_due_on = next_due_on
        if event.result == ToleranceResult.OUT:
            instrument.state = InstrumentState.OUT_OF_SERVICE
        elif instrument.state == InstrumentState.OUT_OF_SERVICE:
            instrument.state = InstrumentState.IN_USE
    db.session.flush()
    return event


def evaluate(
    actor: User, event: CalibrationEvent, values: dict[str, Any], today: date | None = None
) -> CalibrationEvent:
    """The evaluation 7.1.5.2 asks for when an instrument is found out of tolerance."""
    access.authorize(actor, access.EDIT, event.instrument)
    if event.result != ToleranceResult.OUT:
        raise DomainError(_l("Only a result out of tolerance is evaluated."))
    if values.get("previous_results_valid") is None:
        raise DomainError(
            _l("Say whether the previous results were valid."), field="previous_results_valid"
        )
    common.required_text(values.get("evaluation"), "evaluation", _l("Describe the evaluation."))
    common.required_text(values.get("conclusion"), "conclusion", _l("State the conclusion."))
    event.previous_results_valid = bool(values["previous_results_valid"])
    event.evaluation = values["evaluation"].strip()
    event.conclusion = values["conclusion"].strip()
    event.evaluated_on = today or local_today()
    db.session.flush()
    return event


def raise_nonconformity(
    actor: User, event: CalibrationEvent, today: date | None = None
) -> Nonconformity:
    """The nonconformity the app offers for a result out of tolerance (one per event)."""
    access.authorize(actor, access.EDIT, event.instrument)
    if event.result != ToleranceResult.OUT:
        raise DomainError(_l("Only a result out of tolerance raises a nonconformity."))
    if event.evaluated_on is None:
        raise DomainError(_l("Record the evaluation of the previous results first."))
    instrument = event.instrument
    nonconformity, _raised = raise_for_rule(
        f"instrument-tolerance:{event.id}",
        agency=instrument.agency,
        source=NcSource.STAFF_REPORT,
        clause="7.1.5.2",
        criterion=instrument.required_accuracy
        or instrument.measuring_range
        or instrument.description,
        statement=f"{instrument.identifier} {instrument.description}: "
        f"{event.performed_on.isoformat()} — {event.conclusion}",
        evidence=f"{event.certificate_number} {event.evaluation}".strip(),
        today=today or local_today(),
        actor=actor,
        source_reference=instrument.identifier,
    )
    event.nonconformity_id = nonconformity.id
    db.session.flush()
    return nonconformity
