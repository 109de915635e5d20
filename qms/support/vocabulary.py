"""The fixed values of the support registers, with their labels (stored as the members' values;
read by the models' columns, the forms, the history tables and the API)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from qms.core.labels import LabelledEnum


class TraceabilityMethod(LabelledEnum):
    """How an instrument is kept traceable (ISO 9001 7.1.5.2 a)."""

    LABORATORY = "laboratory", _l("Calibration by a laboratory")
    IN_HOUSE = "in_house", _l("Verification in-house against a traceable reference")
    NO_STANDARD = "no_standard", _l("No measurement standard exists: recorded basis")


class InstrumentState(LabelledEnum):
    """What the agency decided about an instrument; "due" and "overdue" are read from its
    next due date (`Instrument.status`)."""

    IN_USE = "in_use", _l("In use")
    OUT_OF_SERVICE = "out_of_service", _l("Out of service")
    RETIRED = "retired", _l("Retired")


class InstrumentStatus(LabelledEnum):
    IN_USE = "in_use", _l("In use")
    DUE = "due", _l("Calibration due")
    OVERDUE = "overdue", _l("Overdue: not fit for use")
    OUT_OF_SERVICE = "out_of_service", _l("Out of service")
    RETIRED = "retired", _l("Retired")


class EventKind(LabelledEnum):
    CALIBRATION = "calibration", _l("Calibration")
    VERIFICATION = "verification", _l("Verification")


class ToleranceResult(LabelledEnum):
    WITHIN = "within", _l("Within tolerance")
    OUT = "out", _l("Out of tolerance")


class ProviderKind(LabelledEnum):
    PROCESS = "process", _l("Process")
    PRODUCT = "product", _l("Product")
    SERVICE = "service", _l("Service")


class ProviderStatus(LabelledEnum):
    APPROVED = "approved", _l("Approved")
    CONDITIONAL = "conditional", _l("Conditionally approved")
    SUSPENDED = "suspended", _l("Suspended")


class EvaluatorRole(LabelledEnum):
    """Who evaluated an auditor after an audit (ISO 19011 7.4)."""

    LEAD = "lead", _l("Lead auditor")
    AUDITEE = "auditee", _l("Auditee representative")


#: the short scale of an auditor's evaluation
SCORES = range(1, 6)
SCORE_LABELS = {
    1: _l("1 – unsatisfactory"),
    2: _l("2 – needs guidance"),
    3: _l("3 – satisfactory"),
    4: _l("4 – good"),
    5: _l("5 – excellent"),
}

#: KAN's accreditation number of a calibration laboratory (DOMAIN.md §8): LK-001-IDN
KAN_PATTERN = re.compile(r"^LK-\d{3}-IDN$")
BAD_KAN = _l("Enter the KAN number of a calibration laboratory, like LK-123-IDN.")
#: a civil servant's NIP: 18 digits
NIP_PATTERN = re.compile(r"^\d{18}$")
BAD_NIP = _l("A NIP has 18 digits.")
