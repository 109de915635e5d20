"""Small-business (UMK) product certification: the cooperative office's registry, guidance and
SNI certification pipeline (SPPT SNI, SNI Bina UMK)."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.core.registry import (
        HomePanel,
        NavItem,
        TaskSource,
        add_demo_seeder,
        add_history_labels,
        add_home_panel,
        add_nav,
        add_reminder_source,
        add_task_source,
    )
    from qms.files.policies import register_owner
    from qms.sme import (
        api,  # noqa: F401  (its routes)
        catalogue,
        demo,
        imports,
        policies,
        queries,
        reminders,
        reports,
        settings,
        views,
    )
    from qms.sme.operations import EVIDENCE_OWNERS
    from qms.sme.workflow import machine

    settings.init_config(app)
    policies.register()
    imports.register()
    _register_search()
    catalogue.register()
    for model in EVIDENCE_OWNERS:
        register_owner(model)
    views.register(app)
    readers = policies.may_read_programme
    add_nav(NavItem(_l("Small businesses"), "sme.businesses", readers, 60, group="sme"))
    add_nav(NavItem(_l("Certification"), "sme.pathways", readers, 61, group="sme"))
    add_nav(NavItem(_l("UMK dashboard"), "sme.dashboard_page", readers, 62, group="sme"))
    add_nav(NavItem(_l("Guidance"), "sme.guidance", readers, 63, group="sme"))
    add_home_panel(HomePanel("sme/_home_panel.html", queries.home_panel_context, readers, 60))
    add_task_source(
        TaskSource(
            "sme.surveillance",
            _l("Surveillances due"),
            queries.surveillance_tasks,
            queries.acts_on_pathways,
            lambda user: url_for("sme.dashboard_page"),
            order=60,
        )
    )
    add_task_source(
        TaskSource(
            "sme.lab_results",
            _l("Lab results awaited"),
            queries.lab_result_tasks,
            queries.acts_on_pathways,
            lambda user: url_for("sme.pathways", waiting=queries.AWAITING_LAB),
            order=61,
        )
    )
    add_reminder_source(reminders.sme_reminders)
    reports.register()
    add_demo_seeder(demo.seed, 60)
    # the fields read by their columns' labels; the steps by their names
    add_history_labels("sme_pathways", workflows=[machine])


def _register_search() -> None:
    """Small businesses are found by NIB, name and owner (the search box in the header)."""
    from qms.core.search import Searchable, SearchText, add_searchable
    from qms.sme.models import Business

    add_searchable(
        Searchable(
            "businesses",
            _l("Small businesses"),
            Business,
            lambda b: SearchText(
                b.name, b.nib, f"{b.owner_name} {b.kelurahan} {b.kecamatan}", city_id=b.city_id
            ),
            fields=("name", "nib", "owner_name", "kelurahan", "kecamatan", "city_id"),
            endpoint="sme.business",
            url_arg="business_id",
            order=40,
        )
    )
