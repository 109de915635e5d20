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
    _register_history_labels()


def _register_history_labels() -> None:
    """How businesses, products, certification pathways and trainings read in history tables."""
    from qms.core.registry import add_history_labels
    from qms.sme import models, services

    add_history_labels(
        "sme_businesses",
        fields={
            "name": _l("Business name"),
            "owner_name": _l("Owner"),
            "nib": _l("NIB (business identification number)"),
            "npwp": _l("NPWP (tax number)"),
            "kecamatan": _l("Kecamatan"),
            "kelurahan": _l("Kelurahan"),
            "phone": _l("Phone / WhatsApp"),
            "email": _l("E-mail"),
            "scale": _l("Scale"),
            "workers": _l("Number of workers"),
            "registered_on": _l("Registered with the office on"),
        },
        values={"scale": models.SCALE_LABELS},
    )
    add_history_labels(
        "sme_products",
        fields={
            "business_id": _l("Business name"),
            "name": _l("Product name"),
            "brand": _l("Brand"),
            "category": _l("Category"),
            "standard_id": _l("Applicable SNI"),
        },
        values={"category": models.CATEGORY_LABELS},
    )
    add_history_labels(
        "sme_pathways",
        fields={
            "product_id": _l("Product name"),
            "standard_id": _l("Applicable SNI"),
            "scheme": _l("Scheme"),
            "scheme_type": _l("ISO/IEC 17067 scheme type"),
            "stage": _l("Stage"),
            "held_stage": _l("Stage on hold"),
            "hold_reason": _l("Reason"),
            "withdraw_reason": _l("Reason"),
            "lspro_name": _l("Certification body (LSPro)"),
            "lspro_accreditation": _l("KAN accreditation number"),
        },
        values={
            "scheme": models.SCHEME_LABELS,
            "scheme_type": models.SCHEME_TYPE_LABELS,
            "stage": models.STAGE_LABELS,
            "held_stage": models.STAGE_LABELS,
        },
        workflows=[services.machine],
    )
    add_history_labels(
        "sme_training_batches",
        fields={"held_on": _l("Date"), "trainer": _l("Trainer"), "place": _l("Place")},
    )
