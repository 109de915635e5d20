"""Cities, agencies and units through the admin pages: who may do what, validation, history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qms.core.errors import DomainError, PermissionDenied
from qms.core.history import history_of
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations import operations
from qms.organisations.models import Agency, AgencyKind, City, Unit
from tests.factories import AgencyFactory, CityFactory, UnitFactory, user_with_role

AGENCY_FORM = {
    "code": "dlhk",
    "name": "Dinas Lingkungan Hidup",
    "kind": "dinas",
    "head_name": "Kepala DLHK",
    "address": "Jl. Alak",
    "active": "y",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- cities -----------------------------------------------------------------------------------


def test_system_admin_creates_a_city(client, auth):
    admin = user_with_role(Role.SYSTEM_ADMIN)
    auth.login(admin)
    response = client.post(
        "/cities/new",
        data={"code": "soe", "name": "Kabupaten TTS", "kind": "kabupaten", "province": "NTT"},
    )
    assert response.status_code == 302
    city = db.session.scalar(select(City).where(City.code == "SOE"))
    assert city.name == "Kabupaten TTS"
    entry = history_of(city)[0]
    assert entry.action == "create" and entry.actor_id == admin.id
    assert entry.changes["name"] == [None, "Kabupaten TTS"]


def test_city_form_errors_are_shown_in_indonesian(client, auth):
    auth.login(user_with_role(Role.SYSTEM_ADMIN))
    response = client.post("/cities/new", data={"code": "a b", "name": "", "kind": "desa"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kolom ini wajib diisi." in page
    assert "Pilih salah satu pilihan." in page
    # a required field is marked inside its label (one line on a phone), the name unchanged
    assert '<label for="name">Nama <span class="req" aria-hidden="true">*</span></label>' in page
    assert '<label for="province">Provinsi</label>' in page
    assert count(City) == 0


def test_duplicate_city_code_is_refused_on_the_form(client, auth):
    CityFactory(code="KUPANG")
    auth.login(user_with_role(Role.SYSTEM_ADMIN))
    response = client.post("/cities/new", data={"code": "kupang", "name": "X", "kind": "kota"})
    assert response.status_code == 422
    assert count(City) == 1


def test_city_admin_edits_own_city_but_creates_none_and_cannot_see_another(client, auth):
    city, other = CityFactory(), CityFactory()
    auth.login(user_with_role(Role.CITY_ADMIN, city=city))
    assert client.get("/cities/new").status_code == 403
    response = client.post(
        f"/cities/{city.id}/edit",
        data={"code": city.code, "name": "Kota Kupang Baru", "kind": "kota", "province": "NTT"},
    )
    assert response.status_code == 302
    assert db.session.get(City, city.id).name == "Kota Kupang Baru"
    assert client.get(f"/cities/{other.id}").status_code == 404
    blocked = client.post(
        f"/cities/{other.id}/edit", data={"code": other.code, "name": "Hacked", "kind": "kota"}
    )
    assert blocked.status_code == 404
    assert db.session.get(City, other.id).name != "Hacked"


# --- agencies ---------------------------------------------------------------------------------


def test_city_admin_creates_edits_and_archives_an_agency_with_history(client, auth):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    auth.login(admin)
    assert client.get(f"/cities/{city.id}/agencies/new").status_code == 200
    assert client.post(f"/cities/{city.id}/agencies/new", data=AGENCY_FORM).status_code == 302
    agency = db.session.scalar(select(Agency).where(Agency.code == "DLHK"))
    assert agency.city_id == city.id and agency.kind == AgencyKind.DINAS

    edited = {**AGENCY_FORM, "code": "DLHK", "head_name": "Kepala Baru"}
    assert client.post(f"/agencies/{agency.id}/edit", data=edited).status_code == 302
    assert client.post(f"/agencies/{agency.id}/archive").status_code == 302

    db.session.refresh(agency)
    assert agency.is_archived and agency.archived_by_id == admin.id
    actions = [(e.action, e.actor_id) for e in history_of(agency)]
    assert actions == [("create", admin.id), ("update", admin.id), ("archive", admin.id)]
    assert history_of(agency)[1].changes == {"head_name": ["Kepala DLHK", "Kepala Baru"]}
    page = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert "Kepala Baru" in page and "diarsipkan" in page and admin.name in page
    # an archived agency leaves the list but stays readable, and cannot be changed any more
    assert "DLHK" not in client.get("/agencies").get_data(as_text=True)
    assert "DLHK" in client.get("/agencies?archived=1").get_data(as_text=True)
    assert client.post(f"/agencies/{agency.id}/edit", data=edited).status_code == 422


def test_agency_list_filters(client, auth):
    city = CityFactory()
    AgencyFactory(city=city, name="RSUD S.K. Lerik", code="RSUD", kind=AgencyKind.RSUD)
    AgencyFactory(city=city, name="Dinas Sosial", code="DINSOS", kind=AgencyKind.DINAS)
    auth.login(user_with_role(Role.CITY_ADMIN, city=city))
    by_kind = client.get("/agencies?kind=rsud").get_data(as_text=True)
    assert "RSUD S.K. Lerik" in by_kind and "Dinas Sosial" not in by_kind
    by_text = client.get("/agencies?q=sosial").get_data(as_text=True)
    assert "Dinas Sosial" in by_text and "RSUD S.K. Lerik" not in by_text


def test_duplicate_agency_code_in_a_city_is_refused(client, auth):
    city = CityFactory()
    AgencyFactory(city=city, code="DLHK")
    auth.login(user_with_role(Role.CITY_ADMIN, city=city))
    response = client.post(f"/cities/{city.id}/agencies/new", data=AGENCY_FORM)
    assert response.status_code == 422
    assert "OPD lain di kota ini sudah memakai kode ini." in response.get_data(as_text=True)
    assert count(Agency) == 1


def test_quality_officer_sees_only_own_agency(client, auth):
    city = CityFactory()
    own, other = AgencyFactory(city=city), AgencyFactory(city=city)
    auth.login(user_with_role(Role.QUALITY_OFFICER, agency=own))
    listing = client.get("/agencies").get_data(as_text=True)
    assert own.name in listing and other.name not in listing
    assert client.get(f"/agencies/{own.id}").status_code == 200
    assert client.get(f"/agencies/{other.id}").status_code == 404
    assert client.get(f"/agencies/{other.id}/edit").status_code == 404
    assert client.post(f"/agencies/{other.id}/archive").status_code == 404
    # seeing is not managing: the officer does not edit or archive the agency itself
    assert client.get(f"/agencies/{own.id}/edit").status_code == 403
    assert client.post(f"/agencies/{own.id}/archive").status_code == 403
    assert client.post(f"/cities/{city.id}/agencies/new", data=AGENCY_FORM).status_code == 403
    assert db.session.get(Agency, own.id).archived_at is None
    assert count(Agency) == 2


def test_city_admin_cannot_touch_another_city(client, auth):
    mine, theirs = CityFactory(), CityFactory()
    foreign = AgencyFactory(city=theirs)
    auth.login(user_with_role(Role.CITY_ADMIN, city=mine))
    assert client.post(f"/cities/{theirs.id}/agencies/new", data=AGENCY_FORM).status_code == 404
    assert client.get(f"/agencies/{foreign.id}").status_code == 404
    assert client.post(f"/agencies/{foreign.id}/archive").status_code == 404
    assert count(Agency) == 1 and db.session.get(Agency, foreign.id).archived_at is None


@pytest.mark.parametrize("role", [Role.BSN_REVIEWER, Role.MANAGEMENT_VIEWER])
def test_read_only_roles_see_but_cannot_write(client, auth, role):
    city = CityFactory()
    agency = AgencyFactory(city=city)
    user = user_with_role(role, city=None if role == Role.BSN_REVIEWER else city)
    auth.login(user)
    assert client.get(f"/agencies/{agency.id}").status_code == 200
    assert client.get(f"/agencies/{agency.id}/edit").status_code == 403
    refused = client.post(f"/cities/{city.id}/agencies/new", data=AGENCY_FORM)
    assert refused.status_code == 303  # the global guard: back, with a message
    assert client.post(f"/agencies/{agency.id}/archive").status_code == 303
    assert count(Agency) == 1 and db.session.get(Agency, agency.id).archived_at is None
    # and the policy refuses them too, whatever a view forgets
    with pytest.raises(PermissionDenied):
        operations.create_agency(user, city, {"code": "X", "name": "X", "kind": AgencyKind.DINAS})
    with pytest.raises(PermissionDenied):
        operations.archive(user, agency)


def test_quality_records_cannot_be_deleted(app):
    agency = AgencyFactory()
    db.session.commit()
    db.session.delete(agency)
    with pytest.raises(DomainError, match="archive it, never delete it"):
        db.session.flush()
    db.session.rollback()
    assert count(Agency) == 1


def test_history_is_append_only(app):
    agency = AgencyFactory()
    entry = history_of(agency)[0]
    entry.action = "forged"
    with pytest.raises(DomainError):
        db.session.flush()
    db.session.rollback()


# --- units ------------------------------------------------------------------------------------


def test_quality_officer_manages_units_of_own_agency_as_a_tree(client, auth):
    agency = AgencyFactory()
    officer = user_with_role(Role.QUALITY_OFFICER, agency=agency)
    auth.login(officer)
    form = {"name": "Bidang Pelayanan", "kind": "bidang", "parent_id": "0", "active": "y"}
    assert client.post(f"/agencies/{agency.id}/units/new", data=form).status_code == 302
    parent = db.session.scalar(select(Unit).where(Unit.name == "Bidang Pelayanan"))
    child = {"name": "Seksi KTP-el", "kind": "seksi", "parent_id": str(parent.id), "active": "y"}
    assert client.post(f"/agencies/{agency.id}/units/new", data=child).status_code == 302
    seksi = db.session.scalar(select(Unit).where(Unit.name == "Seksi KTP-el"))
    assert seksi.parent_id == parent.id
    assert seksi.path == "Bidang Pelayanan › Seksi KTP-el"
    page = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert 'class="depth-1"' in page and "Seksi KTP-el" in page

    # a unit cannot move inside itself
    loop = {"name": "Bidang Pelayanan", "kind": "bidang", "parent_id": str(seksi.id)}
    response = client.post(f"/units/{parent.id}/edit", data=loop)
    assert response.status_code == 422
    assert db.session.get(Unit, parent.id).parent_id is None

    assert client.post(f"/units/{seksi.id}/archive").status_code == 302
    assert db.session.get(Unit, seksi.id).is_archived
    assert [e.action for e in history_of(seksi)] == ["create", "archive"]


def test_unit_parent_from_another_agency_is_refused(app):
    unit = UnitFactory()
    stranger = UnitFactory()
    admin = user_with_role(Role.SYSTEM_ADMIN)
    db.session.commit()
    with pytest.raises(DomainError, match="sama"):
        operations.update(admin, unit, {"parent_id": stranger.id})
    db.session.rollback()
    with pytest.raises(DomainError, match="sama"):
        operations.create_unit(
            admin, unit.agency, {"name": "X", "kind": "bidang", "parent_id": stranger.id}
        )


def test_officer_of_another_agency_cannot_touch_units(client, auth):
    unit = UnitFactory()
    outsider = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=unit.agency.city))
    auth.login(outsider)
    assert client.get(f"/units/{unit.id}").status_code == 404
    assert client.post(f"/units/{unit.id}/archive").status_code == 404
    form = {"name": "Bidang Palsu", "kind": "bidang", "parent_id": "0"}
    assert client.post(f"/agencies/{unit.agency_id}/units/new", data=form).status_code == 404
    assert count(Unit) == 1


def test_auditor_reads_units_but_does_not_manage_them(client, auth):
    unit = UnitFactory()
    auditor = user_with_role(Role.INTERNAL_AUDITOR, agency=AgencyFactory(city=unit.agency.city))
    auth.login(auditor)
    assert client.get(f"/units/{unit.id}").status_code == 200
    assert client.get(f"/units/{unit.id}/edit").status_code == 403
