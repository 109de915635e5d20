"""Internal audits (ISO 9001 9.2, ISO 19011): annual programme, checklist audits from the
standard's questions, graded findings, auditor independence, report and compliance figure."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


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
    _register_history_labels()


def _register_history_labels() -> None:
    """How programmes, audits and their parts read in history tables."""
    from qms.audits import models, services
    from qms.core.registry import add_history_labels

    add_history_labels(
        "audits",
        fields={
            "reference": _l("Reference"),
            "programme_item_id": _l("Programme item"),
            "standard_id": _l("Standard"),
            "kind": _l("Kind of audit"),
            "objectives": _l("Objectives"),
            "scope_clauses": _l("Clauses in scope"),
            "scope_unit_ids": _l("Units in scope"),
            "scope_processes": _l("Processes and services in scope"),
            "criteria": _l("Criteria (the standard and the agency's own procedures)"),
            "planned_start": _l("Planned start"),
            "planned_end": _l("Planned end"),
            "actual_start": _l("Actual start"),
            "actual_end": _l("Actual end"),
            "lead_auditor_id": _l("Lead auditor"),
            "auditee_representatives": _l("Auditee representatives"),
            "opening_meeting_at": _l("Opening meeting"),
            "opening_attendance": _l("Opening meeting attendance"),
            "opening_notes": _l("Opening meeting notes"),
            "closing_meeting_at": _l("Closing meeting"),
            "closing_attendance": _l("Closing meeting attendance"),
            "closing_notes": _l("Closing meeting notes"),
            "conclusion": _l("Audit conclusion"),
            "degree_of_conformity": _l("Degree of conformity"),
            "disagreements": _l("Unresolved disagreements"),
            "areas_not_covered": _l("Areas not covered"),
            "reported_at": _l("Reported"),
            "closed_at": _l("Closed"),
        },
        values={"kind": models.AUDIT_KIND_LABELS, "status": models.AUDIT_STATUS_LABELS},
        workflows=[services.AUDIT_WORKFLOW],
    )
    add_history_labels(
        "audit_programmes",
        fields={"year": _l("Year"), "objectives": _l("Objectives of the programme")},
    )
    add_history_labels(
        "audit_programme_items",
        fields={
            "kind": _l("Kind of audit"),
            "planned_month": _l("Month"),
            "clause_numbers": _l("Clauses to audit"),
            "reason": _l("Reason (risk, previous results)"),
        },
        values={"kind": models.AUDIT_KIND_LABELS},
    )
