"""The columns of the calibration register's export (CSV and Excel)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.core.exports import Column, field, related
from qms.core.timeutil import today
from qms.support.models import Instrument
from qms.support.settings import due_notice_days
from qms.support.vocabulary import InstrumentStatus

INSTRUMENT_COLUMNS = [
    related(Instrument, "agency_id"),
    field(Instrument, "identifier"),
    field(Instrument, "description"),
    field(Instrument, "location"),
    field(Instrument, "measuring_range"),
    field(Instrument, "required_accuracy"),
    field(Instrument, "interval_months"),
    field(Instrument, "laboratory"),
    field(Instrument, "kan_number"),
    field(Instrument, "next_due_on"),
    Column(_l("Status"), lambda i: InstrumentStatus.labels()[i.status(today(), due_notice_days())]),
]
