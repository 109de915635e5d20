"""Small-business (UMK) product certification: the cooperative office's registry, guidance and
SNI certification pipeline (SPPT SNI, SNI Bina UMK)."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.search import Searchable, SearchText


def init_app(app: Flask) -> None:
    from qms.core.features import HistoryLabels, register_feature
    from qms.core.registry import HomePanel, NavItem, TaskSource
    from qms.files.policies import register_owner
    from qms.sme import demo, policies, queries, reminders, settings, views
    from qms.sme.operations import EVIDENCE_OWNERS
    from qms.sme.workflow import machine

    settings.init_config(app)
    for model in EVIDENCE_OWNERS:
        register_owner(model)
    views.register(app)
    readers = policies.may_read_programme
    register_feature(
        app,
        __name__,
        declaring=("api",),
        registering=("policies", "imports", "catalogue", "reports"),
        searchable=(_searchable(),),
        nav=(
            NavItem(_l("Small businesses"), "sme.businesses", readers, 60, group="sme"),
            NavItem(_l("Certification"), "sme.pathways", readers, 61, group="sme"),
            NavItem(_l("UMK dashboard"), "sme.dashboard_page", readers, 62, group="sme"),
            NavItem(_l("Guidance"), "sme.guidance", readers, 63, group="sme"),
        ),
        home_panels=(HomePanel("sme/_home_panel.html", queries.home_panel_context, readers, 60),),
        tasks=(
            TaskSource(
                "sme.surveillance",
                _l("Surveillances due"),
                queries.surveillance_tasks,
                queries.acts_on_pathways,
                lambda user: url_for("sme.dashboard_page"),
                order=60,
            ),
            TaskSource(
                "sme.lab_results",
                _l("Lab results awaited"),
                queries.lab_result_tasks,
                queries.acts_on_pathways,
                lambda user: url_for("sme.pathways", waiting=queries.AWAITING_LAB),
                order=61,
            ),
        ),
        reminders=(reminders.sme_reminders,),
        demo=((demo.seed, 60),),
        # the fields read by their columns' labels; the steps by their names
        history=(HistoryLabels("sme_pathways", workflows=(machine,)),),
    )


def _searchable() -> Searchable:
    """Small businesses are found by NIB, name and owner (the search box in the header)."""
    from qms.sme.models import Business

    return Searchable(
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
