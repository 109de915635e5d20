"""/api/v1 of context issues, interested parties, quality objectives with their measurements,
and risks with their treatments: the same forms, operations and policies as the pages.

The four kinds of record share their shape (list with the agency and year filters, create in an
agency the caller may write for, read, PATCH what is sent, archive), so `_register`
declares those five operations for each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from flask_login import current_user
from pydantic import Field

from qms.api.core import api_route, json_body, ok, validate_form
from qms.api.registers import Register, register_routes
from qms.api.schema import Resource
from qms.core import access
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations.models import Agency
from qms.planning import measuring, operations, queries, workflow
from qms.planning.forms import (
    FORM_NAMES,
    STEP_FORMS,
    IssueForm,
    MeasurementForm,
    NewIssueForm,
    NewObjectiveForm,
    NewPartyForm,
    NewRiskForm,
    ObjectiveForm,
    PartyForm,
    PlanFilterForm,
    RiskForm,
    TreatmentForm,
)
from qms.planning.matrix import matrix
from qms.planning.models import (
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    Risk,
    Treatment,
)
from qms.planning.vocabulary import (
    Direction,
    Frequency,
    MeasurementSource,
    MeasureUnit,
    RiskKind,
    Side,
    TreatmentStatus,
)

TAG = "planning"
Archived = Annotated[bool, Field(description="Taken out of the register (never deleted)")]


def _attributes(record: Any, resource: type[Resource]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in resource.model_fields if hasattr(record, name)}


class ContextIssueOut(Resource):
    labels_from = ContextIssue

    id: int
    agency_id: int
    side: Side
    title: str
    description: str
    effect: str
    identified_on: date
    reviewed_on: date | None
    archived: Archived

    @classmethod
    def of(cls, record: ContextIssue) -> ContextIssueOut:
        return cls.model_validate(_attributes(record, cls) | {"archived": record.is_archived})


class InterestedPartyOut(Resource):
    labels_from = InterestedParty

    id: int
    agency_id: int
    side: Side
    name: str
    requirements: str
    monitoring: str
    identified_on: date
    reviewed_on: date | None
    archived: Archived

    @classmethod
    def of(cls, record: InterestedParty) -> InterestedPartyOut:
        return cls.model_validate(_attributes(record, cls) | {"archived": record.is_archived})


class ObjectiveOut(Resource):
    labels_from = Objective

    id: int
    agency_id: int
    year: int
    title: str
    policy_link: str
    process: str
    indicator: str
    unit: MeasureUnit
    target: float
    direction: Direction
    frequency: Frequency
    data_source: str
    automatic_source: Annotated[
        str | None, Field(description="The figure of the app it is measured by (null: typed in)")
    ]
    responsible: str
    starts_on: date
    plan_actions: str
    plan_resources: str
    plan_owner: str
    plan_due_on: date | None
    plan_evaluation: str
    archived: Archived

    @classmethod
    def of(cls, record: Objective) -> ObjectiveOut:
        return cls.model_validate(_attributes(record, cls) | {"archived": record.is_archived})


class MeasurementOut(Resource):
    labels_from = Measurement

    id: int
    objective_id: int
    period: str
    period_start: date
    period_end: date
    value: float
    met: Annotated[bool, Field(description="The value meets the objective's target")]
    source: MeasurementSource
    note: str
    nonconformity_id: int | None

    @classmethod
    def of(cls, record: Measurement) -> MeasurementOut:
        return cls.model_validate(_attributes(record, cls) | {"met": record.is_met})


class TreatmentOut(Resource):
    labels_from = Treatment

    id: int
    risk_id: int
    action: str
    owner: str
    due_on: date
    status: TreatmentStatus
    evidence: str
    done_on: date | None
    cancel_reason: str
    overdue: Annotated[bool, Field(description="Still open after its due date")]
    transitions: Annotated[list[str], Field(description="The steps the caller may take now")]

    @classmethod
    def of(cls, record: Treatment) -> TreatmentOut:
        steps = [t.name for t in workflow.available_transitions(record, current_user)]
        return cls.model_validate(
            _attributes(record, cls) | {"overdue": record.is_overdue(today()), "transitions": steps}
        )


class RiskOut(Resource):
    labels_from = Risk

    id: int
    agency_id: int
    kind: RiskKind
    title: str
    unit_id: int | None
    process: str
    context_issue_id: int | None
    interested_party_id: int | None
    cause: str
    effect: str
    likelihood: int
    impact: int
    level: Annotated[str, Field(description="The level of the matrix (its key)")]
    existing_controls: str
    residual_likelihood: int | None
    residual_impact: int | None
    residual_level: Annotated[str | None, Field(description="The residual rating's level")]
    owner: str
    reviewed_on: date | None
    next_review_on: date | None
    archived: Archived
    nonconformity_ids: Annotated[
        list[int], Field(description="The nonconformities whose analysis updated this risk")
    ]
    treatments: list[TreatmentOut]

    @classmethod
    def of(cls, record: Risk) -> RiskOut:
        residual = matrix().level(record.residual_likelihood, record.residual_impact)
        return cls.model_validate(
            _attributes(record, cls)
            | {
                "level": matrix().level(record.likelihood, record.impact).key,
                "residual_level": residual.key if residual else None,
                "archived": record.is_archived,
                "nonconformity_ids": [link.nonconformity_id for link in record.links],
                "treatments": [TreatmentOut.of(t) for t in record.treatments],
            }
        )


# --- the five operations of each kind of record ---------------------------------------------


def _form_names(values: dict[str, Any]) -> dict[str, Any]:
    """A record's fields by the names its form gives them (a client may send "process")."""
    return {FORM_NAMES.get(name, name): value for name, value in values.items()}


