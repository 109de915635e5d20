"""The audit programme covers every clause within its cycle (ISO 19011 5.4): the clauses left
out per agency are named on its page; its year-end review (5.7) is recorded once, from the end
of its year, by those who plan the city's audits."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from qms.audits import coverage, programme_review
from qms.audits.models import AuditKind, ProgrammeItem
from qms.core.errors import DomainError, PermissionDenied
from qms.extensions import db
from tests.factories_audits import AuditProgrammeFactory, make_world


def _item(programme, agency, clauses):
    item = ProgrammeItem(
        programme=programme,
        agency=agency,
        kind=AuditKind.INTERNAL,
        planned_month=10,
        clause_numbers=clauses,
        reason="Siklus",
    )
    db.session.add(item)
    db.session.flush()
    return item


def test_the_programme_names_the_clauses_its_cycle_leaves_out(app, client, auth):
    world = make_world()
    assert app.config["AUDIT_CYCLE_YEARS"] == 3
    this_year = AuditProgrammeFactory(city=world.city, year=2026)
    _item(this_year, world.dukcapil, ["7.5", "8"])
    _item(this_year, world.bakeuda, ["7", "8", "9"])
    too_old = AuditProgrammeFactory(city=world.city, year=2023)
    _item(too_old, world.dukcapil, ["9.3"])
    gaps = coverage.programme_gaps(this_year)
    assert {agency: [c.number for c in clauses] for agency, clauses in gaps.items()} == {
        "Dinas Dukcapil": ["9.3"]
    }
    # a programme of the cycle (2024–2026) that plans it closes the gap
    last_year = AuditProgrammeFactory(city=world.city, year=2025)
    _item(last_year, world.dukcapil, ["9"])
    assert coverage.programme_gaps(this_year) == {}
    assert coverage.programme_gaps(too_old)["Dinas Dukcapil"][0].number == "7.5"
    db.session.commit()
    auth.login(world.city_admin)
    page = client.get(f"/audits/programmes/{too_old.id}").get_data(as_text=True)
    assert 'id="programme-coverage"' in page and "Dinas Dukcapil: 7.5, 8.5" in page


def test_the_year_end_review_is_recorded_once_from_the_end_of_the_year(app, client, auth):
    world = make_world()
    programme = AuditProgrammeFactory(city=world.city, year=2026)
    values = {"achieved": "7 dari 8 audit terlaksana.", "changes": "Tambah auditor RSUD."}
    with force_locale("en"):
        with pytest.raises(DomainError) as refused:
            programme_review.record_review(
                world.city_admin,
                programme,
                {**values, "reviewed_on": date(2026, 6, 1)},
                date(2026, 6, 2),
            )
        assert refused.value.field == "reviewed_on"
        with pytest.raises(DomainError) as refused:
            programme_review.record_review(
                world.city_admin, programme, {**values, "changes": " "}, date(2026, 12, 15)
            )
        assert refused.value.field == "changes"
        with pytest.raises(PermissionDenied):
            programme_review.record_review(world.officer, programme, values, date(2026, 12, 15))
        review = programme_review.record_review(
            world.city_admin, programme, values, date(2026, 12, 15)
        )
        assert review.reviewed_on == date(2026, 12, 15)
        with pytest.raises(DomainError):
            programme_review.record_review(world.city_admin, programme, values, date(2026, 12, 16))
    db.session.commit()
    auth.login(world.officer)
    page = client.get(f"/audits/programmes/{programme.id}").get_data(as_text=True)
    assert "Tambah auditor RSUD." in page
    refused = client.post(f"/audits/programmes/{programme.id}/review", data=values)
    assert refused.status_code == 403
