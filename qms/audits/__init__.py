"""Internal audits (ISO 9001 9.2, ISO 19011): annual programme, checklist audits from the
standard's questions, graded findings, auditor independence, report and compliance figure.

What another feature may use of them is published in `interface.py`."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


def _reads_audits(user) -> bool:
    # the cooperative office's officers work on small businesses, not on the agencies' audits
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.audits import (  # noqa: F401  (api: its routes)
        api,
        demo,
        grades,
        indicators,
        policies,
        programme_review,
        queries,
        reminders,
        reports,
        review_inputs,
        settings,
        views,
    )
    from qms.audits.views import (  # noqa: F401  (their routes)
        audit_pages,
        checklist_pages,
        offline_pages,
        programme_pages,
        programme_review_pages,
        report_pages,
    )
    from qms.core import registry

    settings.init_config(app)
    policies.register()
    _register_search()
    # a broken grade file stops the start with its exact problem rather than at the first audit
    app.extensions["qms_audit_grades"] = grades.load_grades(app.config["AUDIT_GRADES_FILE"])
    app.register_blueprint(views.bp)
    app.register_blueprint(offline_pages.root)
    app.context_processor(views.template_labels)
    registry.add_nav(
        registry.NavItem(_l("Audits"), "audits.index", _reads_audits, order=30, group="audits")
    )
    registry.add_home_panel(
        registry.HomePanel(
            "audits/_home_panel.html",
            queries.home_panel_context,
            queries.home_panel_visible,
            order=30,
        )
    )
    registry.add_agency_panel(
        registry.AgencyPanel(
            "audits/_agency_panel.html",
            queries.agency_panel_context,
            queries.agency_panel_visible,
            order=20,
        )
    )
    registry.add_reminder_source(reminders.audit_reminders)
    indicators.register()
    reports.register()
    # its inputs of the management review and its evidence of certification readiness
    review_inputs.register()
    # the programme's coverage of the standard and its year-end review (ISO 19011 5.4, 5.7)
    programme_review.register()
    app.context_processor(lambda: {"audit_programme_coverage": programme_review.page_context})
    registry.add_demo_seeder(demo.seed, order=40)
    _register_history_labels()


def _register_history_labels() -> None:
    """The audit's steps name its history entries (the fields are labelled on the columns)."""
    from qms.audits import workflow
    from qms.core.registry import add_history_labels

    add_history_labels("audits", workflows=[workflow.AUDIT_WORKFLOW])


def _register_search() -> None:
    """Audits are found by reference and scope (the search box in the header)."""
    from qms.audits.models import Audit
    from qms.core.search import Searchable, SearchText, add_searchable

    add_searchable(
        Searchable(
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
    )
