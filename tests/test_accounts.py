from __future__ import annotations

from sqlalchemy import select

from qms.accounts.models import User
from qms.core.history import HistoryEntry
from qms.core.mail import OutboxMessage
from qms.core.roles import Role
from qms.extensions import db
from tests.conftest import PASSWORD
from tests.factories import AgencyFactory, user_with_role


def test_login_and_logout(client, auth):
    agency = AgencyFactory()
    user = user_with_role(Role.QUALITY_OFFICER, agency=agency)
    response = auth.login(user)
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert user.name in home.get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_in_indonesian(client, auth):
    user = user_with_role(Role.BSN_REVIEWER)
    response = auth.login(user, "salah-sekali-1")
    assert response.status_code == 422
    assert "Email atau kata sandi salah" in response.get_data(as_text=True)


def test_account_locks_after_repeated_failures_from_several_addresses(app, client, auth):
    user = user_with_role(Role.BSN_REVIEWER)
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post(
            "/login",
            data={"email": user.email, "password": "salah-sekali-1"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt + 1}"},
        )
    db.session.refresh(user)
    assert user.locked_until is not None
    response = auth.login(user, PASSWORD)  # even the right password is refused now
    assert response.status_code == 422
    assert "Email atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == user.email))
    assert mail is not None and "terkunci" in mail.body


def test_change_password(client, auth):
    user = user_with_role(Role.BSN_REVIEWER)
    auth.login(user)
    weak = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "pendek", "confirm": "pendek"},
    )
    assert weak.status_code == 422
    same = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert same.status_code == 422
    assert "selain kata sandi saat ini" in same.get_data(as_text=True)
    done = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "Kata-Sandi-Baru-9",
            "confirm": "Kata-Sandi-Baru-9",
        },
    )
    assert done.status_code == 302
    auth.logout()
    assert auth.login(user, PASSWORD).status_code == 422
    assert auth.login(user, "Kata-Sandi-Baru-9").status_code == 302


def test_language_switch_is_remembered_per_user(client, auth):
    user = user_with_role(Role.BSN_REVIEWER)
    auth.login(user)
    assert "Beranda" in client.get("/").get_data(as_text=True)
    client.post("/language/en", data={"next": "/"})
    assert db.session.get(User, user.id).locale == "en"
    auth.logout()
    auth.login(user)
    assert "Home" in client.get("/").get_data(as_text=True)


def test_user_changes_are_in_the_history_without_password(client, auth):
    user = user_with_role(Role.BSN_REVIEWER)
    auth.login(user)
    client.post("/language/en", data={"next": "/"})
    entries = db.session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.record_type == "users", HistoryEntry.record_id == user.id)
        .order_by(HistoryEntry.id)
    ).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes == {"locale": ["id", "en"]}
    assert entries[1].actor_id == user.id
    assert "password_hash" not in entries[0].changes
