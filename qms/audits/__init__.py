"""Internal audits (ISO 9001 9.2, ISO 19011): annual programme, checklist audits from the
standard's questions, graded findings, auditor independence, report and compliance figure.

What another feature may use of them is published in `interface.py`."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role
from qms.core.search import Searchable, SearchText


def _reads_audits(user) -> bool:
    # the cooperative office's officers work on small businesses, not on the agencies' audits
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.audits import demo, grades, programme_review, queries, reminders, settings, views
    from qms.audits.views import offline_pages
    from qms.audits.workflow import AUDIT_WORKFLOW
    from qms.core.features import HistoryLabels, agency_panel, register_feature
    from qms.core.registry import HomePanel, NavItem

    settings.init_config(app)
    # a broken grade file stops the start with its exact problem rather than at the first audit
    app.extensions["qms_audit_grades"] = grades.load_grades(app.config["AUDIT_GRADES_FILE"])
    register_feature(
        app,
        __name__,
        declaring=(
            "api",
            "views.audit_pages",
            "views.checklist_pages",
            "views.programme_pages",
            "views.programme_review_pages",
            "views.report_pages",
        ),
        # its inputs of the management review and its evidence of certification readiness;
        # the programme's coverage of the standard and its year-end review (ISO 19011 5.4, 5.7)
        registering=("policies", "indicators", "reports", "review_inputs", "programme_review"),
        searchable=(_searchable(),),
        blueprints=(views.bp, offline_pages.root),
        template_context=(
            views.template_labels,
            lambda: {"audit_programme_coverage": programme_review.page_context},
        ),
        nav=(NavItem(_l("Audits"), "audits.index", _reads_audits, order=30, group="audits"),),
        home_panels=(
            HomePanel(
                "audits/_home_panel.html",
                queries.home_panel_context,
                queries.home_panel_visible,
                order=30,
            ),
        ),
        agency_panels=(agency_panel("audits", queries, queries.agency_panel_visible, order=20),),
        reminders=(reminders.audit_reminders,),
        demo=((demo.seed, 40),),
        # the audit's steps name its history entries (the fields are labelled on the columns)
        history=(HistoryLabels("audits", workflows=(AUDIT_WORKFLOW,)),),
    )


def _searchable() -> Searchable:
    """Audits are found by reference and scope (the search box in the header)."""
    from qms.audits.models import Audit

    return Searchable(
        "audits",
        _l("Audits"),
        Audit,
        lambda a: SearchText(
            a.scope_processes or a.objectives, a.reference, a.objectives, agency_id=a.agency_id
        ),
        fields=("reference", "scope_processes", "objectives", "agency_id"),
        endpoint="audits.detail",
        url_arg="audit_id",
        order=30,
    )
