"""One declaration of what a feature adds to the application, read by `register_feature`.

A feature's `init_app` reads its settings, does what is its own alone (a data file loaded and
checked at start, an extension point of another feature), and declares the rest in one call:

    register_feature(
        app,
        __name__,
        declaring=("api",),
        registering=("policies", "reports"),
        blueprints=(views.bp,),
        nav=(NavItem(_l("Surveys"), "skm.index", reads_surveys, order=50, group="planning"),),
        reminders=(reminders.reminders,),
        demo=((demo.seed, 55),),
        history=(HistoryLabels("skm_surveys", workflows=(workflow.WORKFLOW,)),),
    )

Each part goes to its registry (qms.core.registry, qms.core.search); core imports no feature,
so the feature names its modules and passes its own objects.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy import select

from qms.core import registry
from qms.core.search import Searchable, add_searchable
from qms.extensions import db


@dataclass(frozen=True)
class HistoryLabels:
    """How one kind of record reads in history tables beyond its columns' labels (the
    arguments of `registry.add_history_labels`)."""

    record_type: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    hidden: Iterable[str] = ()
    workflows: Iterable[Any] = ()


def register_feature(
    app: Flask,
    package: str,
    *,
    declaring: Iterable[str] = (),
    registering: Iterable[str] = (),
    blueprints: Iterable[Blueprint] = (),
    template_context: Iterable[Callable[[], dict[str, Any]]] = (),
    template_globals: Mapping[str, Any] | None = None,
    nav: Iterable[registry.NavItem] = (),
    home_panels: Iterable[registry.HomePanel] = (),
    agency_panels: Iterable[registry.AgencyPanel] = (),
    tasks: Iterable[registry.TaskSource] = (),
    reminders: Iterable[registry.ReminderSource] = (),
    commands: Iterable[Any] = (),
    demo: Iterable[tuple[registry.DemoSeeder, int]] = (),
    searchable: Iterable[Searchable] = (),
    history: Iterable[HistoryLabels] = (),
    history_names: Mapping[str, registry.Resolver] | None = None,
) -> None:
    """Add a feature (`package`, its `__name__`) to the application.

    `declaring` names its modules that declare what they hold when imported (API operations,
    page routes, ORM listeners); `registering` its modules whose `register()` adds what they
    hold (access policies, importers, reports, review inputs…), called in that order and
    before the rest. `demo` pairs each seeder with its order; `history_names` maps a table to
    the resolver that names its rows in history tables."""
    for module in declaring:
        importlib.import_module(f"{package}.{module}")
    for module in registering:
        importlib.import_module(f"{package}.{module}").register()
    app.jinja_env.globals.update(template_globals or {})
    parts: tuple[tuple[Iterable[Any], Callable[[Any], Any]], ...] = (
        (searchable, add_searchable),
        (blueprints, app.register_blueprint),
        (template_context, app.context_processor),
        (nav, registry.add_nav),
        (home_panels, registry.add_home_panel),
        (agency_panels, registry.add_agency_panel),
        (tasks, registry.add_task_source),
        (reminders, registry.add_reminder_source),
        (commands, registry.add_command),
    )
    for entries, add in parts:
        for entry in entries:
            add(entry)
    for seeder, order in demo:
        registry.add_demo_seeder(seeder, order)
    for labels in history:
        registry.add_history_labels(
            labels.record_type,
            fields=dict(labels.fields),
            values=dict(labels.values),
            hidden=labels.hidden,
            workflows=labels.workflows,
        )
    for table, resolver in (history_names or {}).items():
        registry.add_history_resolver(table, resolver)


def agency_panel(
    feature: str, queries: Any, visible: Callable[[Any, Any], bool], order: int
) -> registry.AgencyPanel:
    """A feature's block on an agency's page as most features write it: the template
    `<feature>/_agency_panel.html` rendered with `queries.agency_panel_context(user, agency)`
    (its queries module) when `visible(user, agency)` (who reads the feature's records of the
    agency, as its policy says or as its queries find)."""
    return registry.AgencyPanel(
        f"{feature}/_agency_panel.html", queries.agency_panel_context, visible, order
    )


def names_by_id(model: type, column: Any = None) -> registry.Resolver:
    """The resolver naming rows of `model` by `column` (its `name` unless said), for the
    foreign keys history tables show (a risk's context issue, a unit's agency…)."""
    shown = model.name if column is None else column

    def names(ids: set[int]) -> dict[int, str]:
        return dict(db.session.execute(select(model.id, shown).where(model.id.in_(ids))).all())

    return names
