"""Document control (ISO 9001 clause 7.5): each agency's register of documented information,
revisions under an approval workflow, periodic review, the master list and review reminders."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


def _reads_documents(user) -> bool:
    return user.has_role(
        Role.SYSTEM_ADMIN,
        Role.CITY_ADMIN,
        Role.QUALITY_OFFICER,
        Role.INTERNAL_AUDITOR,
        Role.MANAGEMENT_VIEWER,
        Role.BSN_REVIEWER,
    )


def _sees_review_panel(user) -> bool:
    return user.has_role(Role.QUALITY_OFFICER, Role.CITY_ADMIN)


def init_app(app: Flask) -> None:
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
    from qms.documents import api, demo, services, views  # noqa: F401  (api declares routes)

    app.config.setdefault(
        "DOCUMENT_CODE_PATTERN",
        os.environ.get("QMS_DOCUMENT_CODE_PATTERN", services.DEFAULT_CODE_PATTERN),
    )
    services.check_code_pattern(app.config["DOCUMENT_CODE_PATTERN"])
    app.register_blueprint(views.bp)
    add_nav(NavItem(_l("Documents"), "documents.index", _reads_documents, order=20))
    add_home_panel(
        HomePanel(
            "documents/_home_panel.html",
            services.reviews_needing_attention,
            _sees_review_panel,
            order=20,
        )
    )
    add_agency_panel(
        AgencyPanel(
            "documents/_agency_panel.html",
            services.agency_status,
            services.reads_documents_of,
            order=10,
        )
    )
    add_reminder_source(services.review_reminders)
    add_demo_seeder(demo.seed, order=20)
    _register_history_labels()


def _register_history_labels() -> None:
    """How documents, their revisions and reviews read in history tables."""
    from qms.core.registry import add_history_labels, add_history_resolver
    from qms.documents import services
    from qms.documents.models import DOCUMENT_TYPE_LABELS, REVIEW_OUTCOME_LABELS, SECTIONS

    add_history_labels(
        "documents",
        fields={
            "doc_type": _l("Type"),
            "owner_unit_id": _l("Owner unit"),
            "review_period_months": _l("Review period (months)"),
            "retention_years": _l("Retention period of records (years)"),
            "next_review_on": _l("Next review"),
            "current_revision_id": _l("Current revision"),
            "withdrawn_at": _l("Withdrawn"),
            "withdrawal_reason": _l("Reason for withdrawal"),
        },
        values={"doc_type": DOCUMENT_TYPE_LABELS},
        # the number behind the code, which is shown
        hidden={"seq"},
    )
    add_history_labels(
        "document_revisions",
        fields={
            "document_id": _l("Document"),
            "number": _l("Revision"),
            "state": _l("Status"),
            "change_summary": _l("What changes in this revision"),
            "author_id": _l("Author"),
            **dict(SECTIONS),
            "review_comment": _l("Comment"),
            "discard_reason": _l("Reason for discarding"),
            "submitted_at": _l("Submitted"),
            "approved_at": _l("Approved"),
            "effective_on": _l("Effective from"),
            "ended_on": _l("Effective until"),
        },
        values={"state": services.REVISION_STATE_LABELS},
        workflows=[services.REVISION_WORKFLOW],
    )
    add_history_labels(
        "document_reviews",
        fields={"reviewer_id": _l("Reviewer"), "outcome": _l("Outcome"), "notes": _l("Notes")},
        values={"outcome": REVIEW_OUTCOME_LABELS},
    )
    add_history_resolver("document_revisions", services.revision_names)
