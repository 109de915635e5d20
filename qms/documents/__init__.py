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
from qms.core.search import Searchable, SearchText


def _reads_documents(user) -> bool:
    from qms.documents.policies import DOCUMENT_READERS

    return user.has_role(*DOCUMENT_READERS)


def _approves(user) -> bool:
    """Who may be authorised to approve revisions."""
    from qms.documents.approvers import APPROVER_ROLES

    return user.has_role(*APPROVER_ROLES)


def _sees_review_panel(user) -> bool:
    return user.has_role(Role.QUALITY_OFFICER, Role.CITY_ADMIN)


def init_app(app: Flask) -> None:
    from qms.core.features import HistoryLabels, register_feature
    from qms.core.registry import AgencyPanel, HomePanel, NavItem, TaskSource
    from qms.documents import approvers, demo, numbering, queries, reminders, settings, views
    from qms.documents.workflow import WORKFLOW

    settings.init_config(app)
    numbering.check_code_pattern(app.config["DOCUMENT_CODE_PATTERN"])
    register_feature(
        app,
        __name__,
        declaring=("api",),
        # its inputs of the management review and its evidence of certification readiness
        registering=("policies", "imports", "indicators", "reports", "review_inputs"),
        searchable=(_searchable(),),
        blueprints=(views.bp,),
        template_globals={
            "document_status_badge": queries.status_badge,
            "revision_state_badge": queries.revision_badge,
            "review_state_badge": queries.review_badge,
        },
        nav=(
            NavItem(
                _l("Documents"), "documents.index", _reads_documents, order=20, group="documents"
            ),
        ),
        home_panels=(
            HomePanel(
                "documents/_home_panel.html",
                queries.reviews_needing_attention,
                _sees_review_panel,
                order=20,
            ),
        ),
        tasks=(
            TaskSource(
                "documents.approve",
                _l("Revisions to approve"),
                approvers.approval_tasks,
                _approves,
                lambda user: url_for("documents.index", revision="in_review"),
                order=10,
            ),
        ),
        agency_panels=(
            AgencyPanel(
                "documents/_agency_panel.html",
                queries.agency_status,
                queries.reads_documents_of,
                order=10,
            ),
        ),
        reminders=(reminders.review_reminders,),
        demo=((demo.seed, 20),),
        # how documents, their revisions and reviews read in history tables (field and value
        # labels come from the models' columns); a document's number behind its code is hidden
        history=(
            HistoryLabels("documents", hidden={"seq"}),
            HistoryLabels("document_revisions", workflows=(WORKFLOW,)),
        ),
        history_names={"document_revisions": queries.revision_names},
    )


def _searchable() -> Searchable:
    """Documents are found by code and title (the search box in the header)."""
    from qms.documents.models import Document

    return Searchable(
        "documents",
        _l("Documents"),
        Document,
        lambda d: SearchText(d.title, d.code, agency_id=d.agency_id),
        fields=("code", "title", "agency_id"),
        endpoint="documents.show",
        url_arg="document_id",
        order=10,
    )
