"""The calibration register (ISO 9001 7.1.5): the instruments with their status, one
instrument with its calibrations, recording an event, the evaluation of a result out of
tolerance and the nonconformity it may raise."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qms.core import access
from qms.core.timeutil import today
from qms.core.views import (
    FormPage,
    RecordPages,
    commit_and_redirect,
    export_list,
    form_flow,
)
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.support import calibration, common, exports, queries
from qms.support.forms import EventForm, InstrumentForm, NewInstrumentForm, ToleranceEvaluationForm
from qms.support.models import CalibrationEvent, Instrument
from qms.support.settings import due_notice_days
from qms.support.views import bp, chosen_filter, prefixed, register_list


@bp.get("/instruments")
def instruments():
    return register_list(
        "support/instruments.html",
        INSTRUMENTS,
        "instruments",
        queries.instruments_query,
        notice=due_notice_days(),
    )


@bp.get("/instruments.<any(csv, xlsx):fmt>")
def instruments_export(fmt: str):
    query = queries.instruments_query(current_user, chosen_filter())
    return export_list(fmt, query, "register-kalibrasi", exports.INSTRUMENT_COLUMNS)


INSTRUMENTS = RecordPages(Instrument, ".instrument", "instrument_id", ".instruments", owner=Agency)


@INSTRUMENTS.new_page(
    bp, "/instruments/new", refusal=_l("You may not add to an agency's calibration register.")
)
def new_instrument(agencies: list[Agency]) -> FormPage:
    form = NewInstrumentForm()
    form.offer(unit_id=prefixed(agencies, lambda a: queries.units_of(a.id)))
    return FormPage(form, calibration.create_instrument, _("New instrument"))


@bp.get("/instruments/<int:instrument_id>")
def instrument(instrument_id: int):
    record = INSTRUMENTS.get(instrument_id)
    return INSTRUMENTS.page(
        "support/instrument.html",
        "instrument",
        record,
        certificates={e.id: files_of(e) for e in record.events},
        today=today(),
        notice=due_notice_days(),
    )


@INSTRUMENTS.form_page(bp, "/instruments/<int:instrument_id>/edit")
def edit_instrument(record: Instrument) -> FormPage:
    form = InstrumentForm(obj=record)
    form.offer(unit_id=queries.units_of(record.agency_id))
    return FormPage(form, calibration.update_instrument, record.record_label)


INSTRUMENTS.archive_page(
    bp, "/instruments/<int:instrument_id>/archive", "archive_instrument", common.archive
)


@bp.route("/instruments/<int:instrument_id>/events/new", methods=["GET", "POST"])
def new_event(instrument_id: int):
    record = INSTRUMENTS.editable(instrument_id)
    return form_flow(
        EventForm(),
        lambda values: calibration.record_event(current_user, record, values),
        _("Calibration or verification"),
        INSTRUMENTS.url(record),
        lambda event: (
            url_for(".evaluate_event", event_id=event.id)
            if event.needs_evaluation
            else INSTRUMENTS.url(record)
        ),
    )


@bp.route("/events/<int:event_id>/evaluate", methods=["GET", "POST"])
def evaluate_event(event_id: int):
    event = access.get_visible(CalibrationEvent, event_id, current_user)
    access.authorize(current_user, access.EDIT, event.instrument)
    return INSTRUMENTS.change(
        ToleranceEvaluationForm(),
        event.instrument,
        lambda user, _instrument, values: calibration.evaluate(user, event, values),
        _("Out of tolerance: were the previous results valid?"),
    )


@bp.post("/events/<int:event_id>/nonconformity")
def raise_nonconformity(event_id: int):
    event = access.get_visible(CalibrationEvent, event_id, current_user)
    nonconformity = calibration.raise_nonconformity(current_user, event)
    return commit_and_redirect(
        url_for(".instrument", instrument_id=event.instrument_id),
        _("Nonconformity %(number)s raised.", number=nonconformity.number),
    )
