"""Nonconformities and corrective actions (ISO 9001 10.2) with gated steps, and public
complaints as one of their sources."""

from __future__ import annotations

import click
from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.accounts.models import Role
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
    from qms.audits import services as audits
    from qms.capa import api, complaints, demo, findings, services, settings, views  # noqa: F401
    from qms.cli import qms_group
    from qms.core.registry import (
        AgencyPanel,
        HomePanel,
        NavItem,
        add_agency_panel,
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
    if "escalate-complaints" not in qms_group.commands:
        qms_group.add_command(escalate_command)
    if "raise-audit-nonconformities" not in qms_group.commands:
        qms_group.add_command(raise_audit_nonconformities_command)


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
