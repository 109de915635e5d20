"""The public satisfaction survey (Survei Kepuasan Masyarakat, Permenpan-RB 14/2017; ISO 9001
9.1.2): a survey per service unit and period, responses by CSV upload, by the API or by a public
form (link and QR code), the index and grade with the minimum sample, the follow-up plan of the
weakest elements, and the published results per unit.

models.py     surveys, responses, imports, follow-ups   vocabulary.py  elements, profile
scoring.py    NRR, IKM, grade, Krejcie–Morgan (exact)   figures.py     sums in SQL
policies.py   who reads and runs surveys                 workflow.py    close, reopen, publish
parsing.py    a respondent's answers, checked (CSV, JSON, form)
imports.py    upload, row report, confirm                operations.py  surveys, responses,
queries.py    lists, panels, suggestions, public reads                  follow-up plan
views.py      the staff's pages    public.py  the public form and results    qr.py  its QR code
api.py        /api/v1/skm/…        reminders.py  follow-ups, ended periods   demo.py"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


def _reads_surveys(user) -> bool:
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.capa.interface import FeedbackSource, register_feedback_source
    from qms.core.features import HistoryLabels, agency_panel, register_feature
    from qms.core.registry import HomePanel, NavItem
    from qms.skm import demo, public, queries, reminders, settings, views
    from qms.skm.workflow import WORKFLOW

    settings.init_config(app)
    # the respondents' suggestions are feedback records beside the complaints (9.1.2)
    register_feedback_source(
        FeedbackSource("skm-suggestions", "skm/_suggestions.html", queries.suggestions)
    )
    register_feature(
        app,
        __name__,
        declaring=("api",),
        # its inputs of the management review and its evidence of certification readiness
        registering=("policies", "figures", "review_inputs", "reports"),
        blueprints=(views.bp, public.bp),
        template_context=(views.template_labels,),
        nav=(
            NavItem(
                _l("Satisfaction survey"), "skm.index", _reads_surveys, order=50, group="planning"
            ),
        ),
        home_panels=(
            HomePanel("skm/_home_panel.html", queries.home_context, queries.sees_home_panel, 50),
        ),
        agency_panels=(agency_panel("skm", queries, queries.agency_panel_visible, order=50),),
        reminders=(reminders.reminders,),
        demo=((demo.seed, 55),),
        history=(HistoryLabels("skm_surveys", workflows=(WORKFLOW,)),),
    )
