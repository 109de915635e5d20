"""The assembly of the sections features register (qms/reports/sections.py): the city's
agencies as the requester may see them, ranked by the ranking section's figure, the years of
every section, and a section whose rule leaves it out of a request."""

from __future__ import annotations

import pytest

from qms.core.roles import Role
from qms.reports import sections
from qms.reports.registry import ReportRequest
from qms.reports.sections import ReportSection, Scope, assemble_agency, assemble_city
from tests.factories import AgencyFactory, user_with_role


@pytest.fixture
def only_these(monkeypatch):
    """A registry holding only the sections a test registers."""
    monkeypatch.setattr(sections, "_sections", {})


def _section(key: str, build, **kwargs) -> ReportSection:
    return ReportSection(
        key=key, title=None, order=kwargs.pop("order", 10), build=build, template="", **kwargs
    )


def test_the_city_is_ranked_by_the_ranking_section_and_years_are_merged(app, only_these):
    first = AgencyFactory(name="Dinas A")
    city = first.city
    second = AgencyFactory(name="Dinas B", city=city)
    unaudited = AgencyFactory(name="Dinas C", city=city)
    archived = AgencyFactory(name="Dinas D", city=city)
    archived.archived_at = archived.created_at
    reviewer = user_with_role(Role.BSN_REVIEWER)

    def audits(req: ReportRequest) -> dict:
        ids = sections.city_agency_ids(req)
        score = {first.id: 0.5, second.id: 0.9}
        return {
            "agencies": {i: {"score": score.get(i)} for i in ids},
            "years": {2025: {"audits": 2}},
            "total": 2,
        }

    def actions(req: ReportRequest) -> dict:
        return {"agencies": {first.id: {"open": 4}}, "years": {2026: {"ncs": 3}}}

    sections.register_report_section(
        _section("audits", audits, scope=Scope.CITY, ranks="score"),
        _section("actions", actions, scope=Scope.CITY, order=20),
    )
    data = assemble_city(ReportRequest(city=city, requested_by=reviewer))

    assert data["order"] == ["audits", "actions"]
    assert data["sections"] == {"audits": {"total": 2}, "actions": {}}
    assert [(a["name"], a["rank"]) for a in data["agencies"]] == [
        ("Dinas B", 1),
        ("Dinas A", 2),
        ("Dinas C", None),
    ]
    assert data["agencies"][1]["of"] == {"audits": {"score": 0.5}, "actions": {"open": 4}}
    assert data["agencies"][2]["id"] == unaudited.id
    assert data["years"] == [
        {"year": 2025, "of": {"audits": {"audits": 2}, "actions": {}}},
        {"year": 2026, "of": {"audits": {}, "actions": {"ncs": 3}}},
    ]
    assert archived.id not in [a["id"] for a in data["agencies"]]
    # the agencies are those the requester may see: another city's officer sees none
    stranger = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory())
    assert assemble_city(ReportRequest(city=city, requested_by=stranger))["agencies"] == []


def test_a_section_whose_rule_refuses_is_left_out(app, only_these):
    agency = AgencyFactory()
    officer = user_with_role(Role.QUALITY_OFFICER, agency=agency)
    reviewer = user_with_role(Role.BSN_REVIEWER)
    sections.register_report_section(
        _section("open", lambda req: {"n": 1}, scope=Scope.AGENCY),
        _section(
            "national",
            lambda req: {"n": 2},
            scope=Scope.AGENCY,
            order=20,
            allowed=lambda user, req: user.has_role(Role.BSN_REVIEWER),
        ),
    )

    def assembled(user) -> dict:
        return assemble_agency(ReportRequest(city=agency.city, agency=agency, requested_by=user))

    assert assembled(reviewer)["order"] == ["open", "national"]
    assert assembled(officer)["order"] == ["open"]
    assert "national" not in assembled(officer)["sections"]
    # a report made from the registry keeps only the sections still registered
    assert [s.key for s in sections.report_sections("agency", ["gone", "open"])] == ["open"]
