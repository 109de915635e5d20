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

from collections.abc import Callable
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


def _reads_plans(user) -> bool:
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.core.registry import (
        AgencyPanel,
        HomePanel,
        NavItem,
        TaskSource,
        add_agency_panel,
        add_command,
        add_demo_seeder,
        add_home_panel,
        add_nav,
        add_reminder_source,
        add_task_source,
    )
    from qms.files.policies import register_owner
    from qms.planning import (  # noqa: F401  (api: its routes)
        api,
        cli,
        corrective,
        demo,
        matrix,
        policies,
        queries,
        reminders,
        reports,
        review_inputs,
        settings,
        views,
    )
    from qms.planning.models import Treatment
    from qms.planning.views import (  # noqa: F401  (their routes)
        context_pages,
        objective_pages,
        risk_pages,
    )

    settings.init_config(app)
    # a broken matrix file stops the start with its exact problem rather than at the first risk
    app.extensions["qms_risk_matrix"] = matrix.load_matrix(app.config["RISK_MATRIX_FILE"])
    policies.register()
    _register_search()
    # its inputs of the management review and its evidence of certification readiness
    review_inputs.register()
    register_owner(Treatment)
    corrective.register()
    app.register_blueprint(views.bp)
    app.context_processor(views.template_labels)
    add_nav(
        NavItem(
            _l("Quality objectives"),
            "planning.objectives",
            _reads_plans,
            order=47,
            group="planning",
        )
    )
    add_nav(NavItem(_l("Risks"), "planning.risks", _reads_plans, order=48, group="planning"))
    add_nav(NavItem(_l("Context"), "planning.context", _reads_plans, order=49, group="planning"))
    add_home_panel(
        HomePanel(
            "planning/_home_panel.html", queries.home_context, queries.sees_home_panel, order=45
        )
    )
    add_agency_panel(
        AgencyPanel(
            "planning/_agency_panel.html",
            queries.agency_panel_context,
            queries.agency_panel_visible,
            order=45,
        )
    )
    add_task_source(
        TaskSource(
            "planning.treatments",
            _l("Risk treatments due"),
            queries.treatment_tasks,
            queries.sees_tasks,
            lambda user: url_for("planning.risks"),
            order=50,
        )
    )
    add_task_source(
        TaskSource(
            "planning.risk_reviews",
            _l("Risk reviews due"),
            queries.risk_review_tasks,
            queries.sees_tasks,
            lambda user: url_for("planning.risks"),
            order=51,
        )
    )
    add_reminder_source(reminders.reminders)
    reports.register()
    add_command(cli.measure_objectives_command)
    add_demo_seeder(demo.seed, order=60)
    _register_history_labels()


def _register_history_labels() -> None:
    """A treatment's steps name its history entries (the fields are labelled on the
    columns)."""
    from qms.core.registry import add_history_labels, add_history_resolver
    from qms.planning import workflow
    from qms.planning.models import ContextIssue, InterestedParty, Objective, Risk

    add_history_labels("risk_treatments", workflows=[workflow.WORKFLOW])
    for model, column in (
        (ContextIssue, ContextIssue.title),
        (InterestedParty, InterestedParty.name),
        (Objective, Objective.indicator),
        (Risk, Risk.title),
    ):
        add_history_resolver(model.__tablename__, _names(model, column))


def _names(model: type, column: Any) -> Callable[[set[int]], dict[int, str]]:
    """The names of the rows history entries point to (a risk's context issue…)."""
    from sqlalchemy import select

    from qms.extensions import db

    def names(ids: set[int]) -> dict[int, str]:
        return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all())

    return names


def _register_search() -> None:
    """Quality objectives and risks are found by their titles (the search box in the header)."""
    from qms.core.search import Searchable, SearchText, add_searchable
    from qms.planning.models import Objective, Risk

    add_searchable(
        Searchable(
            "objectives",
            _l("Quality objectives"),
            Objective,
            lambda o: SearchText(o.title, "", f"{o.indicator} {o.process}", agency_id=o.agency_id),
            fields=("title", "indicator", "process", "agency_id"),
            endpoint="planning.objective",
            url_arg="objective_id",
            order=60,
        )
    )
    add_searchable(
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
        )
    )
