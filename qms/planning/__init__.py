"""Plan and Check of an agency's quality system (ISO 9001 4.1, 4.2, 6.1, 6.2, 9.1.1): its
context, its quality objectives with their indicators and measurements, and its register of
risks and opportunities.

models.py      context issues, interested parties, objectives, measurements, risks,
               treatments, risk links        vocabulary.py  fixed values and their labels
policies.py    who reads and writes           periods.py     the periods of an objective's year
operations.py  context, risks, treatments     measuring.py   objectives and measurements
workflow.py    a treatment's steps            deviations.py  missed targets -> nonconformity
corrective.py  the risk links of capa's analysis (through qms.capa.interface)
queries.py     lists, panels, form offers     figures.py     counts in SQL (panels, reports)
matrix.py      the configurable risk matrix   settings.py    thresholds, named once
reminders.py   risk reviews and treatments    cli.py         `flask qms measure-objectives`
views/         pages by area                  api.py         /api/v1 resources
demo.py        the demo city's story"""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role
from qms.core.search import Searchable, SearchText


def _reads_plans(user) -> bool:
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.core.features import HistoryLabels, agency_panel, names_by_id, register_feature
    from qms.core.registry import HomePanel, NavItem, TaskSource
    from qms.files.policies import register_owner
    from qms.planning import cli, demo, matrix, queries, reminders, settings, views
    from qms.planning.models import ContextIssue, InterestedParty, Objective, Risk, Treatment
    from qms.planning.policies import reads_plan_of
    from qms.planning.workflow import WORKFLOW

    settings.init_config(app)
    # a broken matrix file stops the start with its exact problem rather than at the first risk
    app.extensions["qms_risk_matrix"] = matrix.load_matrix(app.config["RISK_MATRIX_FILE"])
    register_owner(Treatment)
    register_feature(
        app,
        __name__,
        declaring=("api", "views.context_pages", "views.objective_pages", "views.risk_pages"),
        # its inputs of the management review and its evidence of certification readiness;
        # the risk links of capa's analysis
        registering=("policies", "review_inputs", "corrective", "reports"),
        searchable=_searchables(),
        blueprints=(views.bp,),
        template_context=(views.template_labels,),
        nav=(
            NavItem(
                _l("Quality objectives"),
                "planning.objectives",
                _reads_plans,
                order=47,
                group="planning",
            ),
            NavItem(_l("Risks"), "planning.risks", _reads_plans, order=48, group="planning"),
            NavItem(_l("Context"), "planning.context", _reads_plans, order=49, group="planning"),
        ),
        home_panels=(
            HomePanel(
                "planning/_home_panel.html", queries.home_context, queries.sees_home_panel, order=45
            ),
        ),
        agency_panels=(agency_panel("planning", queries, reads_plan_of, order=45),),
        tasks=(
            TaskSource(
                "planning.treatments",
                _l("Risk treatments due"),
                queries.treatment_tasks,
                queries.sees_tasks,
                lambda user: url_for("planning.risks"),
                order=50,
            ),
            TaskSource(
                "planning.risk_reviews",
                _l("Risk reviews due"),
                queries.risk_review_tasks,
                queries.sees_tasks,
                lambda user: url_for("planning.risks"),
                order=51,
            ),
        ),
        reminders=(reminders.reminders,),
        commands=(cli.measure_objectives_command,),
        demo=((demo.seed, 60),),
        # a treatment's steps name its history entries (the fields are labelled on the
        # columns); the rows they point to (a risk's context issue…) by their names
        history=(HistoryLabels("risk_treatments", workflows=(WORKFLOW,)),),
        history_names={
            model.__tablename__: names_by_id(model, column)
            for model, column in (
                (ContextIssue, ContextIssue.title),
                (InterestedParty, InterestedParty.name),
                (Objective, Objective.indicator),
                (Risk, Risk.title),
            )
        },
    )


def _searchables() -> tuple[Searchable, ...]:
    """Quality objectives and risks are found by their titles (the search box in the header)."""
    from qms.planning.models import Objective, Risk

    return (
        Searchable(
            "objectives",
            _l("Quality objectives"),
            Objective,
            lambda o: SearchText(o.title, "", f"{o.indicator} {o.process}", agency_id=o.agency_id),
            fields=("title", "indicator", "process", "agency_id"),
            endpoint="planning.objective",
            url_arg="objective_id",
            order=60,
        ),
        Searchable(
            "risks",
            _l("Risks and opportunities"),
            Risk,
            lambda r: SearchText(
                r.title, "", f"{r.process} {r.cause} {r.effect}", agency_id=r.agency_id
            ),
            fields=("title", "process", "cause", "effect", "agency_id"),
            endpoint="planning.risk",
            url_arg="risk_id",
            order=70,
        ),
    )
