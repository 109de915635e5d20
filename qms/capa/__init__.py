"""Nonconformities and corrective actions (ISO 9001 10.2) with gated steps, and public
complaints as one of their sources."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role
from qms.core.search import Searchable, SearchText


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
    from qms.capa import cli, demo, findings, queries, reminders, settings, views, workflow
    from qms.capa.complaints import working_days
    from qms.capa.models import CorrectiveAction
    from qms.core.features import HistoryLabels, register_feature
    from qms.core.registry import AgencyPanel, HomePanel, NavItem, TaskSource
    from qms.files.policies import register_owner

    settings.init_config(app)
    working_days.register()
    register_owner(CorrectiveAction)
    audits.register_report_listener(findings.raise_for_report)
    audits.register_follow_up_checker(findings.lacking_accepted_plan)
    register_feature(
        app,
        __name__,
        declaring=("api",),
        # its inputs of the management review and its evidence of certification readiness
        registering=("policies", "imports", "indicators", "reports", "review_inputs"),
        searchable=(_searchable(),),
        blueprints=(views.bp,),
        nav=(
            NavItem(_l("Nonconformities"), "capa.register", _sees_register, 40, group="audits"),
            NavItem(_l("Complaints"), "capa.complaint_list", _sees_complaints, 45, group="audits"),
            NavItem(
                _l("CAPA dashboard"), "capa.dashboard_page", _sees_register, 46, group="audits"
            ),
        ),
        home_panels=(
            HomePanel("capa/_home_panel.html", queries.home_context, _sees_register, order=40),
        ),
        tasks=(
            TaskSource(
                "capa.review",
                _l("Plans to accept and actions to verify"),
                queries.waiting_tasks,
                _sees_register,
                lambda user: url_for("capa.register", waiting=1),
                order=20,
            ),
        ),
        agency_panels=(
            AgencyPanel(
                "capa/_agency_panel.html",
                queries.agency_panel_context,
                queries.sees_register_of,
                40,
            ),
        ),
        reminders=(reminders.reminders, working_days.reply_reminders),
        # after the features whose rules raise nonconformities (objectives: order 60)
        demo=((demo.seed, 50), (demo.walk_rule_nonconformities, 70)),
        commands=(cli.escalate_command, cli.raise_audit_nonconformities_command),
        history=(
            HistoryLabels(
                "nonconformities",
                # the parts of the number, and the key that keeps complaint escalation from
                # repeating
                hidden={"year", "sequence", "escalation_key"},
                workflows=(workflow.WORKFLOW,),
            ),
        ),
    )


def _searchable() -> Searchable:
    """Nonconformities are found by number and statement (the search box in the header)."""
    from qms.capa.models import Nonconformity

    return Searchable(
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
