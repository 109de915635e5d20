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

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from qms.core.roles import Role


def _reads_reviews(user) -> bool:
    return user.has_role(*(role for role in Role if role is not Role.COOP_OFFICER))


def init_app(app: Flask) -> None:
    from qms.core.registry import (
        AgencyPanel,
        HomePanel,
        NavItem,
        TaskSource,
        add_agency_panel,
        add_demo_seeder,
        add_history_labels,
        add_home_panel,
        add_nav,
        add_reminder_source,
        add_task_source,
    )
    from qms.core.review_inputs import add_origin_finder
    from qms.review import (  # noqa: F401  (api: its routes)
        api,
        demo,
        policies,
        queries,
        reminders,
        reports,
        review_inputs,
        settings,
        views,
        workflow,
    )

    settings.init_config(app)
    policies.register()
    add_origin_finder(queries.origin_of)
    review_inputs.register()
    reports.register()
    app.register_blueprint(views.bp)
    app.context_processor(views.template_labels)
    add_nav(
        NavItem(_l("Management review"), "review.index", _reads_reviews, order=51, group="planning")
    )
    add_agency_panel(
        AgencyPanel(
            "review/_agency_panel.html",
            queries.agency_panel_context,
            queries.agency_panel_visible,
            order=55,
        )
    )
    add_home_panel(
        HomePanel("review/_home_panel.html", queries.home_context, queries.sees_home_panel, 47)
    )
    add_task_source(
        TaskSource(
            "review.overdue",
            _l("Management reviews overdue"),
            queries.review_tasks,
            queries.sees_tasks,
            lambda user: url_for("review.index", attention="overdue"),
            order=40,
        )
    )
    add_task_source(
        TaskSource(
            "review.actions",
            _l("Review actions due"),
            queries.action_tasks,
            queries.sees_tasks,
            lambda user: url_for("review.index", attention="actions_due"),
            order=41,
        )
    )
    add_reminder_source(reminders.reminders)
    add_demo_seeder(demo.seed, order=80)
    add_history_labels("management_reviews", workflows=[workflow.WORKFLOW])
