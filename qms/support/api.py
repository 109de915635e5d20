"""/api/v1 of the support registers: instruments and their calibrations, positions, staff and
their trainings, auditor qualifications and evaluations, providers and their evaluations; the
same forms, operations and policies as the pages.

The four registers of an agency share their shape (list with the agency filter, create in an
agency the caller writes for, read, PATCH what is sent, archive): `REGISTERS.declare` declares
those five operations for each; their entries (events, trainings, evaluations) are listed and
added under them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qms.api.records import Owner, Records, named
from qms.api.registers import Registers
from qms.api.schema import Resource
from qms.organisations.forms import AgencyFilterForm
from qms.organisations.models import Agency, City
from qms.organisations.queries import AgencyFilter
from qms.support import auditors, calibration, common, competence, providers, queries
from qms.support.forms import (
    AuditorEvaluationForm,
    AuditorTrainingForm,
    EventForm,
    InstrumentForm,
    NewInstrumentForm,
    NewPersonForm,
    NewPositionForm,
    NewProviderForm,
    NewQualificationForm,
    PersonForm,
    PositionForm,
    ProviderEvaluationForm,
    ProviderForm,
    QualificationForm,
    ToleranceEvaluationForm,
    TrainingForm,
)
from qms.support.models import (
    AuditorEvaluation,
    AuditorQualification,
    CalibrationEvent,
    Instrument,
    Person,
    Position,
    Provider,
)
from qms.support.resources import (
    AuditorEvaluationOut,
    AuditorQualificationOut,
    AuditorTrainingOut,
    CalibrationEventOut,
    InstrumentOut,
    PositionOut,
    ProviderEvaluationOut,
    ProviderOut,
    StaffMemberOut,
    StaffTrainingOut,
)

TAG = "support"
REGISTERS = Registers(
    tag=TAG,
    filter_form=AgencyFilterForm,
    filtered=lambda values: AgencyFilter(**values),
    owner=Owner(Agency, "agency_id"),
    archive=common.archive,
    label=lambda _model, name: f"{name.replace('_', ' ')} records",
)


REGISTERS.declare(
    "/instruments",
    Instrument,
    InstrumentOut,
    (NewInstrumentForm, InstrumentForm),
    queries.instruments_query,
    calibration.create_instrument,
    calibration.update_instrument,
    "instrument",
)
REGISTERS.declare(
    "/positions",
    Position,
    PositionOut,
    (NewPositionForm, PositionForm),
    queries.position_records,
    common.creating(competence.save_position),
    common.changing(competence.save_position),
    "position",
)
REGISTERS.declare(
    "/staff",
    Person,
    StaffMemberOut,
    (NewPersonForm, PersonForm),
    queries.people_query,
    common.creating(competence.save_person),
    common.changing(competence.save_person),
    "staff_member",
)
REGISTERS.declare(
    "/providers",
    Provider,
    ProviderOut,
    (NewProviderForm, ProviderForm),
    queries.providers_query,
    common.creating(providers.save_provider),
    common.changing(providers.save_provider),
    "provider",
)


# --- the entries under them -----------------------------------------------------------------


def _entries(
    records: Records,
    relation: str,
    resource: type[Resource],
    form_class: type,
    add: Callable[[Any, Any, dict], Any],
    name: str,
    segment: str,
    summary: str,
) -> None:
    """The entries of a register's record (its events, trainings, evaluations): listed and
    added under it; `add(actor, record, values)` adds one."""

    def listed(_user: Any, record: Any) -> list[Any]:
        return getattr(record, relation)

    def added(user: Any, record: Any, form: Any) -> Any:
        return add(user, record, form.values())

    listing = f"The {summary} of one record"
    adding = f"Add one of the {summary} (a certificate file is attached on the page)"
    records.children(segment, resource)(named(listed, f"list_{name}s", listing))
    records.add(segment, form_class, resource, exclude=("file",))(
        named(added, f"add_{name}", adding)
    )


_entries(
    Records("/instruments", Instrument, InstrumentOut, TAG, "parent_id"),
    "events",
    CalibrationEventOut,
    EventForm,
    calibration.record_event,
    "calibration_event",
    "calibration-events",
    "calibrations and verifications (the next due date from the interval unless given)",
)
_entries(
    Records("/staff", Person, StaffMemberOut, TAG, "parent_id"),
    "trainings",
    StaffTrainingOut,
    TrainingForm,
    competence.add_training,
    "staff_training",
    "trainings",
    "trainings and certificates",
)
_entries(
    Records("/providers", Provider, ProviderOut, TAG, "parent_id"),
    "evaluations",
    ProviderEvaluationOut,
    ProviderEvaluationForm,
    providers.evaluate_provider,
    "provider_evaluation",
    "evaluations",
    "periodic evaluations (each sets the status and the next evaluation date)",
)

events = Records("/calibration-events", CalibrationEvent, CalibrationEventOut, TAG, "event_id")


@events.act("evaluation", body=ToleranceEvaluationForm)
def evaluate_calibration(user: Any, event: CalibrationEvent, form: Any) -> None:
    """Record the evaluation of a result out of tolerance (7.1.5.2: were the previous results
    valid?)"""
    calibration.evaluate(user, event, form.values())


@events.act("nonconformity")
def raise_calibration_nonconformity(user: Any, event: CalibrationEvent, _form: None) -> None:
    """Raise a nonconformity for an evaluated result out of tolerance (once per event)"""
    calibration.raise_nonconformity(user, event)


# --- auditors -------------------------------------------------------------------------------

qualifications = Records(
    "/auditor-qualifications", AuditorQualification, AuditorQualificationOut, TAG, "record_id"
)


@qualifications.list(build=AuditorQualificationOut.page_of)
def list_auditor_qualifications(user: Any, _filters: None) -> Any:
    """The auditors' qualifications the caller may see, with what the rule lets each do"""
    return queries.qualifications_query(user)


@qualifications.create(NewQualificationForm, owner=Owner(City, "city_id"))
def create_auditor_qualification(user: Any, city: City, form: Any) -> AuditorQualification:
    """Record an internal auditor's qualification (the city admin)"""
    return auditors.create_qualification(user, city, form.values())


qualifications.get("get_auditor_qualification", "One auditor's qualification")


@qualifications.update(QualificationForm)
def update_auditor_qualification(user: Any, record: AuditorQualification, form: Any) -> None:
    """Change the audits before qms or the notes of a qualification"""
    auditors.update_qualification(user, record, form.values())


_entries(
    Records(
        "/auditor-qualifications", AuditorQualification, AuditorQualificationOut, TAG, "parent_id"
    ),
    "trainings",
    AuditorTrainingOut,
    AuditorTrainingForm,
    auditors.add_auditor_training,
    "auditor_training",
    "trainings",
    "auditor trainings",
)

evaluations = Records("/auditor-evaluations", AuditorEvaluation, AuditorEvaluationOut, TAG, "")


@evaluations.list()
def list_auditor_evaluations(user: Any, _filters: None) -> Any:
    """The evaluations of auditors after audits the caller may see"""
    return queries.evaluations_query(user)


@evaluations.create(AuditorEvaluationForm)
def create_auditor_evaluation(user: Any, _owner: None, form: Any) -> AuditorEvaluation:
    """Evaluate an auditor after an audit (its lead, or the auditee's representative)"""
    return auditors.evaluate_auditor(user, form.values())
