"""Support and resources of an agency's quality system (ISO 9001 7.1.5, 7.2, 8.4; ISO 19011
§7): the calibration register, staff competence, qualified auditors and external providers.

models.py       instruments, calibrations, positions and their competences, staff, trainings,
                auditor qualifications, trainings and evaluations, providers and evaluations
vocabulary.py   fixed values and their labels      settings.py   intervals and the auditor rule
policies.py     who reads and writes               common.py     shared operation helpers
calibration.py  instruments, events, the 7.1.5.2 evaluation, the nonconformity it may raise
competence.py   positions, staff, trainings, the competence matrix
auditors.py     qualifications, experience, the team rule audits ask, evaluations after audits
providers.py    providers and their evaluations
queries.py      lists, form offers, the agency panel    figures.py   counts in SQL, the
reminders.py    calibrations, certificates, providers                resources summary
views/          pages by area      api.py, resources.py   /api/v1      demo.py   the demo city"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from qms.audits.interface import register_team_rule
    from qms.core.features import agency_panel, register_feature
    from qms.core.registry import NavItem
    from qms.files.policies import register_owner
    from qms.support import auditors, demo, queries, reminders, settings, views
    from qms.support.models import CalibrationEvent, Training
    from qms.support.policies import reads_registers_of

    settings.init_config(app)
    register_owner(CalibrationEvent)
    register_owner(Training)
    # who may lead an audit or join its team (ISO 19011 §7), asked by the audits' team forms
    register_team_rule(auditors.team_rule)
    register_feature(
        app,
        __name__,
        declaring=(
            "api",
            "views.auditor_pages",
            "views.competence_pages",
            "views.instrument_pages",
            "views.provider_pages",
        ),
        registering=("policies", "reports"),
        blueprints=(views.bp,),
        template_context=(views.template_labels,),
        nav=(
            NavItem(
                _l("Resources"), "support.index", queries.reads_support, order=52, group="planning"
            ),
        ),
        agency_panels=(agency_panel("support", queries, reads_registers_of, order=55),),
        reminders=(reminders.reminders,),
        # the qualifications before the audits' demo data (order 40), whose teams the rule checks
        demo=((demo.seed_auditors, 35), (demo.seed, 65)),
    )
