"""The fixed values of the support registers, with their labels (stored as the members' values;
read by the models' columns, the forms, the history tables and the API)."""

from __future__ import annotations

import enum
import re

from flask_babel import lazy_gettext as _l


class TraceabilityMethod(enum.StrEnum):
    """How an instrument is kept traceable (ISO 9001 7.1.5.2 a)."""

    LABORATORY = "laboratory"
    IN_HOUSE = "in_house"
    NO_STANDARD = "no_standard"


METHOD_LABELS = {
    TraceabilityMethod.LABORATORY: _l("Calibration by a laboratory"),
    TraceabilityMethod.IN_HOUSE: _l("Verification in-house against a traceable reference"),
    TraceabilityMethod.NO_STANDARD: _l("No measurement standard exists: recorded basis"),
}


class InstrumentState(enum.StrEnum):
    """What the agency decided about an instrument; "due" and "overdue" are read from its
    next due date (`Instrument.status`)."""

    IN_USE = "in_use"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"


class InstrumentStatus(enum.StrEnum):
    IN_USE = "in_use"
    DUE = "due"
    OVERDUE = "overdue"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"


STATE_LABELS = {
    InstrumentState.IN_USE: _l("In use"),
    InstrumentState.OUT_OF_SERVICE: _l("Out of service"),
    InstrumentState.RETIRED: _l("Retired"),
}
STATUS_LABELS = {
    InstrumentStatus.IN_USE: _l("In use"),
    InstrumentStatus.DUE: _l("Calibration due"),
    InstrumentStatus.OVERDUE: _l("Overdue: not fit for use"),
    InstrumentStatus.OUT_OF_SERVICE: _l("Out of service"),
    InstrumentStatus.RETIRED: _l("Retired"),
}


class EventKind(enum.StrEnum):
    CALIBRATION = "calibration"
    VERIFICATION = "verification"


EVENT_KIND_LABELS = {
    EventKind.CALIBRATION: _l("Calibration"),
    EventKind.VERIFICATION: _l("Verification"),
}


class ToleranceResult(enum.StrEnum):
    WITHIN = "within"
    OUT = "out"


RESULT_LABELS = {
    ToleranceResult.WITHIN: _l("Within tolerance"),
    ToleranceResult.OUT: _l("Out of tolerance"),
}


class ProviderKind(enum.StrEnum):
    PROCESS = "process"
    PRODUCT = "product"
    SERVICE = "service"


PROVIDER_KIND_LABELS = {
    ProviderKind.PROCESS: _l("Process"),
    ProviderKind.PRODUCT: _l("Product"),
    ProviderKind.SERVICE: _l("Service"),
}


class ProviderStatus(enum.StrEnum):
    APPROVED = "approved"
    CONDITIONAL = "conditional"
    SUSPENDED = "suspended"


PROVIDER_STATUS_LABELS = {
    ProviderStatus.APPROVED: _l("Approved"),
    ProviderStatus.CONDITIONAL: _l("Conditionally approved"),
    ProviderStatus.SUSPENDED: _l("Suspended"),
}


class EvaluatorRole(enum.StrEnum):
    """Who evaluated an auditor after an audit (ISO 19011 7.4)."""

    LEAD = "lead"
    AUDITEE = "auditee"


EVALUATOR_ROLE_LABELS = {
    EvaluatorRole.LEAD: _l("Lead auditor"),
    EvaluatorRole.AUDITEE: _l("Auditee representative"),
}

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
