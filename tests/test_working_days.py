"""Working days (SP4N-LAPOR's hari kerja): weekends, national holidays, cuti bersama and the
city's own days off do not count; complaints' figures, the escalation rule and the deadline of
the nonconformity it raises follow; the city admin keeps the days off (page and API)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from qms.capa import rules
from qms.capa.complaints.escalation import escalate_complaints
from qms.capa.complaints.working_days import reply_reminders
from qms.capa.deadlines import due_date_for
from qms.capa.models import Complaint, NcGrade, NcSource, Nonconformity
from qms.core.errors import DomainError, PermissionDenied
from qms.core.roles import Role
from qms.core.workdays import Calendar, national_days_off
from qms.extensions import db
from qms.organisations import days_off
from qms.organisations.models import LocalDayOff
from tests.factories import CityFactory, user_with_role
from tests.factories_capa import ComplaintFactory, make_world

#: a day the demo city closes its offices (a Friday)
CITY_DAY_OFF = date(2026, 4, 24)


@pytest.fixture
def world(app):
    with app.test_request_context():
        yield make_world()


def test_weekends_national_holidays_and_cuti_bersama_do_not_count(app):
    calendar = Calendar()
    # Friday to Monday: one working day
    assert calendar.working_days_between(date(2026, 8, 7), date(2026, 8, 10)) == 1
    # Friday 14 August to Tuesday 18 August: Monday the 17th is Independence Day
    assert calendar.working_days_between(date(2026, 8, 14), date(2026, 8, 18)) == 1
    # cuti bersama of Idul Fitri 2026 (20, 23, 24 March) comes from the holidays package
    assert "Cuti Bersama" in national_days_off(2026)[date(2026, 3, 20)]
    assert not calendar.is_working_day(date(2026, 3, 23))
    assert calendar.working_days_between(date(2026, 3, 17), date(2026, 3, 25)) == 1
    assert calendar.working_days_between(date(2026, 3, 10), date(2026, 3, 10)) == 0
    # the last day of a five-working-day limit from Thursday 13 August: Friday, Tuesday (the
    # 17th is off), Wednesday, Thursday, Friday 21 August
    assert calendar.add_working_days(date(2026, 8, 13), 5) == date(2026, 8, 21)


def test_a_local_day_off_counts_for_its_city_only(world):
    other_city = CityFactory(code="SOE", name="Kota Soe")
    days_off.add(world.admin, world.city, {"day": CITY_DAY_OFF, "name": "Cuti daerah"})
    thursday, monday = date(2026, 4, 23), date(2026, 4, 27)
    assert Calendar(world.city.id).working_days_between(thursday, monday) == 1
    assert Calendar(other_city.id).working_days_between(thursday, monday) == 2
    assert Calendar(world.city.id).day_off(CITY_DAY_OFF) == "Cuti daerah"


def test_days_off_are_kept_by_the_city_admin_only(world):
    values = {"day": CITY_DAY_OFF, "name": "Cuti daerah"}
    for user in (world.officer, world.auditor, world.viewer):
        with pytest.raises(PermissionDenied):
            days_off.add(user, world.city, values)
    for weekend_or_holiday in (date(2026, 4, 25), date(2026, 8, 17)):
        with pytest.raises(DomainError, match="bukan hari kerja") as refused:
            days_off.add(world.admin, world.city, {**values, "day": weekend_or_holiday})
        assert refused.value.field == "day"
    record = days_off.add(world.admin, world.city, values)
    with pytest.raises(DomainError) as twice:
        days_off.add(world.admin, world.city, values)
    assert twice.value.field == "day"
    with pytest.raises(PermissionDenied):
        days_off.archive(world.officer, record)
    days_off.archive(world.admin, record)
    assert Calendar(world.city.id).is_working_day(CITY_DAY_OFF)
    assert db.session.scalar(select(LocalDayOff.id)) == record.id  # archived, not deleted


def test_complaint_days_follow_the_calendar_and_its_changes(world):
    received = datetime(2026, 4, 20, 9)  # Monday
    answered = ComplaintFactory(
        agency=world.dukcapil, received_at=received, responded_at=datetime(2026, 4, 27, 10)
    )
    elsewhere = ComplaintFactory(
        agency=world.other_city_agency, received_at=received, responded_at=datetime(2026, 4, 27)
    )
    db.session.flush()
    assert (answered.response_days(), elsewhere.response_days()) == (5, 5)
    assert answered.answered_within(5)
    record = days_off.add(world.admin, world.city, {"day": CITY_DAY_OFF, "name": "Cuti daerah"})
    assert (answered.response_days(), elsewhere.response_days()) == (4, 5)
    in_sql = db.session.scalar(select(Complaint.response_days()).where(Complaint.id == answered.id))
    assert in_sql == 4
    days_off.archive(world.admin, record)
    assert answered.response_days() == 5


def test_the_escalation_rule_counts_working_days_and_the_local_day_off(world):
    # received Friday 17 April; five working days end on Friday 24 April, the city's day off
    ComplaintFactory(agency=world.dukcapil, received_at=datetime(2026, 4, 17, 8))
    db.session.flush()
    assert escalate_complaints(world.city, date(2026, 4, 24)) == []
    assert escalate_complaints(world.city, date(2026, 4, 26)) == []  # the weekend
    days_off.add(world.admin, world.city, {"day": CITY_DAY_OFF, "name": "Cuti daerah"})
    assert escalate_complaints(world.city, date(2026, 4, 27)) == []  # the 5th working day
    (nc,) = escalate_complaints(world.city, date(2026, 4, 28))
    assert "5 hari kerja" in nc.statement
    # the nonconformity is due like a corrective action (minor: 60 days), not in 5 days
    assert (nc.grade, nc.due_date) == (NcGrade.MINOR, date(2026, 4, 28) + timedelta(days=60))


def test_escalated_nonconformities_are_due_by_grade_and_configurable(world, app):
    raised = date(2026, 5, 4)
    assert due_date_for(NcSource.COMPLAINT, NcGrade.MAJOR, raised) == raised + timedelta(days=30)
    assert due_date_for(NcSource.COMPLAINT, NcGrade.MINOR, raised) == raised + timedelta(days=60)
    major, _created = rules.raise_for_rule(
        "complaint-similar:test",
        agency=world.dukcapil,
        source=NcSource.COMPLAINT,
        clause="9.1.2",
        criterion="Aturan eskalasi",
        statement="Pengaduan berulang.",
        evidence="Pengaduan masyarakat",
        today=raised,
        grade=NcGrade.MAJOR,
    )
    assert major.due_date == raised + timedelta(days=30)
    app.config["CAPA_DEADLINES"]["complaint"]["minor"] = 45
    assert due_date_for(NcSource.COMPLAINT, NcGrade.MINOR, raised) == raised + timedelta(days=45)
    assert db.session.get(Nonconformity, major.id).source == NcSource.COMPLAINT


# --- pages and API ------------------------------------------------------------------------


def test_the_days_off_page_and_its_refusals(client, auth, app):
    with app.test_request_context():
        world = make_world()
        other_admin = user_with_role(Role.CITY_ADMIN, city=CityFactory(code="SOE"))
        db.session.commit()
    page = f"/cities/{world.city.id}/days-off"
    auth.login(world.officer)
    shown = client.get(f"{page}?year=2026")
    assert shown.status_code == 200
    assert "Cuti Bersama" in shown.get_data(as_text=True)
    assert "Hari libur baru" not in shown.get_data(as_text=True)
    assert client.get(f"{page}/new").status_code == 403
    assert client.post(f"{page}/new", data={"day": "2026-04-24", "name": "X"}).status_code == 403
    auth.logout()
    auth.login(other_admin)
    assert client.get(page).status_code == 404
    auth.logout()
    auth.login(world.admin)
    refused = client.post(f"{page}/new", data={"day": "2026-04-25", "name": "Sabtu"})
    assert refused.status_code == 422 and "bukan hari kerja" in refused.get_data(as_text=True)
    added = client.post(f"{page}/new", data={"day": "2026-04-24", "name": "Cuti daerah"})
    assert added.status_code == 302
    record = db.session.scalar(select(LocalDayOff))
    assert record.name == "Cuti daerah"
    auth.logout()
    auth.login(world.officer)
    assert client.post(f"/days-off/{record.id}/archive").status_code == 403
    auth.logout()
    auth.login(world.bsn)  # read-only: refused by the global guard
    assert client.post(f"/days-off/{record.id}/archive").status_code in (303, 403)
    assert not db.session.get(LocalDayOff, record.id).is_archived
    auth.logout()
    auth.login(world.admin)
    assert client.post(f"/days-off/{record.id}/archive").status_code == 302
    assert db.session.get(LocalDayOff, record.id).is_archived


def test_the_days_off_api_and_its_refusals(client, api, app):
    with app.test_request_context():
        world = make_world()
        db.session.commit()
    path = f"/cities/{world.city.id}/days-off"
    body = {"day": "2026-04-24", "name": "Cuti daerah"}
    assert api.as_user(world.officer).post(path, json=body).status_code == 403
    assert api.as_user(world.bsn).post(path, json=body).status_code == 403
    assert api.as_user(world.stranger).get(path).status_code == 404
    as_admin = api.as_user(world.admin)
    bad = as_admin.post(path, json={"day": "2026-04-26", "name": "Minggu"})
    assert bad.status_code == 422 and list(bad.json["error"]["fields"]) == ["day"]
    missing = as_admin.post(path, json={"day": "2026-04-24"})
    assert missing.status_code == 422 and list(missing.json["error"]["fields"]) == ["name"]
    created = as_admin.post(path, json=body)
    assert created.status_code == 201, created.json
    listed = as_admin.get(path).json["data"]
    assert [(d["day"], d["name"], d["archived"]) for d in listed] == [
        ("2026-04-24", "Cuti daerah", False)
    ]
    archived = as_admin.post(f"/days-off/{created.json['data']['id']}/archive")
    assert archived.json["data"]["archived"] is True


def test_the_agency_is_reminded_on_the_last_working_day_of_the_limit(world):
    ComplaintFactory(agency=world.dukcapil, received_at=datetime(2026, 4, 17, 8))  # Friday
    ComplaintFactory(
        agency=world.dukcapil,
        received_at=datetime(2026, 4, 17, 9),
        responded_at=datetime(2026, 4, 20, 9),
    )
    db.session.flush()
    assert list(reply_reminders(date(2026, 4, 23))) == []
    due = list(reply_reminders(date(2026, 4, 24)))
    assert {r.to for r in due} == {world.officer.email, world.officer2.email}
    assert all("1 pengaduan" in r.subject for r in due)
    days_off.add(world.admin, world.city, {"day": CITY_DAY_OFF, "name": "Cuti daerah"})
    assert list(reply_reminders(date(2026, 4, 24))) == []
    assert len(list(reply_reminders(date(2026, 4, 27)))) == 2
