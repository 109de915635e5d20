"""Small-business (UMK) product certification: the cooperative office's registry, guidance and
SNI certification pipeline (SPPT SNI, SNI Bina UMK)."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

#: deadlines and periods, overridable from the environment (QMS_SME_*)
SETTINGS = {
    "SME_FINDING_MONTHS": 2,  # time to fix a site-audit finding (SPPT practice, DOMAIN.md §3)
    "SME_CERTIFICATE_YEARS": 4,  # default certificate validity; the true one is per scheme
    "SME_SURVEILLANCE_MONTHS": 12,  # first surveillance within a year, then yearly
}


def init_app(app: Flask) -> None:
    from qms.core.registry import (
        HomePanel,
        NavItem,
        add_demo_seeder,
        add_home_panel,
        add_nav,
        add_reminder_source,
    )
    from qms.sme import api, catalogue, demo, reminders, services, views  # noqa: F401

    for name, default in SETTINGS.items():
        app.config.setdefault(name, int(os.environ.get(f"QMS_{name}", default)))
    app.register_blueprint(views.bp)
    add_nav(NavItem(_l("Small businesses"), "sme.businesses", services.may_read_programme, 60))
    add_nav(NavItem(_l("Certification"), "sme.pathways", services.may_read_programme, 61))
    add_nav(NavItem(_l("UMK dashboard"), "sme.dashboard_page", services.may_read_programme, 62))
    add_nav(NavItem(_l("Guidance"), "sme.guidance", services.may_read_programme, 63))
    add_home_panel(
        HomePanel("sme/_home_panel.html", views.home_panel_context, services.may_read_programme, 60)
    )
    add_reminder_source(reminders.sme_reminders)
    add_demo_seeder(demo.seed, 60)
