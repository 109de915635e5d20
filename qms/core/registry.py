"""What features contribute to shared screens and commands: navigation, home panels, agency-page
panels, reminders, demo data and the figures a quality objective can be measured by."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    label: Any
    endpoint: str
    visible: Callable[[Any], bool]
    order: int = 100
    #: the key of its menu group (NAV_GROUPS); "" stands on its own in the menu bar
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: Any
    order: int


#: the menu bar's groups, in this order; a feature names the group its pages belong to
NAV_GROUPS = (
    NavGroup("documents", _l("Documents"), 25),
    NavGroup("audits", _l("Audits and corrective actions"), 30),
    NavGroup("planning", _l("Planning and review"), 40),
    NavGroup("sme", _l("Small businesses"), 60),
    NavGroup("reports", _l("Reports"), 80),
    NavGroup("admin", _l("Administration"), 90),
)


@dataclass(frozen=True)
class NavEntry:
    """One place in the menu bar: a group with the items the user may open, or one item."""

    label: Any
    items: list[NavItem]

    @property
    def single(self) -> NavItem | None:
        return self.items[0] if len(self.items) == 1 else None

    @property
    def endpoints(self) -> set[str]:
        return {item.endpoint for item in self.items}


@dataclass(frozen=True)
class HomePanel:
    """A block on a user's home page: `template` rendered with `context(user)`."""

    template: str
    context: Callable[[Any], dict]
    visible: Callable[[Any], bool]
    order: int = 100


@dataclass(frozen=True)
class AgencyPanel:
    """A block on an agency's page (documents, audits, corrective actions…): `template` rendered
    with `context(user, agency)` when `visible(user, agency)`."""

    template: str
    context: Callable[[Any, Any], dict]
    visible: Callable[[Any, Any], bool]
    order: int = 100


@dataclass(frozen=True)
class Reminder:
    to: str
    subject: str
    body: str
    #: the same key is never sent twice (e.g. "doc-review:12:2026-11-28:30d")
    key: str


ReminderSource = Callable[[date], Iterable[Reminder]]


@dataclass(frozen=True)
class IndicatorSource:
    """A figure a feature computes for one agency over one period (complaints answered within
    the limit, corrective actions closed on time…): a quality objective may be measured by it
    instead of having its values typed. `compute(agency_id, first_day, last_day)` answers the
    figure, or None when the period holds nothing to count. `unit` is one of the objectives'
    units ("percent", "index", "days", "hours", "count"): an objective measured by the source
    is stated in it."""

    key: str
    label: Any
    unit: str
    compute: Callable[[int, date, date], float | None]
    order: int = 100


@dataclass(frozen=True)
class Task:
    """One thing waiting for a user: what it is, where to act on it, and by when."""

    title: str
    url: str
    due: date | None = None
    overdue: bool = False
    #: what kind of step it asks for ("Approve", "Accept the plan"…)
    kind: Any = ""


@dataclass(frozen=True)
class TaskSource:
    """A feature's part of the "waiting for you" card. `collect(user, limit)` answers the
    number of things waiting and at most `limit` of them, counted and chosen in SQL (a
    constant number of queries, however many wait); `link(user)` is the full filtered list."""

    key: str
    label: Any
    collect: Callable[[Any, int], tuple[int, list[Task]]]
    visible: Callable[[Any], bool]
    link: Callable[[Any], str]
    order: int = 100


@dataclass(frozen=True)
class Waiting:
    """The card: the sources with their counts and links, and the first items, overdue first
    then by due date."""

    total: int
    items: list[Task]
    sources: list[tuple[TaskSource, int, str]]


DemoSeeder = Callable[[], None]

#: `flask qms …` commands features add (each feature keeps its own in its cli.py)
cli_commands: dict[str, Any] = {}

nav_items: list[NavItem] = []
home_panels: list[HomePanel] = []
agency_panels: list[AgencyPanel] = []
reminder_sources: list[ReminderSource] = []
task_sources: list[TaskSource] = []
#: (order, seeder): each feature's demo data, run in order after the organisations and users
demo_seeders: list[tuple[int, DemoSeeder]] = []
#: key -> the figure; a feature registers its own from its init_app (see IndicatorSource)
indicator_sources: dict[str, IndicatorSource] = {}


def add_nav(item: NavItem) -> None:
    if item.endpoint not in {i.endpoint for i in nav_items}:
        nav_items.append(item)
        nav_items.sort(key=lambda i: i.order)


def add_home_panel(panel: HomePanel) -> None:
    if panel.template not in {p.template for p in home_panels}:
        home_panels.append(panel)
        home_panels.sort(key=lambda p: p.order)


def add_agency_panel(panel: AgencyPanel) -> None:
    if panel.template not in {p.template for p in agency_panels}:
        agency_panels.append(panel)
        agency_panels.sort(key=lambda p: p.order)


