"""Nonconformities and corrective actions (ISO 9001 10.2) with gated steps, and public
complaints as one of their sources."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


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


def init_app(app: Flask) -> None:
    from qms.audits import interface as audits
    from qms.capa import (  # noqa: F401  (api: its routes)
        api,
        cli,
        demo,
        findings,
        imports,
        indicators,
        policies,
        queries,
        reminders,
        reports,
        review_inputs,
        settings,
        views,
    )
    from qms.capa.complaints import working_days
    from qms.capa.models import CorrectiveAction
    from qms.core.registry import (
        AgencyPanel,
        HomePanel,
        NavItem,
        TaskSource,
        add_agency_panel,
        add_command,
        add_demo_seeder,
        add_home_panel,
        add_nav,
        add_reminder_source,
        add_task_source,
    )
    from qms.files.policies import register_owner

    settings.init_config(app)
    policies.register()
    imports.register()
    _register_search()
    working_days.register()
    register_owner(CorrectiveAction)
    app.register_blueprint(views.bp)
    add_nav(
        NavItem(_l("Nonconformities"), "capa.register", _sees_register, order=40, group="audits")
    )
    add_nav(
        NavItem(_l("Complaints"), "capa.complaint_list", _sees_complaints, order=45, group="audits")
    )
    add_nav(
        NavItem(
            _l("CAPA dashboard"), "capa.dashboard_page", _sees_register, order=46, group="audits"
        )
    )
    add_home_panel(
        HomePanel("capa/_home_panel.html", queries.home_context, _sees_register, order=40)
    )
    add_task_source(
        TaskSource(
            "capa.review",
            _l("Plans to accept and actions to verify"),
            queries.waiting_tasks,
            _sees_register,
            lambda user: url_for("capa.register", waiting=1),
            order=20,
        )
    )
    add_agency_panel(
        AgencyPanel(
            "capa/_agency_panel.html", queries.agency_panel_context, queries.sees_register_of, 40
        )
    )
    add_reminder_source(reminders.reminders)
    add_reminder_source(working_days.reply_reminders)
    indicators.register()
    reports.register()
    # its inputs of the management review and its evidence of certification readiness
    review_inputs.register()
    audits.register_report_listener(findings.raise_for_report)
    audits.register_follow_up_checker(findings.lacking_accepted_plan)
    add_demo_seeder(demo.seed, order=50)
    # after the features whose rules raise nonconformities (objectives: order 60)
    add_demo_seeder(demo.walk_rule_nonconformities, order=70)
    add_command(cli.escalate_command)
    add_command(cli.raise_audit_nonconformities_command)
    _register_history_labels()


def _register_history_labels() -> None:
    """How nonconformities read in history tables beyond their columns' labels (models.py)."""
    from qms.capa import workflow
    from qms.core.registry import add_history_labels

    add_history_labels(
        "nonconformities",
        # the parts of the number, and the key that keeps complaint escalation from repeating
        hidden={"year", "sequence", "escalation_key"},
        workflows=[workflow.WORKFLOW],
    )


def _register_search() -> None:
    """Nonconformities are found by number and statement (the search box in the header)."""
    from qms.capa.models import Nonconformity
    from qms.core.search import Searchable, SearchText, add_searchable

    add_searchable(
        Searchable(
            "nonconformities",
            _l("Nonconformities"),
            Nonconformity,
            lambda nc: SearchText(
                nc.statement,
                nc.number,
                f"{nc.process} {nc.source_reference} {nc.criterion}",
                agency_id=nc.agency_id,
            ),
            fields=("number", "statement", "process", "source_reference", "criterion", "agency_id"),
            endpoint="capa.detail",
            url_arg="nc_id",
            order=20,
        )
    )
