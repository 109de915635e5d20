"""Sessions that end: logout ends the session wherever its cookie was copied; a password
change, an administrator's reset, a lock-out and a deactivation end the user's other sessions
and revoke their API tokens; a new session and CSRF token at login; the sessions page."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from qms import create_app
from qms.accounts.authentication import issue_token
from qms.accounts.models import ApiToken, SessionEnd, User, UserSession
from qms.core.mail import OutboxMessage
from qms.core.roles import Role
from qms.extensions import db
from tests.conftest import PASSWORD, QmsClient
from tests.factories import AgencyFactory, CityFactory, user_with_role

NEW_PASSWORD = "Kata-Sandi-Baru-9"


def _session_cookie(client: FlaskClient) -> str:
    return client.get_cookie("session").value


def _copy(client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of the first one's session cookie."""
    thief = client.application.test_client()
    thief.set_cookie("session", _session_cookie(client))
    return thief


def _officer():
    return user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory())


def test_a_cookie_copied_before_logout_opens_nothing_after_it(client, auth):
    user = _officer()
    auth.login(user)
    thief = _copy(client)
    assert thief.get("/capa/").status_code == 200
    auth.logout()
    assert thief.get("/capa/").status_code == 302
    assert "/login" in thief.get("/capa/").headers["Location"]
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert record.end_reason == SessionEnd.LOGOUT


def test_a_password_change_ends_the_other_sessions_and_revokes_tokens(client, auth, api):
    user = _officer()
    other_browser = client.application.test_client()
    other_browser.post("/login", data={"email": user.email, "password": PASSWORD})
    api.as_user(user)
    assert api.get("/agencies").status_code == 200
    auth.login(user)
    changed = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "token" in changed.get_data(as_text=True).lower()
    assert client.get("/capa/").status_code == 200  # this session goes on
    assert other_browser.get("/capa/").status_code == 302
    assert api.get("/agencies").status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))


def test_an_administrators_reset_ends_every_session_and_tells_the_user(client, auth, api):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    user = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    browser = client.application.test_client()
    browser.post("/login", data={"email": user.email, "password": PASSWORD})
    _token, plain = issue_token(user, "robot")
    db.session.commit()
    auth.login(admin)
    assert client.post(f"/users/{user.id}/password", data={"password": NEW_PASSWORD}).status_code
    assert browser.get("/capa/").status_code == 302
    assert (
        client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 401
    )
    mail = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.to == user.email, OutboxMessage.key.like("sessions-ended:%")
        )
    )
    assert mail is not None and "administrator" in mail.body


def test_a_lock_out_and_a_deactivation_end_sessions(app, client, auth):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    locked = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    deactivated = user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city))
    browsers = {}
    for user in (locked, deactivated):
        browsers[user.id] = client.application.test_client()
        browsers[user.id].post("/login", data={"email": user.email, "password": PASSWORD})
        assert browsers[user.id].get("/capa/").status_code == 200
    guesser = client.application.test_client()
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        guesser.post(
            "/login",
            data={"email": locked.email, "password": "salah-sekali-1"},
            environ_base={"REMOTE_ADDR": f"10.9.0.{attempt + 1}"},
        )
    assert browsers[locked.id].get("/capa/").status_code == 302
    auth.login(admin)
    client.post(f"/users/{deactivated.id}/edit", data={"name": deactivated.name})
    assert not db.session.get(User, deactivated.id).active
    assert browsers[deactivated.id].get("/capa/").status_code == 302


def test_the_sessions_page_lists_and_ends_sessions(client, auth):
    user = _officer()
    elsewhere = client.application.test_client()
    elsewhere.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    )
    auth.login(user)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "203.0.113.5" in page
    ids = [int(i) for i in re.findall(r"/account/sessions/(\d+)/end", page)]
    assert len(ids) == 2
    other = db.session.scalar(
        select(UserSession).where(
            UserSession.user_id == user.id, UserSession.address == "203.0.113.5"
        )
    )
    assert client.post(f"/account/sessions/{other.id}/end").status_code == 302
    assert elsewhere.get("/capa/").status_code == 302
    assert client.get("/capa/").status_code == 200
    own = next(i for i in ids if i != other.id)
    assert client.post(f"/account/sessions/{own}/end").status_code == 302
    assert client.get("/capa/").status_code == 302
    # nobody ends another user's session
    stranger = _officer()
    stranger_browser = client.application.test_client()
    stranger_browser.post("/login", data={"email": stranger.email, "password": PASSWORD})
    mine = db.session.scalar(select(UserSession.id).where(UserSession.user_id == stranger.id))
    auth.login(user)
    assert client.post(f"/account/sessions/{mine}/end").status_code == 404
    assert stranger_browser.get("/capa/").status_code == 200


def test_the_csrf_token_issued_before_login_is_dead_after_it(app, test_settings):
    web = create_app("testing", {**test_settings, "WTF_CSRF_ENABLED": True})
    web.test_client_class = QmsClient
    browser = web.test_client()
    user = _officer()
    db.session.commit()
    page = browser.get("/login").get_data(as_text=True)
    before = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    logged_in = browser.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before}
    )
    assert logged_in.status_code == 302
    assert browser.post("/logout", data={"csrf_token": before}).status_code == 400
    home = browser.get("/").get_data(as_text=True)
    after = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    assert after != before
    assert browser.post("/logout", data={"csrf_token": after}).status_code == 302
    with web.app_context():
        db.engine.dispose()