def _register(
    path: str, model: type, resource: type[Resource], forms: tuple, query, create, update, name: str
) -> None:
    new_form, form = forms
    register_routes(
        Register(
            path=path,
            model=model,
            resource=resource,
            new_form=new_form,
            form=form,
            filter_form=PlanFilterForm,
            query=lambda user, values: query(user, queries.PlanFilter(**values)),
            create=create,
            update=update,
            archive=operations.archive,
            name=name,
            tag=TAG,
            owner_model=Agency,
            label=model.__table__.name.replace("_", " "),
            filters="agency_id, year; process_or_service may also be sent as process",
            form_names=_form_names,
        )
    )


_register(
    "/context-issues",
    ContextIssue,
    ContextIssueOut,
    (NewIssueForm, IssueForm),
    queries.issues_query,
    lambda actor, agency, values: operations.save_context(
        actor, ContextIssue, values, agency=agency
    ),
    lambda actor, record, values: operations.save_context(
        actor, ContextIssue, values, record=record
    ),
    "context_issue",
)
_register(
    "/interested-parties",
    InterestedParty,
    InterestedPartyOut,
    (NewPartyForm, PartyForm),
    queries.parties_query,
    lambda actor, agency, values: operations.save_context(
        actor, InterestedParty, values, agency=agency
    ),
    lambda actor, record, values: operations.save_context(
        actor, InterestedParty, values, record=record
    ),
    "interested_party",
)
_register(
    "/objectives",
    Objective,
    ObjectiveOut,
    (NewObjectiveForm, ObjectiveForm),
    queries.objectives_query,
    measuring.create_objective,
    measuring.update_objective,
    "objective",
)
_register(
    "/risks",
    Risk,
    RiskOut,
    (NewRiskForm, RiskForm),
    queries.risk_records,
    operations.create_risk,
    operations.update_risk,
    "risk",
)


# --- measurements and treatments ------------------------------------------------------------


@api_route(
    "/objectives/<int:objective_id>/measurements",
    summary="An objective's measurements, by period",
    tag=TAG,
    response=MeasurementOut,
    many=True,
)
def list_measurements(objective_id: int):
    objective = access.get_visible(Objective, objective_id, current_user)
    return ok([MeasurementOut.of(m) for m in objective.measurements])


@api_route(
    "/objectives/<int:objective_id>/measurements",
    ("POST",),
    summary="Record the value of one period (e.g. 2025-03, 2025-Q1, 2025-S1, 2025, as the "
    "objective is measured); a second value for a period replaces the first; a run of missed "
    "periods raises a nonconformity",
    tag=TAG,
    body=MeasurementForm,
    response=MeasurementOut,
    status=201,
)
def create_measurement(objective_id: int):
    objective = access.get_visible(Objective, objective_id, current_user)
    form = validate_form(MeasurementForm, json_body())
    measurement = measuring.record_measurement(current_user, objective, form.values())
    db.session.commit()
    return ok(MeasurementOut.of(measurement))


@api_route(
    "/risks/<int:risk_id>/treatments",
    summary="A risk's treatments",
    tag=TAG,
    response=TreatmentOut,
    many=True,
)
def list_treatments(risk_id: int):
    risk = access.get_visible(Risk, risk_id, current_user)
    return ok([TreatmentOut.of(t) for t in risk.treatments])


@api_route(
    "/risks/<int:risk_id>/treatments",
    ("POST",),
    summary="Add a treatment action to a risk",
    tag=TAG,
    body=TreatmentForm,
    response=TreatmentOut,
    status=201,
)
def create_treatment(risk_id: int):
    risk = access.get_visible(Risk, risk_id, current_user)
    form = validate_form(TreatmentForm, json_body())
    treatment = operations.add_treatment(current_user, risk, form.values())
    db.session.commit()
    return ok(TreatmentOut.of(treatment))


def _step_view(name: str) -> Callable:
    def take_step(treatment_id: int):
        treatment = access.get_visible(Treatment, treatment_id, current_user)
        form = validate_form(STEP_FORMS[name], json_body())
        workflow.transition(current_user, treatment, name, form.values())
        db.session.commit()
        return ok(TreatmentOut.of(treatment))

    take_step.__name__ = f"take_treatment_{name}"
    return take_step


for _name, _form in STEP_FORMS.items():
    api_route(
        f"/risk-treatments/<int:treatment_id>/transitions/{_name}",
        ("POST",),
        summary=f"Take the treatment step {_name} (an evidence file is attached on the page)",
        tag=TAG,
        body=_form,
        exclude=("file",),
        response=TreatmentOut,
    )(_step_view(_name))
