"""Management review (ISO 9001 9.3; Rapat Tinjauan Manajemen) and certification readiness.

models.py     reviews, attendees, discussions, actions   settings.py  interval, reminders
policies.py   who prepares, records and reads             workflow.py  prepare, hold, close
pack.py       the input pack: assembled from the providers features register
              (qms.core.review_inputs), frozen with its hash, read back
operations.py the review, attendees, minutes, actions and their links (outlets), corrections
queries.py    lists, the late flag, the agency panel      readiness.py  readiness, explained
review_inputs.py  its own input (9.3.2 a), evidence (9.3) and condition (held in time)
reminders.py  actions due and overdue                     reports.py   the minutes PDF
views.py      the pages      api.py  /api/v1/management-reviews, …/readiness    demo.py"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.registry import TaskSource
from qms.core.roles import Role


def _reads_reviews(user) -> bool:
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.core.features import HistoryLabels, agency_panel, register_feature
    from qms.core.registry import HomePanel, NavItem
    from qms.core.review_inputs import add_origin_finder
    from qms.review import demo, queries, reminders, settings, views
    from qms.review.policies import reads_reviews_of
    from qms.review.workflow import WORKFLOW

    settings.init_config(app)
    add_origin_finder(queries.origin_of)
    register_feature(
        app,
        __name__,
        declaring=("api",),
        registering=("policies", "review_inputs", "reports"),
        blueprints=(views.bp,),
        template_context=(views.template_labels,),
        nav=(
            NavItem(
                _l("Management review"), "review.index", _reads_reviews, order=51, group="planning"
            ),
        ),
        agency_panels=(agency_panel("review", queries, reads_reviews_of, order=55),),
        home_panels=(
            HomePanel("review/_home_panel.html", queries.home_context, queries.sees_home_panel, 47),
        ),
        tasks=(
            _task_source(
                "review.overdue",
                _l("Management reviews overdue"),
                queries.review_tasks,
                "overdue",
                order=40,
            ),
            _task_source(
                "review.actions",
                _l("Review actions due"),
                queries.action_tasks,
                "actions_due",
                order=41,
            ),
        ),
        reminders=(reminders.reminders,),
        demo=((demo.seed, 80),),
        history=(HistoryLabels("management_reviews", workflows=(WORKFLOW,)),),
    )


def _task_source(key: str, label: Any, collect: Callable, attention: str, order: int) -> TaskSource:
    """Reviews or actions waiting for the people who act on them; the link opens the list of
    reviews filtered to that `attention`."""
    from qms.review import queries

    return TaskSource(
        key,
        label,
        collect,
        queries.sees_tasks,
        lambda user: url_for("review.index", attention=attention),
        order=order,
    )
