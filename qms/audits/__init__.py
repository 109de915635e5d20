"""Internal audits (ISO 9001 9.2, ISO 19011): annual programme, checklist audits from the
standard's questions, graded findings, auditor independence, report and compliance figure."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.accounts.models import Role


def _reads_audits(user) -> bool:
    # the cooperative office's officers work on small businesses, not on the agencies' audits
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.audits import api, demo, grades, services, views  # noqa: F401  (api: routes)
    from qms.core import registry

    app.config.setdefault("AUDIT_GRADES_FILE", os.environ.get("QMS_AUDIT_GRADES_FILE"))
    # a broken grade file stops the start with its exact problem rather than at the first audit
    app.extensions["qms_audit_grades"] = grades.load_grades(app.config["AUDIT_GRADES_FILE"])
    app.register_blueprint(views.bp)
    app.context_processor(views.template_labels)
    registry.add_nav(registry.NavItem(_l("Audits"), "audits.index", _reads_audits, order=30))
    registry.add_home_panel(
        registry.HomePanel(
            "audits/_home_panel.html", views.home_panel_context, views.home_panel_visible, order=30
        )
    )
    registry.add_agency_panel(
        registry.AgencyPanel(
            "audits/_agency_panel.html",
            views.agency_panel_context,
            views.agency_panel_visible,
            order=20,
        )
    )
    registry.add_reminder_source(services.audit_reminders)
    registry.add_demo_seeder(demo.seed, order=40)
