"""The support registers as the API answers them (pydantic; the response schemas are generated
from these classes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from pydantic import Field

from qms.api.schema import InRegisterArchived, Resource
from qms.core.timeutil import today
from qms.support import auditors, models, vocabulary
from qms.support.settings import due_notice_days


class CalibrationEventOut(Resource):
    labels_from = models.CalibrationEvent

    id: int
    instrument_id: int
    kind: vocabulary.EventKind
    performed_on: date
    performed_by: str
    result: vocabulary.ToleranceResult
    certificate_number: str
    next_due_on: date
    notes: str
    previous_results_valid: bool | None
    evaluation: str
    conclusion: str
    evaluated_on: date | None
    nonconformity_id: int | None
    needs_evaluation: Annotated[
        bool, Field(description="Out of tolerance and the previous results not yet evaluated")
    ]


class InstrumentOut(Resource):
    labels_from = models.Instrument

    id: int
    agency_id: int
    identifier: str
    description: str
    unit_id: int | None
    location: str
    measuring_range: str
    required_accuracy: str
    interval_months: int
    method: vocabulary.TraceabilityMethod
    laboratory: str
    kan_number: str
    reference: str
    state: vocabulary.InstrumentState
    status: Annotated[
        vocabulary.InstrumentStatus, Field(description="The state, or in use: due or overdue")
    ]
    fit_for_use: Annotated[bool, Field(description="In use and not overdue")]
    next_due_on: date | None
    archived: InRegisterArchived

    @classmethod
    def of(cls, record: models.Instrument) -> InstrumentOut:
        on = today()
        return cls.from_record(
            record,
            status=record.status(on, due_notice_days()),
            fit_for_use=record.fit_for_use(on),
        )


class PositionOut(Resource):
    labels_from = models.Position

    id: int
    agency_id: int
    title: str
    required_competences: Annotated[str, Field(description="One competence per line")]
    required_education: str
    archived: InRegisterArchived


class StaffTrainingOut(Resource):
    labels_from = models.Training

    id: int
    person_id: int
    title: str
    provider: str
    competence: str
    started_on: date | None
    finished_on: date
    certificate_number: str
    certificate_expires_on: date | None
    effectiveness: str
    effective: bool | None


class StaffMemberOut(Resource):
    labels_from = models.Person

    id: int
    agency_id: int
    name: str
    nip: str
    position_id: int | None
    unit_id: int | None
    education: str
    user_id: int | None
    archived: InRegisterArchived


class AuditorTrainingOut(Resource):
    labels_from = models.AuditorTraining

    id: int
    qualification_id: int
    title: str
    provider: str
    completed_on: date
    certificate_number: str


class AuditorQualificationOut(Resource):
    labels_from = models.AuditorQualification

    id: int
    city_id: int
    user_id: int
    prior_audits_as_member: int
    prior_audits_led: int
    notes: str
    audits_as_member: Annotated[int, Field(description="Counted by the rule: in qms and before")]
    audits_led: int
    may_lead: Annotated[str | None, Field(description="Why they may not lead (null: they may)")]
    may_join: Annotated[str | None, Field(description="Why they may not join (null: they may)")]
    trainings: list[AuditorTrainingOut]
    archived: InRegisterArchived

    @classmethod
    def of(
        cls, record: models.AuditorQualification, found: auditors.Experience | None = None
    ) -> AuditorQualificationOut:
        """The qualification as the API gives it; `found`, the auditor's experience when
        already counted (a page counts all of its auditors' at once)."""
        on = today()
        found = found if found is not None else auditors.experience(record.user_id, on)
        return cls.from_record(
            record,
            audits_as_member=found.as_member,
            audits_led=found.led,
            may_lead=auditors.team_rule(record.user, on, lead=True, found=found),
            may_join=auditors.team_rule(record.user, on, lead=False, found=found),
            trainings=[AuditorTrainingOut.of(t) for t in record.trainings],
        )

    @classmethod
    def page_of(
        cls, records: Sequence[models.AuditorQualification]
    ) -> list[AuditorQualificationOut]:
        found = auditors.experiences([r.user_id for r in records], today())
        return [cls.of(r, found[r.user_id]) for r in records]


class AuditorEvaluationOut(Resource):
    labels_from = models.AuditorEvaluation

    id: int
    audit_id: int
    auditor_id: int
    evaluator_id: int
    evaluator_role: vocabulary.EvaluatorRole
    score: int
    comments: str
    evaluated_on: date


class ProviderEvaluationOut(Resource):
    labels_from = models.ProviderEvaluation

    id: int
    provider_id: int
    evaluated_on: date
    score: int
    comments: str
    status: vocabulary.ProviderStatus
    next_evaluation_on: date


class ProviderOut(Resource):
    labels_from = models.Provider

    id: int
    agency_id: int
    name: str
    kind: vocabulary.ProviderKind
    supplies: str
    criteria: str
    contact: str
    status: vocabulary.ProviderStatus
    next_evaluation_on: date | None
    archived: InRegisterArchived
