"""Document control (ISO 9001 clause 7.5): each agency's register of documented information,
revisions under an approval workflow, periodic review, the master list and review reminders.

policies.py  who sees and changes documents      workflow.py    the revision's steps
operations.py  register, revise, review           numbering.py   document codes
queries.py   master list, panels, page offers     figures.py     counts for panels and reports
reminders.py  reviews due and overdue             diff.py        the difference of two revisions
settings.py  the code pattern, notice and review periods"""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


def _reads_documents(user) -> bool:
    return user.has_role(
        Role.SYSTEM_ADMIN,
        Role.CITY_ADMIN,
        Role.QUALITY_OFFICER,
        Role.AGENCY_HEAD,
        Role.INTERNAL_AUDITOR,
        Role.MANAGEMENT_VIEWER,
        Role.BSN_REVIEWER,
    )


def _approves(user) -> bool:
    """Who may be authorised to approve revisions (approvers.APPROVER_ROLES)."""
    return user.has_role(Role.AGENCY_HEAD, Role.QUALITY_OFFICER, Role.CITY_ADMIN)


def _sees_review_panel(user) -> bool:
    return user.has_role(Role.QUALITY_OFFICER, Role.CITY_ADMIN)


def init_app(app: Flask) -> None:
    from qms.core.registry import (
        AgencyPanel,
        HomePanel,
        NavItem,
        TaskSource,
        add_agency_panel,
        add_demo_seeder,
        add_home_panel,
        add_nav,
        add_reminder_source,
        add_task_source,
    )
    from qms.documents import (
        api,  # noqa: F401  (api declares its routes)
        approvers,
        demo,
        imports,
        indicators,
        numbering,
        policies,
        queries,
        reminders,
        reports,
        review_inputs,
        settings,
        views,
    )

    settings.init_config(app)
    numbering.check_code_pattern(app.config["DOCUMENT_CODE_PATTERN"])
    policies.register()
    imports.register()
    _register_search()
    app.register_blueprint(views.bp)
    app.jinja_env.globals.update(
        document_status_badge=queries.status_badge,
        revision_state_badge=queries.revision_badge,
        review_state_badge=queries.review_badge,
    )
    add_nav(
        NavItem(_l("Documents"), "documents.index", _reads_documents, order=20, group="documents")
    )
    add_home_panel(
        HomePanel(
            "documents/_home_panel.html",
            queries.reviews_needing_attention,
            _sees_review_panel,
            order=20,
        )
    )
    add_task_source(
        TaskSource(
            "documents.approve",
            _l("Revisions to approve"),
            approvers.approval_tasks,
            _approves,
            lambda user: url_for("documents.index", revision="in_review"),
            order=10,
        )
    )
    add_agency_panel(
        AgencyPanel(
            "documents/_agency_panel.html",
            queries.agency_status,
            queries.reads_documents_of,
            order=10,
        )
    )
    add_reminder_source(reminders.review_reminders)
    indicators.register()
    reports.register()
    # its inputs of the management review and its evidence of certification readiness
    review_inputs.register()
    add_demo_seeder(demo.seed, order=20)
    _register_history_labels()


def _register_history_labels() -> None:
    """How documents, their revisions and reviews read in history tables (field and value
    labels come from the models' columns)."""
    from qms.core.registry import add_history_labels, add_history_resolver
    from qms.documents import queries, workflow

    # the number behind the code, which is shown
    add_history_labels("documents", hidden={"seq"})
    add_history_labels("document_revisions", workflows=[workflow.WORKFLOW])
    add_history_resolver("document_revisions", queries.revision_names)


def _register_search() -> None:
    """Documents are found by code and title (the search box in the header)."""
    from qms.core.search import Searchable, SearchText, add_searchable
    from qms.documents.models import Document

    add_searchable(
        Searchable(
            "documents",
            _l("Documents"),
            Document,
            lambda d: SearchText(d.title, d.code, agency_id=d.agency_id),
            fields=("code", "title", "agency_id"),
            endpoint="documents.show",
            url_arg="document_id",
            order=10,
        )
    )
