"""/api/v1 of the support registers: instruments and their calibrations, positions, staff and
their trainings, auditor qualifications and evaluations, providers and their evaluations; the
same forms, operations and policies as the pages.

The four registers of an agency share their shape (list with the agency filter, create in an
agency the caller writes for, read, PATCH what is sent, archive): `_register_routes` declares
those five operations for each; their entries (events, trainings, evaluations) are listed and
added under them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_login import current_user

from qms.api.core import (
    api_children,
    api_record,
    api_route,
    json_body,
    ok,
    paginate,
    patched,
    validate_form,
)
from qms.api.registers import Register, register_routes
from qms.api.schema import Resource
from qms.core import access
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.support import auditors, calibration, common, competence, providers, queries
from qms.support.forms import (
    AuditorEvaluationForm,
    AuditorTrainingForm,
    EventForm,
    FilterForm,
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


def _register(path: str, model: type, resource: type[Resource], forms: tuple, query, save, name):
    """One of the agency's registers: `save(actor, values, agency=…|record=…)` writes it."""
    new_form, form = forms
    register_routes(
        Register(
            path=path,
            model=model,
            resource=resource,
            new_form=new_form,
            form=form,
            filter_form=FilterForm,
            query=lambda user, values: query(user, values["agency_id"]),
            create=lambda actor, agency, values: save(actor, values, agency=agency),
            update=lambda actor, record, values: save(actor, values, record=record),
            archive=common.archive,
            name=name,
            tag=TAG,
            owner_model=Agency,
            label=f"{name.replace('_', ' ')} records",
        )
    )


def _save_instrument(actor: Any, values: dict, *, agency: Any = None, record: Any = None) -> Any:
    if record is None:
        return calibration.create_instrument(actor, agency, values)
    return calibration.update_instrument(actor, record, values)


_register(
    "/instruments",
    Instrument,
    InstrumentOut,
    (NewInstrumentForm, InstrumentForm),
    queries.instruments_query,
    _save_instrument,
    "instrument",
)
_register(
    "/positions",
    Position,
    PositionOut,
    (NewPositionForm, PositionForm),
    queries.position_records,
    competence.save_position,
    "position",
)
_register(
    "/staff",
    Person,
    StaffMemberOut,
    (NewPersonForm, PersonForm),
    queries.people_query,
    competence.save_person,
    "staff_member",
)
_register(
    "/providers",
    Provider,
    ProviderOut,
    (NewProviderForm, ProviderForm),
    queries.providers_query,
    providers.save_provider,
    "provider",
)


# --- the entries under them -----------------------------------------------------------------


def _entries(
    parent_path: str,
    parent: type,
    relation: str,
    resource: type[Resource],
    form_class: type,
    add: Callable[[Any, Any, dict], Any],
    name: str,
    segment: str,
    summary: str,
) -> None:
    path = f"{parent_path}/<int:parent_id>/{segment}"
    api_children(
        f"list_{name}s",
        path,
        parent,
        lambda user, record: getattr(record, relation),
        resource,
        f"The {summary} of one record",
        TAG,
    )

    def added(parent_id: int):
        record = access.get_visible(parent, parent_id, current_user)
        form = validate_form(form_class, json_body())
        entry = add(current_user, record, form.values())
        db.session.commit()
        return ok(resource.of(entry))

    added.__name__ = f"add_{name}"
    api_route(
        path,
        ("POST",),
        summary=f"Add one of the {summary} (a certificate file is attached on the page)",
        tag=TAG,
        body=form_class,
        exclude=("file",),
        response=resource,
        status=201,
    )(added)


_entries(
    "/instruments",
    Instrument,
    "events",
    CalibrationEventOut,
    EventForm,
    calibration.record_event,
    "calibration_event",
    "calibration-events",
    "calibrations and verifications (the next due date from the interval unless given)",
)
_entries(
    "/staff",
    Person,
    "trainings",
    StaffTrainingOut,
    TrainingForm,
    competence.add_training,
    "staff_training",
    "trainings",
    "trainings and certificates",
)
_entries(
    "/providers",
    Provider,
    "evaluations",
    ProviderEvaluationOut,
    ProviderEvaluationForm,
    providers.evaluate_provider,
    "provider_evaluation",
    "evaluations",
    "periodic evaluations (each sets the status and the next evaluation date)",
)


