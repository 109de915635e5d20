"""Nonconformities and corrective actions (ISO 9001 10.2) with gated steps, and public
complaints as one of their sources."""

from __future__ import annotations

import click
from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role
from qms.core.timeutil import today as local_today


def _sees_register(user) -> bool:
    return user.is_authenticated and user.has_role(*(r for r in Role if r != Role.COOP_OFFICER))


def _sees_complaints(user) -> bool:
    return user.is_authenticated and user.has_role(
        Role.SYSTEM_ADMIN,
        Role.CITY_ADMIN,
        Role.QUALITY_OFFICER,
        Role.BSN_REVIEWER,
        Role.MANAGEMENT_VIEWER,
    )


def _home_context(user) -> dict:
    from qms.capa import services

    return {
        "open": services.open_count(user),
        "overdue": services.overdue(user, limit=10),
        "awaiting": services.awaiting(user),
    }


def _agency_panel_context(user, agency) -> dict:
    from qms.capa import services
    from qms.capa.models import GRADE_LABELS

    return {"summary": services.agency_summary(user, agency), "grade_labels": GRADE_LABELS}


def init_app(app: Flask) -> None:
    from qms.audits import interface as audits
    from qms.capa import api, complaints, demo, findings, services, settings, views  # noqa: F401
    from qms.core.registry import (
        AgencyPanel,
        HomePanel,
        NavItem,
        add_agency_panel,
        add_command,
        add_demo_seeder,
        add_home_panel,
        add_nav,
        add_reminder_source,
    )

    settings.init_config(app)
    app.register_blueprint(views.bp)
    add_nav(NavItem(_l("Nonconformities"), "capa.register", _sees_register, order=40))
    add_nav(NavItem(_l("Complaints"), "capa.complaint_list", _sees_complaints, order=45))
    add_nav(NavItem(_l("CAPA dashboard"), "capa.dashboard_page", _sees_register, order=46))
    add_home_panel(HomePanel("capa/_home_panel.html", _home_context, _sees_register, order=40))
    add_agency_panel(
        AgencyPanel("capa/_agency_panel.html", _agency_panel_context, services.sees_register_of, 40)
    )
    add_reminder_source(services.reminders)
    audits.register_report_listener(findings.raise_for_report)
    audits.register_follow_up_checker(findings.lacking_accepted_plan)
    add_demo_seeder(demo.seed, order=50)
    add_command(escalate_command)
    add_command(raise_audit_nonconformities_command)
    _register_history_labels()


def _register_history_labels() -> None:
    """How nonconformities, their actions and checks read in history tables."""
    from qms.capa import models, services
    from qms.core.registry import add_history_labels

    add_history_labels(
        "nonconformities",
        fields={
            "number": _l("Number"),
            "unit_id": _l("Unit"),
            "source": _l("Source"),
            "source_reference": _l("Source reference (audit, report, complaint number)"),
            "finding_id": _l("Audit finding"),
            "origin_id": _l("Raised from nonconformity"),
            "process": _l("Process or service"),
            "clause": _l("ISO 9001 clause"),
            "criterion": _l("Internal criterion (SOP number)"),
            "requirement": _l("Requirement"),
            "evidence": _l("Objective evidence"),
            "statement": _l("Nonconformity statement"),
            "grade": _l("Grade"),
            "raised_on": _l("Date raised"),
            "auditee_representative": _l("Auditee representative"),
            "auditor_id": _l("Follow-up auditor"),
            "due_date": _l("Due date"),
            "correction": _l("Correction (the immediate fix)"),
            "correction_on": _l("Date of the correction"),
            "why_steps": _l("Why?"),
            "cause_category": _l("Cause category"),
            "root_cause": _l("Root cause"),
            "occurs_elsewhere": _l("Could this occur elsewhere (in other agencies)?"),
            "elsewhere_note": _l("Where, and what was checked"),
            "risk_register_updated": _l("Risk register updated"),
            "documents_changed": _l("Documents to change (SOP, forms)"),
            "plan_round": _l("Plan round"),
            "effectiveness_check_on": _l("Effectiveness check from"),
            "plan_submitted_at": _l("Plan submitted"),
            "plan_accepted_at": _l("Plan accepted"),
            "plan_return_note": _l("Why the plan was returned"),
            "implemented_at": _l("Implemented"),
            "reopened_count": _l("Times reopened"),
            "closed_at": _l("Closed"),
            "archive_reason": _l("Why is it archived (raised by mistake, a duplicate)?"),
        },
        values={
            "status": models.STATUS_LABELS,
            "source": models.SOURCE_LABELS,
            "grade": models.GRADE_LABELS,
            "cause_category": models.CAUSE_LABELS,
        },
        # the parts of the number, and the key that keeps complaint escalation from repeating
        hidden={"year", "sequence", "escalation_key"},
        workflows=[services.WORKFLOW],
    )
    add_history_labels(
        "corrective_actions",
        fields={
            "plan_round": _l("Plan round"),
            "kind": _l("Type"),
            "description": _l("Action"),
            "owner": _l("Person in charge"),
            "due_date": _l("Due date"),
            "done_at": _l("Done"),
            "done_note": _l("What was done"),
        },
        values={"kind": models.ACTION_KIND_LABELS},
    )
    add_history_labels(
        "effectiveness_checks",
        fields={
            "plan_round": _l("Plan round"),
            "verified_on": _l("Date verified"),
            "result": _l("Result"),
            "note": _l("Note"),
        },
        values={"result": models.RESULT_LABELS},
    )


@click.command("escalate-complaints")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def escalate_command(today) -> None:
    """Apply the complaint escalation rules in every city (run daily from cron)."""
    from sqlalchemy import select

    from qms.capa.complaints import escalate_complaints
    from qms.core.history import acting_as
    from qms.extensions import db
    from qms.organisations.models import City

    day = today.date() if today else local_today()
    created = []
    with acting_as(None):
        for city in db.session.scalars(select(City).where(City.archived_at.is_(None))):
            created += escalate_complaints(city, day)
    db.session.commit()
    click.echo(
        f"{len(created)} nonconformity(ies) raised: {', '.join(nc.number for nc in created)}"
    )


@click.command("raise-audit-nonconformities")
def raise_audit_nonconformities_command() -> None:
    """Raise the missing nonconformities of audits reported before findings flowed to the
    register (once, after upgrading a database; running it again changes nothing)."""
    from sqlalchemy import func, select

    from qms.audits.models import Audit, AuditStatus
    from qms.capa import findings
    from qms.capa.models import Nonconformity
    from qms.core.history import acting_as
    from qms.extensions import db

    def count() -> int:
        return db.session.scalar(select(func.count(Nonconformity.id)))

    before = count()
    with acting_as(None):
        for audit in db.session.scalars(
            select(Audit).where(Audit.status == AuditStatus.REPORTED, Audit.archived_at.is_(None))
        ):
            findings.raise_for_report(None, audit)
    db.session.commit()
    click.echo(f"{count() - before} nonconformity(ies) raised")
