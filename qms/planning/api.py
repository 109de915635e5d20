"""/api/v1 of context issues, interested parties, quality objectives with their measurements,
and risks with their treatments: the same forms, operations and policies as the pages.

The four kinds of record share their shape (list with the agency and year filters, create in an
agency the caller may write for, read, PATCH what is sent, archive), so `REGISTERS.declare`
declares those five operations for each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from flask_login import current_user
from pydantic import Field

from qms.api.records import Owner, Records
from qms.api.registers import Registers
from qms.api.schema import InRegisterArchived, Resource
from qms.core.timeutil import today
from qms.organisations.models import Agency
from qms.planning import measuring, models, operations, queries, vocabulary, workflow
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

TAG = "planning"


class ContextIssueOut(Resource):
    labels_from = models.ContextIssue

    id: int
    agency_id: int
    side: vocabulary.Side
    title: str
    description: str
    effect: str
    identified_on: date
    reviewed_on: date | None
    archived: InRegisterArchived


class InterestedPartyOut(Resource):
    labels_from = models.InterestedParty

    id: int
    agency_id: int
    side: vocabulary.Side
    name: str
    requirements: str
    monitoring: str
    identified_on: date
    reviewed_on: date | None
    archived: InRegisterArchived


class ObjectiveOut(Resource):
    labels_from = models.Objective

    id: int
    agency_id: int
    year: int
    title: str
    policy_link: str
    process: str
    indicator: str
    unit: vocabulary.MeasureUnit
    target: float
    direction: vocabulary.Direction
    frequency: vocabulary.Frequency
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
    archived: InRegisterArchived


class MeasurementOut(Resource):
    labels_from = models.Measurement

    id: int
    objective_id: int
    period: str
    period_start: date
    period_end: date
    value: float
    met: Annotated[bool, Field(description="The value meets the objective's target")]
    source: vocabulary.MeasurementSource
    note: str
    nonconformity_id: int | None

    @classmethod
    def of(cls, record: models.Measurement) -> MeasurementOut:
        return cls.from_record(record, met=record.is_met)


class TreatmentOut(Resource):
    labels_from = models.Treatment

    id: int
    risk_id: int
    action: str
    owner: str
    due_on: date
    status: vocabulary.TreatmentStatus
    evidence: str
    done_on: date | None
    cancel_reason: str
    overdue: Annotated[bool, Field(description="Still open after its due date")]
    transitions: Annotated[list[str], Field(description="The steps the caller may take now")]

    @classmethod
    def of(cls, record: models.Treatment) -> TreatmentOut:
        steps = [t.name for t in workflow.available_transitions(record, current_user)]
        return cls.from_record(record, overdue=record.is_overdue(today()), transitions=steps)


class RiskOut(Resource):
    labels_from = models.Risk

    id: int
    agency_id: int
    kind: vocabulary.RiskKind
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
    archived: InRegisterArchived
    nonconformity_ids: Annotated[
        list[int], Field(description="The nonconformities whose analysis updated this risk")
    ]
    treatments: list[TreatmentOut]

    @classmethod
    def of(cls, record: models.Risk) -> RiskOut:
        residual = matrix().level(record.residual_likelihood, record.residual_impact)
        return cls.from_record(
            record,
            level=matrix().level(record.likelihood, record.impact).key,
            residual_level=residual.key if residual else None,
            nonconformity_ids=[link.nonconformity_id for link in record.links],
            treatments=[TreatmentOut.of(t) for t in record.treatments],
        )


# --- the five operations of each kind of record ---------------------------------------------


def _form_names(values: dict[str, Any]) -> dict[str, Any]:
    """A record's fields by the names its form gives them (a client may send "process")."""
    return {FORM_NAMES.get(name, name): value for name, value in values.items()}


REGISTERS = Registers(
    tag=TAG,
    filter_form=PlanFilterForm,
    filtered=lambda values: queries.PlanFilter(**values),
    owner=Owner(Agency, "agency_id"),
    archive=operations.archive,
    label=lambda model, _name: model.__table__.name.replace("_", " "),
    filters="agency_id, year; process_or_service may also be sent as process",
    form_names=_form_names,
)


def _context(model: type) -> tuple[Callable, Callable]:
    """How a context issue or an interested party is created and updated."""

    def create(actor: Any, agency: Agency, values: dict[str, Any]) -> Any:
        return operations.save_context(actor, model, values, agency=agency)

    def update(actor: Any, record: Any, values: dict[str, Any]) -> Any:
        return operations.save_context(actor, model, values, record=record)

    return create, update


REGISTERS.declare(
    "/context-issues",
    models.ContextIssue,
    ContextIssueOut,
    (NewIssueForm, IssueForm),
    queries.issues_query,
    *_context(models.ContextIssue),
    "context_issue",
)
REGISTERS.declare(
    "/interested-parties",
    models.InterestedParty,
    InterestedPartyOut,
    (NewPartyForm, PartyForm),
    queries.parties_query,
    *_context(models.InterestedParty),
    "interested_party",
)
REGISTERS.declare(
    "/objectives",
    models.Objective,
    ObjectiveOut,
    (NewObjectiveForm, ObjectiveForm),
    queries.objectives_query,
    measuring.create_objective,
    measuring.update_objective,
    "objective",
)
REGISTERS.declare(
    "/risks",
    models.Risk,
    RiskOut,
    (NewRiskForm, RiskForm),
    queries.risk_records,
    operations.create_risk,
    operations.update_risk,
    "risk",
)


# --- measurements and treatments ------------------------------------------------------------


objectives = Records("/objectives", models.Objective, ObjectiveOut, TAG, "objective_id")
risks = Records("/risks", models.Risk, RiskOut, TAG, "risk_id")
treatments = Records("/risk-treatments", models.Treatment, TreatmentOut, TAG, "treatment_id")


@objectives.children("measurements", MeasurementOut)
def list_measurements(_user: Any, objective: models.Objective) -> list[models.Measurement]:
    """An objective's measurements, by period"""
    return objective.measurements


@objectives.add("measurements", MeasurementForm, MeasurementOut)
def create_measurement(
    user: Any, objective: models.Objective, form: MeasurementForm
) -> models.Measurement:
    """Record the value of one period (e.g. 2025-03, 2025-Q1, 2025-S1, 2025, as the objective is
    measured); a second value for a period replaces the first; a run of missed periods raises a
    nonconformity"""
    return measuring.record_measurement(user, objective, form.values())


@risks.children("treatments", TreatmentOut)
def list_treatments(_user: Any, risk: models.Risk) -> list[models.Treatment]:
    """A risk's treatments"""
    return risk.treatments


@risks.add("treatments", TreatmentForm, TreatmentOut)
def create_treatment(user: Any, risk: models.Risk, form: TreatmentForm) -> models.Treatment:
    """Add a treatment action to a risk"""
    return operations.add_treatment(user, risk, form.values())


@treatments.steps(
    "take_treatment_{step}",
    STEP_FORMS,
    {
        step: f"Take the treatment step {step} (an evidence file is attached on the page)"
        for step in STEP_FORMS
    },
    exclude=("file",),
)
def take_treatment_step(user: Any, treatment: models.Treatment, step: str, form: Any) -> None:
    workflow.transition(user, treatment, step, form.values())
