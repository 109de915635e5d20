"""User administration: scoped listing, accounts with a first password, roles, unlock, reset."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qms.accounts import operations, queries
from qms.accounts.models import RoleAssignment, User
from qms.core.errors import DomainError, PermissionDenied
from qms.core.roles import Role
from qms.extensions import db
from tests.conftest import PASSWORD
from tests.factories import AgencyFactory, CityFactory, user_with_role

NEW_PASSWORD = "Awal-Rahasia-42"


def new_user_form(**overrides) -> dict:
    return {
        "email": "Petugas.Baru@Kupangkota.go.id",
        "name": "Petugas Baru",
        "password": NEW_PASSWORD,
        "locale": "id",
        "role": "quality_officer",
        "city_id": "0",
        "agency_id": "0",
        **overrides,
    }


def test_city_admin_lists_only_users_of_own_city(client, auth):
    city, other = CityFactory(), CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    local = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    foreign = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=other))
    national = user_with_role(Role.BSN_REVIEWER)
    auth.login(admin)
    page = client.get("/users").get_data(as_text=True)
    assert local.email in page
    assert foreign.email not in page and national.email not in page
    assert client.get(f"/users/{foreign.id}").status_code == 404
    assert client.get(f"/users/{national.id}").status_code == 404
    assert client.post(f"/users/{foreign.id}/unlock").status_code == 404


def test_system_admin_lists_everyone(client, auth):
    admin = user_with_role(Role.SYSTEM_ADMIN)
    others = [
        user_with_role(Role.BSN_REVIEWER),
        user_with_role(Role.CITY_ADMIN, city=CityFactory()),
    ]
    auth.login(admin)
    page = client.get("/users").get_data(as_text=True)
    assert all(u.email in page for u in others)


@pytest.mark.parametrize(
    "role", [Role.QUALITY_OFFICER, Role.AGENCY_HEAD, Role.BSN_REVIEWER, Role.INTERNAL_AUDITOR]
)
def test_non_administrators_have_no_user_pages(client, auth, role):
    agency = AgencyFactory()
    user = user_with_role(role, agency=None if role == Role.BSN_REVIEWER else agency)
    auth.login(user)
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403
    assert "/users" not in client.get("/").get_data(as_text=True)


def test_new_account_must_change_its_first_password(client, auth):
    city = CityFactory()
    agency = AgencyFactory(city=city)
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    auth.login(admin)
    response = client.post("/users/new", data=new_user_form(agency_id=str(agency.id)))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "petugas.baru@kupangkota.go.id"))
    assert user.must_change_password
    assert [(a.role, a.agency_id, a.city_id) for a in user.roles] == [
        (Role.QUALITY_OFFICER, agency.id, city.id)
    ]
    auth.logout()

    auth.login(user.email, NEW_PASSWORD)
    for path in ("/", "/agencies", f"/agencies/{agency.id}"):
        redirect = client.get(path)
        assert redirect.status_code == 302
        assert redirect.headers["Location"].endswith("/account/password")
    changed = client.post(
        "/account/password",
        data={"current_password": NEW_PASSWORD, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert not db.session.get(User, user.id).must_change_password


def test_new_user_form_errors(client, auth):
    city = CityFactory()
    user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city), email="ada@kota.id")
    auth.login(user_with_role(Role.CITY_ADMIN, city=city))
    duplicate = client.post("/users/new", data=new_user_form(email="ADA@kota.id", city_id=city.id))
    assert duplicate.status_code == 422
    assert "Pengguna dengan email ini sudah ada." in duplicate.get_data(as_text=True)
    no_agency = client.post("/users/new", data=new_user_form())
    assert no_agency.status_code == 422
    assert "Peran ini memerlukan OPD." in no_agency.get_data(as_text=True)
    weak = client.post("/users/new", data=new_user_form(password="pendek", city_id=city.id))
    assert weak.status_code == 422
    assert db.session.scalar(select(User).where(User.name == "Petugas Baru")) is None


def test_city_admin_grants_only_non_national_roles_in_own_city(client, auth):
    city, other = CityFactory(), CityFactory()
    foreign_agency = AgencyFactory(city=other)
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    target = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    auth.login(admin)
    national = client.post(f"/users/{target.id}/roles", data={"role": "bsn_reviewer"})
    assert national.status_code == 422  # not even offered
    foreign = client.post(
        f"/users/{target.id}/roles",
        data={"role": "quality_officer", "agency_id": foreign_agency.id, "city_id": "0"},
    )
    assert foreign.status_code == 422
    other_city = client.post(
        f"/users/{target.id}/roles",
        data={"role": "management_viewer", "city_id": other.id, "confirm_wide": "y"},
    )
    assert other_city.status_code == 422
    assert len(db.session.get(User, target.id).roles) == 1
    unconfirmed = client.post(
        f"/users/{target.id}/roles",
        data={"role": "management_viewer", "city_id": city.id, "agency_id": "0"},
    )
    assert unconfirmed.status_code == 422
    assert "centang penegasan" in unconfirmed.get_data(as_text=True)
    assert len(db.session.get(User, target.id).roles) == 1
    granted = client.post(
        f"/users/{target.id}/roles",
        data={
            "role": "management_viewer",
            "city_id": city.id,
            "agency_id": "0",
            "confirm_wide": "y",
        },
    )
    assert granted.status_code == 302
    assert {a.role for a in db.session.get(User, target.id).roles} == {
        Role.QUALITY_OFFICER,
        Role.MANAGEMENT_VIEWER,
    }


def test_the_services_refuse_what_the_forms_do_not_offer(app):
    city, other = CityFactory(), CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    target = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    with pytest.raises(PermissionDenied):
        operations.assign_role(admin, target, Role.BSN_REVIEWER)
    with pytest.raises(PermissionDenied):
        operations.assign_role(
            admin, target, Role.QUALITY_OFFICER, agency=AgencyFactory(city=other)
        )
    with pytest.raises(PermissionDenied):
        operations.assign_role(admin, target, Role.MANAGEMENT_VIEWER, city=other)
    foreigner = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=other))
    with pytest.raises(PermissionDenied):
        operations.update_user(admin, foreigner, name="X", active=False)
    with pytest.raises(PermissionDenied):
        operations.reset_password(admin, foreigner, NEW_PASSWORD)
    with pytest.raises(PermissionDenied):
        operations.revoke_role(admin, foreigner.roles[0])


def test_revoking_a_role_is_in_the_users_history(client, auth):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    target = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    operations.assign_role(admin, target, Role.MANAGEMENT_VIEWER, city=city)
    viewer_id = next(a.id for a in target.roles if a.role == Role.MANAGEMENT_VIEWER)
    auth.login(admin)
    response = client.post(f"/users/{target.id}/roles/{viewer_id}/revoke")
    assert response.status_code == 302
    assert db.session.get(RoleAssignment, viewer_id) is None
    entries = queries.role_history(db.session.get(User, target.id))
    assert [e.action for e in entries if e.record_id == viewer_id] == ["create", "delete"]
    removal = entries[-1]
    assert removal.actor_id == admin.id
    assert removal.changes["role"] == ["management_viewer", None]
    assert "dihapus" in client.get(f"/users/{target.id}").get_data(as_text=True)


def test_administrators_keep_their_own_admin_role(app):
    admin = user_with_role(Role.SYSTEM_ADMIN)
    with pytest.raises(DomainError):
        operations.revoke_role(admin, admin.roles[0])


def test_edit_unlock_and_reset_password(app, client, auth):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    target = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    stranger = client.application.test_client()  # people guessing, from other machines
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        stranger.post(
            "/login",
            data={"email": target.email, "password": "salah-sekali-1"},
            environ_base={"REMOTE_ADDR": f"10.1.0.{attempt + 1}"},
        )
    db.session.refresh(target)
    assert target.is_locked()

    auth.login(admin)
    assert client.post(f"/users/{target.id}/unlock").status_code == 302
    db.session.refresh(target)
    assert not target.is_locked()

    edited = client.post(f"/users/{target.id}/edit", data={"name": "Nama Baru"})
    assert edited.status_code == 302
    db.session.refresh(target)
    assert target.name == "Nama Baru" and not target.active  # unchecked box: deactivated

    weak = client.post(f"/users/{target.id}/password", data={"password": "pendek"})
    assert weak.status_code == 303
    reset = client.post(f"/users/{target.id}/password", data={"password": NEW_PASSWORD})
    assert reset.status_code == 302
    db.session.refresh(target)
    assert target.must_change_password


def test_administrator_cannot_deactivate_themselves(client, auth):
    admin = user_with_role(Role.SYSTEM_ADMIN)
    auth.login(admin)
    response = client.post(f"/users/{admin.id}/edit", data={"name": admin.name})
    assert response.status_code == 422
    assert db.session.get(User, admin.id).active
