"""Home panels per role, the outbox, the language of the pages, and the demo data."""

from __future__ import annotations

from sqlalchemy import func, select

from qms.accounts.models import User
from qms.core.history import HistoryEntry
from qms.core.mail import queue_mail
from qms.core.registry import Reminder
from qms.core.roles import Role
from qms.demo import ACCOUNTS, CITY_CODE, DEMO_PASSWORD
from qms.extensions import db
from qms.organisations.models import Agency, City, Place, Unit
from qms.organisations.queries import kelurahan_by_kecamatan
from tests.factories import AgencyFactory, CityFactory, user_with_role


def test_pages_are_in_indonesian_by_default_and_english_after_switching(client, auth):
    anonymous = client.get("/login").get_data(as_text=True)
    assert 'lang="id"' in anonymous and "Masuk" in anonymous
    client.post("/language/en", data={"next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)

    agency = AgencyFactory()
    user = user_with_role(Role.QUALITY_OFFICER, agency=agency)
    auth.login(user)  # a user's own choice wins over the anonymous one
    page = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert "Kepala OPD" in page and "Riwayat" in page
    client.post("/language/en", data={"next": "/"})
    page = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert "Head of the agency" in page and "History" in page


def test_admin_sees_the_overview_panel_and_others_their_scope(client, auth):
    city = CityFactory()
    AgencyFactory(city=city)
    AgencyFactory(city=city)
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    auth.login(admin)
    home = client.get("/").get_data(as_text=True)
    assert "Administrasi" in home and "Cakupan Anda" in home
    assert "<strong>2</strong>OPD" in home  # the city's two agencies
    for label in ("OPD", "Pengguna", "Kotak keluar", "Kota/Kabupaten", "Standar"):
        assert f">{label}</a>" in home
    auth.logout()

    officer = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    auth.login(officer)
    home = client.get("/").get_data(as_text=True)
    assert "Administrasi" not in home and "Cakupan Anda" in home
    assert officer.roles[0].agency.name in home
    assert ">Pengguna</a>" not in home and ">Kotak keluar</a>" not in home


def test_outbox_is_for_administrators_within_their_scope(app, client, auth):
    city = CityFactory()
    local = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    foreign = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory())
    with app.test_request_context():
        queue_mail(Reminder(local.email, "Tinjauan dokumen SOP KTP-el", "Isi", "k1"))
        queue_mail(Reminder(foreign.email, "Rahasia kota lain", "Isi", "k2"))
    auth.login(user_with_role(Role.CITY_ADMIN, city=city))
    page = client.get("/outbox").get_data(as_text=True)
    assert "Tinjauan dokumen SOP KTP-el" in page and "Rahasia kota lain" not in page
    auth.logout()
    auth.login(user_with_role(Role.SYSTEM_ADMIN))
    page = client.get("/outbox").get_data(as_text=True)
    assert "Tinjauan dokumen SOP KTP-el" in page and "Rahasia kota lain" in page
    auth.logout()
    auth.login(local)
    assert client.get("/outbox").status_code == 403


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (City, Agency, Unit, Place, User, HistoryEntry)
    }


def test_seed_demo_twice_changes_nothing_and_every_demo_account_logs_in(runner, client, auth):
    first = runner.invoke(args=["qms", "seed-demo"])
    assert first.exit_code == 0, first.output
    after_first = _counts()
    assert after_first["Agency"] >= 20 and after_first["User"] == len(ACCOUNTS)
    names = set(db.session.scalars(select(Agency.name)))
    for required in (
        "Sekretariat Daerah Kota Kupang",
        "RSUD S.K. Lerik Kota Kupang",
        "Badan Keuangan Daerah Kota Kupang",
        "Dinas Kependudukan dan Pencatatan Sipil Kota Kupang",
        "Dinas Koperasi, Usaha Kecil dan Menengah Kota Kupang",
    ):
        assert required in names
    # the places file waits for its city: the demo creates the city, then loads its places
    city = db.session.scalar(select(City).where(City.code == CITY_CODE))
    assert len(kelurahan_by_kecamatan(city)) == 6
    second = runner.invoke(args=["qms", "seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == after_first

    roles = {
        role for user in db.session.scalars(select(User)) for role in (a.role for a in user.roles)
    }
    assert roles == set(Role)
    for email, *_ in ACCOUNTS:
        assert auth.login(email, DEMO_PASSWORD).status_code == 302, email
        assert client.get("/").status_code == 200
        auth.logout()