def add_task_source(source: TaskSource) -> None:
    """Offer a list of what waits for its people; the same key replaces it."""
    task_sources[:] = [s for s in task_sources if s.key != source.key] + [source]
    task_sources.sort(key=lambda s: (s.order, s.key))


#: at most this many things waiting are shown on the home page
WAITING_SHOWN = 10


def waiting_for(user: Any, limit: int = WAITING_SHOWN) -> Waiting:
    """What waits for `user` across the features: each source's count and link, and the
    first `limit` items merged, overdue first, then by due date (undated last)."""
    items: list[Task] = []
    sources: list[tuple[TaskSource, int, str]] = []
    for source in task_sources:
        if not (user.is_authenticated and source.visible(user)):
            continue
        count, first = source.collect(user, limit)
        if count:
            sources.append((source, count, source.link(user)))
            items.extend(first[:limit])
    items.sort(key=lambda t: (not t.overdue, t.due is None, t.due or date.min))
    return Waiting(sum(count for _s, count, _l in sources), items[:limit], sources)


def add_command(command: Any) -> None:
    """Offer a click command under `flask qms`; registering the same name again replaces it."""
    cli_commands[command.name] = command


def add_reminder_source(source: ReminderSource) -> None:
    if source not in reminder_sources:
        reminder_sources.append(source)


def add_indicator_source(source: IndicatorSource) -> None:
    """Offer a figure that quality objectives can be measured by; the same key replaces it."""
    indicator_sources[source.key] = source


def indicators() -> list[IndicatorSource]:
    """The registered figures, in their order."""
    return sorted(indicator_sources.values(), key=lambda s: (s.order, s.key))


def nav_for(user: Any) -> list[NavEntry]:
    """The menu bar for `user`: ungrouped items and groups in order; a group with a single
    item the user may open shows as that item."""
    visible = [i for i in nav_items if user.is_authenticated and i.visible(user)]
    groups = {group.key: group for group in NAV_GROUPS}
    placed: list[tuple[int, NavEntry]] = []
    for group in NAV_GROUPS:
        members = [i for i in visible if i.group == group.key]
        if members:
            placed.append((group.order, NavEntry(group.label, members)))
    for item in visible:
        if item.group not in groups:
            placed.append((item.order, NavEntry(item.label, [item])))
    return [entry for _order, entry in sorted(placed, key=lambda pair: pair[0])]


def panels_for(user: Any) -> list[HomePanel]:
    return [p for p in home_panels if p.visible(user)]


def agency_panels_for(user: Any, agency: Any) -> list[AgencyPanel]:
    return [p for p in agency_panels if p.visible(user, agency)]


def add_demo_seeder(seeder: DemoSeeder, order: int = 100) -> None:
    if seeder not in [s for _, s in demo_seeders]:
        demo_seeders.append((order, seeder))
        demo_seeders.sort(key=lambda pair: pair[0])


#: ids -> readable names of the rows of one table, for foreign keys shown in history tables
Resolver = Callable[[set[int]], dict[int, str]]


@dataclass
class HistoryVocabulary:
    """How the fields of one kind of record (or of every record, record_type None) read in a
    history table: field labels, labels of stored values per field, fields not worth showing,
    and the workflows whose transitions the entries' notes name."""

    fields: dict[str, Any]
    values: dict[str, dict[str, Any]]
    hidden: set[str]
    transitions: dict[str, Any]


#: record_type (table name) or None for all records -> its vocabulary
history_vocabularies: dict[str | None, HistoryVocabulary] = {}
#: table name -> resolver of the ids that point to it
history_resolvers: dict[str, Resolver] = {}


def add_history_labels(
    record_type: str | None = None,
    *,
    fields: dict[str, Any] | None = None,
    values: dict[str, dict[Any, Any]] | None = None,
    hidden: Iterable[str] = (),
    workflows: Iterable[Any] = (),
) -> None:
    """Let a feature's records read well in history tables. `values` maps a field to a label
    dict as the features keep them (keys may be enum members); `workflows` are StateMachines
    whose transition labels replace the "transition:<name>" notes."""
    vocabulary = history_vocabularies.setdefault(record_type, HistoryVocabulary({}, {}, set(), {}))
    vocabulary.fields.update(fields or {})
    for field_name, labels in (values or {}).items():
        vocabulary.values[field_name] = {
            str(getattr(key, "value", key)): label for key, label in labels.items()
        }
    vocabulary.hidden.update(hidden)
    for machine in workflows:
        vocabulary.transitions.update({t.name: t.label for t in machine.transitions.values()})


def add_history_resolver(table: str, resolver: Resolver) -> None:
    """Name the rows of `table` that history entries point to (an agency's name, say)."""
    history_resolvers[table] = resolver
