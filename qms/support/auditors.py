"""Qualified auditors (ISO 19011 §7): each internal auditor's qualification kept by the city
admin — auditor trainings, audits before qms — the audits they took part in and led in qms,
the evaluations after each audit, and the configurable rule of who may lead an audit or join a
team, registered with the audits as a team rule (`team_rule`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import selectinload

from qms.accounts.models import User
from qms.audits.interface import Audit, AuditTeamMember
from qms.core import access, archiving
from qms.core.errors import DomainError, not_in_future
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import City
from qms.support import common
from qms.support.models import AuditorEvaluation, AuditorQualification, AuditorTraining
from qms.support.settings import setting
from qms.support.vocabulary import SCORES, EvaluatorRole

QUALIFICATION_FIELDS = ("prior_audits_as_member", "prior_audits_led", "notes")
TRAINING_FIELDS = ("title", "provider", "completed_on", "certificate_number")


def qualification_of(user_id: int) -> AuditorQualification | None:
    return db.session.scalar(
        select(AuditorQualification).where(
            AuditorQualification.user_id == user_id, AuditorQualification.archived_at.is_(None)
        )
    )


def create_qualification(actor: User, city: City, values: dict[str, Any]) -> AuditorQualification:
    """The qualification of an internal auditor of the city (one per auditor)."""
    auditor = db.session.get(User, values.get("user_id") or 0)
    if auditor is None or city.id not in auditor.city_ids(Role.INTERNAL_AUDITOR):
        raise DomainError(_l("Choose an internal auditor of the city."), field="user_id")
    if db.session.scalar(
        select(AuditorQualification.id).where(AuditorQualification.user_id == auditor.id)
    ):
        raise DomainError(_l("This auditor's qualification is on record already."), field="user_id")
    record = AuditorQualification(city_id=city.id, city=city, user_id=auditor.id, user=auditor)
    return common.save_entry(actor, record, values, QUALIFICATION_FIELDS, _check_qualification)


def _check_qualification(record: AuditorQualification) -> None:
    """The audits before the system: none given counts as 0, and never fewer."""
    for name in ("prior_audits_as_member", "prior_audits_led"):
        value = getattr(record, name)
        if value is None:
            setattr(record, name, 0)
        elif value < 0:
            raise DomainError(_l("Enter a number of audits, 0 or more."), field=name)


def update_qualification(
    actor: User, record: AuditorQualification, values: dict[str, Any]
) -> AuditorQualification:
    return common.save_entry(actor, record, values, QUALIFICATION_FIELDS, _check_qualification)


def add_auditor_training(
    actor: User, record: AuditorQualification, values: dict[str, Any], today: date | None = None
) -> AuditorTraining:
    archiving.authorize_change(actor, record)
    training = AuditorTraining(qualification_id=record.id, qualification=record)
    common.apply(training, values, TRAINING_FIELDS)
    common.required_text(training.title, "title", _l("Name the auditor training."))
    if training.completed_on is None:
        raise DomainError(_l("Give the date it was completed."), field="completed_on")
    not_in_future(training.completed_on, "completed_on", today or local_today())
    db.session.add(training)
    db.session.flush()
    return training


# --- experience and the rule ----------------------------------------------------------------


def _poorly_rated(user_id: int) -> Any:
    """SQL: the audits whose lead rated this auditor below the minimum score."""
    return select(AuditorEvaluation.audit_id).where(
        AuditorEvaluation.auditor_id == user_id,
        AuditorEvaluation.evaluator_role == EvaluatorRole.LEAD.value,
        AuditorEvaluation.score < setting("AUDITOR_MIN_SCORE"),
    )


@dataclass(frozen=True)
class Experience:
    """The audits an auditor took part in (reported or closed) and led, in qms and before."""

    as_member: int
    led: int
    trained: bool


def experience(user_id: int, on: date) -> Experience:
    """Counted in SQL: qms's reported or closed audits before `on` with the auditor on the
    team (one the lead rated below the minimum score does not count), plus those recorded on
    the qualification; an auditor training completed by `on`."""
    done = and_(Audit.report_issued, Audit.archived_at.is_(None), Audit.planned_start < on)
    member = db.session.scalar(
        select(func.count(func.distinct(Audit.id)))
        .select_from(Audit)
        .outerjoin(AuditTeamMember, AuditTeamMember.audit_id == Audit.id)
        .where(
            done,
            or_(AuditTeamMember.user_id == user_id, Audit.lead_auditor_id == user_id),
            Audit.id.not_in(_poorly_rated(user_id)),
        )
    )
    led = db.session.scalar(
        select(func.count(Audit.id)).where(done, Audit.lead_auditor_id == user_id)
    )
    qualification = qualification_of(user_id)
    trained = qualification is not None and any(
        t.completed_on <= on for t in qualification.trainings
    )
    prior_member = qualification.prior_audits_as_member if qualification else 0
    prior_led = qualification.prior_audits_led if qualification else 0
    return Experience(member + prior_member, led + prior_led, trained)


def experiences(user_ids: Iterable[int], on: date) -> dict[int, Experience]:
    """`experience` of several auditors at once, in the same few queries however many they are
    (a page of the auditors' list)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    done = and_(Audit.report_issued, Audit.archived_at.is_(None), Audit.planned_start < on)
    team = union(
        select(Audit.id.label("audit_id"), Audit.lead_auditor_id.label("user_id")).where(
            done, Audit.lead_auditor_id.in_(ids)
        ),
        select(AuditTeamMember.audit_id, AuditTeamMember.user_id)
        .join(Audit, Audit.id == AuditTeamMember.audit_id)
        .where(done, AuditTeamMember.user_id.in_(ids)),
    ).subquery()
    poorly_rated = (
        select(AuditorEvaluation.id)
        .where(
            AuditorEvaluation.audit_id == team.c.audit_id,
            AuditorEvaluation.auditor_id == team.c.user_id,
            AuditorEvaluation.evaluator_role == EvaluatorRole.LEAD.value,
            AuditorEvaluation.score < setting("AUDITOR_MIN_SCORE"),
        )
        .exists()
    )
    members = dict(
        db.session.execute(
            select(team.c.user_id, func.count(func.distinct(team.c.audit_id)))
            .where(~poorly_rated)
            .group_by(team.c.user_id)
        ).all()
    )
    led = dict(
        db.session.execute(
            select(Audit.lead_auditor_id, func.count(Audit.id))
            .where(done, Audit.lead_auditor_id.in_(ids))
            .group_by(Audit.lead_auditor_id)
        ).all()
    )
    qualifications = {
        q.user_id: q
        for q in db.session.scalars(
            select(AuditorQualification)
            .where(
                AuditorQualification.user_id.in_(ids), AuditorQualification.archived_at.is_(None)
            )
            .options(selectinload(AuditorQualification.trainings))
        )
    }
    found: dict[int, Experience] = {}
    for user_id in ids:
        qualification = qualifications.get(user_id)
        trained = qualification is not None and any(
            t.completed_on <= on for t in qualification.trainings
        )
        found[user_id] = Experience(
            members.get(user_id, 0)
            + (qualification.prior_audits_as_member if qualification else 0),
            led.get(user_id, 0) + (qualification.prior_audits_led if qualification else 0),
            trained,
        )
    return found


def team_rule(candidate: User, on: date, lead: bool, found: Experience | None = None) -> str | None:
    """Why `candidate` may not lead (or join) an audit held on `on` under the configured rule,
    or None (ISO 19011 §7: training, and experience on teams before leading one). `found`: the
    candidate's experience when already counted (`experiences`)."""
    prefix = "AUDITOR_LEAD_" if lead else "AUDITOR_MEMBER_"
    found = found if found is not None else experience(candidate.id, on)
    if setting(prefix + "NEEDS_TRAINING") and not found.trained:
        return (
            _("%(name)s may not lead an audit: no auditor training on record.", name=candidate.name)
            if lead
            else _(
                "%(name)s may not join an audit team: no auditor training on record.",
                name=candidate.name,
            )
        )
    needed = setting(prefix + "MIN_AUDITS")
    if found.as_member < needed:
        message = (
            _(
                "%(name)s may not lead an audit: %(count)s of the %(needed)s audits as a team "
                "member required.",
                name=candidate.name,
                count=found.as_member,
                needed=needed,
            )
            if lead
            else _(
                "%(name)s may not join an audit team: %(count)s of the %(needed)s audits required.",
                name=candidate.name,
                count=found.as_member,
                needed=needed,
            )
        )
        return message
    return None


# --- evaluations after an audit -------------------------------------------------------------


def evaluator_role(actor: User, audit: Audit) -> EvaluatorRole | None:
    """How `actor` was on the audit: its lead, or the audited agency's quality officer."""
    if audit.lead_auditor_id == actor.id:
        return EvaluatorRole.LEAD
    if audit.agency_id in actor.agency_ids(Role.QUALITY_OFFICER):
        return EvaluatorRole.AUDITEE
    return None


def evaluate_auditor(
    actor: User, values: dict[str, Any], today: date | None = None
) -> AuditorEvaluation:
    """An evaluation of an auditor of the team after the audit (its report issued), by its
    lead (of the members) or by the auditee's quality officer (of anyone on the team)."""
    audit = db.session.get(Audit, values.get("audit_id") or 0)
    role = evaluator_role(actor, audit) if audit is not None else None
    if audit is None or role is None:
        raise DomainError(
            _l("Only the audit's lead auditor or the auditee's representative evaluates."),
            field="audit_id",
        )
    if not audit.report_issued:
        raise DomainError(_l("Auditors are evaluated once the report is issued."), field="audit_id")
    auditor_id = values.get("auditor_id")
    if auditor_id not in audit.team_ids or (role == EvaluatorRole.LEAD and auditor_id == actor.id):
        raise DomainError(_l("Choose an auditor who was on the audit's team."), field="auditor_id")
    score = values.get("score")
    if score not in SCORES:
        raise DomainError(_l("Rate it from 1 to 5."), field="score")
    if db.session.scalar(
        select(AuditorEvaluation.id).where(
            AuditorEvaluation.audit_id == audit.id,
            AuditorEvaluation.auditor_id == auditor_id,
            AuditorEvaluation.evaluator_id == actor.id,
        )
    ):
        raise DomainError(_l("You have evaluated this auditor for this audit."), field="auditor_id")
    evaluation = AuditorEvaluation(
        audit_id=audit.id,
        auditor_id=auditor_id,
        auditor=db.session.get(User, auditor_id),
        evaluator_id=actor.id,
        evaluator=actor,
        evaluator_role=role,
        score=score,
        comments=(values.get("comments") or "").strip(),
        evaluated_on=today or local_today(),
    )
    access.authorize(actor, access.CREATE, evaluation)
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def audits_of(user_id: int) -> list[Audit]:
    """The audits in qms the auditor was on, latest first."""
    return list(
        db.session.scalars(
            select(Audit)
            .where(
                or_(
                    Audit.id.in_(
                        select(AuditTeamMember.audit_id).where(AuditTeamMember.user_id == user_id)
                    ),
                    Audit.lead_auditor_id == user_id,
                ),
                Audit.archived_at.is_(None),
            )
            .order_by(Audit.planned_start.desc())
        )
    )


def evaluable_audits(actor: User) -> list[Audit]:
    """The reported audits the actor led or was audited in: where they may evaluate."""
    officer_of = actor.agency_ids(Role.QUALITY_OFFICER)
    return list(
        db.session.scalars(
            select(Audit)
            .where(
                Audit.report_issued,
                Audit.archived_at.is_(None),
                or_(Audit.lead_auditor_id == actor.id, Audit.agency_id.in_(officer_of)),
            )
            .order_by(Audit.planned_start.desc())
        )
    )
