"""PDF reports: the engine, the registry of report types, the archive with public verification,
background rendering, the reviewer portal, and the assembly of the sections features register.
It imports no feature: features register into it from their init_app.

engine.py fetcher.py  HTML to PDF, chunked renders, the locked fetcher   registry.py  report types
portal.py   checking parameters, what the portal offers       policies.py  who may have a report
archive.py  cache, record, render and store a report          verification.py  /verify
jobs.py     where a render runs (qms/worker.py: the RQ worker) sections.py  assembled reports
dashboards.py  the home-page dashboards (the assembled sections) directory.py  the city directory
types/      the agency compliance report and the city summary (assemblies of sections)
packs/      evidence packs: a ZIP of reports, evidence files and a manifest (see its docstring)

Registering a report type (from a feature's init_app, in its reports.py)
------------------------------------------------------------------------
::

    from flask_babel import lazy_gettext as _l
    from qms.reports.registry import Need, ReportRequest, ReportType, register_report_type

    def build_master_list(req: ReportRequest) -> dict:
        # Query with req.city, req.agency, req.period_start / req.period_end (None = open),
        # selecting rows as req.requested_by may see them (access.scoped, the feature's
        # queries and figures). Return PLAIN data only (str/int/float/bool/None/date/datetime/
        # Decimal, lists, dicts): it is hashed to recognise unchanged content and handed to
        # the worker.
        return {"agency": req.agency.name, "rows": [...]}

    MASTER_LIST = ReportType(
        key="document-master-list",                 # unique, used in URLs and the archive
        title=_l("Document master list"),           # printed on the cover and in the portal
        template="documents/pdf/master_list.html",
        build=build_master_list,
        agency=Need.REQUIRED,                       # NONE (city report) / OPTIONAL / REQUIRED
        period=Need.NONE,                           # NONE / OPTIONAL / REQUIRED
        allowed=None,                               # (user, req) -> bool; None: the default
        version=1,                                  # raise when the template's output changes
        description=_l("Every controlled document of an agency…"),
        order=50,                                   # position in the portal
    )

    def register() -> None:                         # called from the feature's init_app
        register_report_type(MASTER_LIST)

Adding to the agency compliance report and the city summary
-----------------------------------------------------------
A feature registers a `sections.ReportSection` per scope ("agency", "city"), made by
`sections.agency_section` or `sections.city_section`: its `build(req)` returns plain data from
the feature's figures, its partial template (templates/<feature>/pdf/_<scope>_<key>.html)
draws each part it contributes to (summary tiles, its chapter, the city ranking's columns, the
dashboards). See
qms/reports/sections.py and, for examples, qms/audits/reports.py with
templates/audits/pdf/_agency_clauses.html and _city_audits.html.

The template extends "pdf/base.html" (cover, contents, running header and footer) and fills::

    {% extends "pdf/base.html" %}
    {% from "pdf/macros.html" import no_data %}
    {% from "_macros/charts.html" import bar, heat_map %}
    {% set toc = [("summary", _("Summary")), ("clauses", _("Clauses"))] %}
    {% block body %}
      <section class="chapter" id="summary"><h1>{{ _("Summary") }}</h1>
        {% if not data.rows %}{{ no_data() }}{% else %}{{ data.rows|length|number }}{% endif %}
      </section>
    {% endblock %}

Each section is a `section.chapter` (new page) with an `h1` (bookmark level 1; `h2` level 2);
its id is the anchor the table of contents links to (page numbers via target-counter).

It receives `data` (the builder's output), `req` (the ReportRequest: city, agency, period,
locale), `report` (the archive entry: ident, requested_by, created_at) and `verify_url`. Charts
come from templates/_macros/charts.html and look the same on web pages. Static files are
referenced as `pdf_static("path/below/static")`; nothing else is ever fetched (fetcher.py).

Who may generate and download: `ReportType.may(user, req)`: `allowed` if given, else
`registry.may_view_record` for a record report and `registry.may_report_on` otherwise
(national readers everywhere, city admins and management viewers in their city, a quality
officer only about their own agency). The archive's SQL scope is the user's cities
(ReportPolicy); the type's rule narrows it for every listing and download. The portal offers
only the types, cities and agencies for which that same rule allows some report
(portal.portal_scope), and shows a refused combination on its form.

A type with `period=Need.NONE` (a current state, such as the master list) and a report about
one record take no period: the portal says so, and a period given is refused.

A report about one record (an audit, a nonconformity, a business) sets
`record=RecordKind(model, label, find, owner)`: the portal asks for the record's reference
(`find(reference, city)`, usually narrowing `registry.in_city_agencies`), record pages link to
`reports.quick` with `record_id`, the record decides the city and agency (`owner`; by default
the record's agency and its city; `owner_loaded(model)` is the loading option that brings
them along), the builder reads `req.record`, and whoever may view the
record may have the report. A long report names the list it is chunked by (`chunked="agencies"`,
`chunk_size`): its template then renders `chunk` (a slice) and tests `part` ("all", "front" or
"chunk"); see templates/reports/pdf/city_summary.html and engine.render_chunked.

Caching: a request whose builder output, parameters, language, template `version` and engine
version equal an archived report's gets that archived PDF (and its identifier) back.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from qms.core.registry import NavItem, add_nav


def _may_use_portal(user) -> bool:
    from qms.core.roles import Role

    return user.has_role(
        Role.SYSTEM_ADMIN,
        Role.BSN_REVIEWER,
        Role.CITY_ADMIN,
        Role.MANAGEMENT_VIEWER,
        Role.QUALITY_OFFICER,
    )


def init_app(app: Flask) -> None:
    from qms.reports import (  # noqa: F401  (policies, types, api: registrations)
        api,
        dashboards,
        directory,
        engine,
        letterhead,
        packs,
        policies,
        sections,
        types,
        views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(views.verify_bp)
    app.jinja_env.globals.update(engine.template_globals(), **sections.template_globals())
    add_nav(NavItem(_l("Reports"), "reports.portal", _may_use_portal, order=80, group="reports"))
    dashboards.init_app()
    letterhead.register()
    packs.register()