@api_route(
    "/calibration-events/<int:event_id>/evaluation",
    ("POST",),
    summary="Record the evaluation of a result out of tolerance (7.1.5.2: were the previous "
    "results valid?)",
    tag=TAG,
    body=ToleranceEvaluationForm,
    response=CalibrationEventOut,
)
def evaluate_calibration(event_id: int):
    event = access.get_visible(CalibrationEvent, event_id, current_user)
    form = validate_form(ToleranceEvaluationForm, json_body())
    calibration.evaluate(current_user, event, form.values())
    db.session.commit()
    return ok(CalibrationEventOut.of(event))


@api_route(
    "/calibration-events/<int:event_id>/nonconformity",
    ("POST",),
    summary="Raise a nonconformity for an evaluated result out of tolerance (once per event)",
    tag=TAG,
    response=CalibrationEventOut,
)
def raise_calibration_nonconformity(event_id: int):
    event = access.get_visible(CalibrationEvent, event_id, current_user)
    calibration.raise_nonconformity(current_user, event)
    db.session.commit()
    return ok(CalibrationEventOut.of(event))


# --- auditors -------------------------------------------------------------------------------


@api_route(
    "/auditor-qualifications",
    summary="The auditors' qualifications the caller may see, with what the rule lets each do",
    tag=TAG,
    response=AuditorQualificationOut,
    paged=True,
)
def list_auditor_qualifications():
    return paginate(
        queries.qualifications_query(current_user),
        AuditorQualificationOut,
        AuditorQualificationOut.page_of,
    )


@api_route(
    "/auditor-qualifications",
    ("POST",),
    summary="Record an internal auditor's qualification (the city admin)",
    tag=TAG,
    body=NewQualificationForm,
    response=AuditorQualificationOut,
    status=201,
)
def create_auditor_qualification():
    form = validate_form(NewQualificationForm, json_body())
    city = access.owner_for_create(
        current_user, AuditorQualification, City, form.city_id.data, "city_id"
    )
    record = auditors.create_qualification(current_user, city, form.values())
    db.session.commit()
    return ok(AuditorQualificationOut.of(record))


api_record(
    "get_auditor_qualification",
    "/auditor-qualifications/<int:record_id>",
    AuditorQualification,
    AuditorQualificationOut,
    "One auditor's qualification",
    TAG,
)


@api_route(
    "/auditor-qualifications/<int:record_id>",
    ("PATCH",),
    summary="Change the audits before qms or the notes of a qualification",
    tag=TAG,
    body=QualificationForm,
    response=AuditorQualificationOut,
)
def update_auditor_qualification(record_id: int):
    record = access.get_visible(AuditorQualification, record_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = validate_form(
        QualificationForm, patched(AuditorQualificationOut.of(record), json_body())
    )
    auditors.update_qualification(current_user, record, form.values())
    db.session.commit()
    return ok(AuditorQualificationOut.of(record))


_entries(
    "/auditor-qualifications",
    AuditorQualification,
    "trainings",
    AuditorTrainingOut,
    AuditorTrainingForm,
    auditors.add_auditor_training,
    "auditor_training",
    "trainings",
    "auditor trainings",
)


@api_route(
    "/auditor-evaluations",
    summary="The evaluations of auditors after audits the caller may see",
    tag=TAG,
    response=AuditorEvaluationOut,
    paged=True,
)
def list_auditor_evaluations():
    return paginate(queries.evaluations_query(current_user), AuditorEvaluationOut)


@api_route(
    "/auditor-evaluations",
    ("POST",),
    summary="Evaluate an auditor after an audit (its lead, or the auditee's representative)",
    tag=TAG,
    body=AuditorEvaluationForm,
    response=AuditorEvaluationOut,
    status=201,
)
def create_auditor_evaluation():
    form = validate_form(AuditorEvaluationForm, json_body())
    evaluation = auditors.evaluate_auditor(current_user, form.values())
    db.session.commit()
    return ok(AuditorEvaluationOut.of(evaluation))
