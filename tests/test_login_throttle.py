"""A login that tells nothing, and throttling by client address (issue: trust under attack)."""

from __future__ import annotations

import difflib
import re

from werkzeug import security

from qms.core.roles import Role
from qms.extensions import db
from tests.conftest import PASSWORD
from tests.factories import user_with_role


def _login(client, email: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _page_text(response) -> str:
    """The page as read, without what differs on every response (the CSP nonce, the signed
    CSRF token, which carries the time)."""
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', response.get_data(as_text=True))
    page = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)
    return re.sub(r"\s+", " ", page)


def test_every_refused_login_reads_the_same(client, app):
    existing = user_with_role(Role.BSN_REVIEWER)
    deactivated = user_with_role(Role.BSN_REVIEWER, active=False)
    attempts = [
        ("nobody@example.org", "salah-sekali-1"),
        (existing.email, "salah-sekali-1"),
        (deactivated.email, PASSWORD),
    ]
    answers = [
        (email, _login(client, email, password, f"192.0.2.{n}"))
        for n, (email, password) in enumerate(attempts, start=1)
    ]
    existing.locked_until = existing.created_at.replace(year=2999)
    db.session.commit()
    answers.append((existing.email, _login(client, existing.email, PASSWORD, "192.0.2.9")))
    assert {answer.status_code for _email, answer in answers} == {422}
    bodies = {_page_text(answer).replace(email, "EMAIL") for email, answer in answers}
    first, *others = bodies
    for other in others:
        assert first == other, "\n".join(difflib.unified_diff(first.split(">"), other.split(">")))
    assert "Email atau kata sandi salah" in bodies.pop()


def test_an_unknown_address_costs_a_password_check_too(client, monkeypatch):
    checked = []
    original = security.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return original(pwhash, password)

    monkeypatch.setattr("qms.accounts.authentication.check_password_hash", counting)
    _login(client, "nobody@example.org", "salah-sekali-1")
    assert len(checked) == 1 and checked[0].startswith("pbkdf2:sha256")


def test_a_client_is_throttled_before_it_can_lock_an_account(client, app):
    user = user_with_role(Role.BSN_REVIEWER)
    allowed = app.config["LOGIN_MAX_FAILURES"] - 1
    for _ in range(allowed):
        assert _login(client, user.email, "salah-sekali-1").status_code == 422
    throttled = _login(client, user.email, "salah-sekali-1")
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan" in throttled.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locked_until is None  # one machine cannot lock the account
    # the right password from another address still logs in
    assert _login(client, user.email, PASSWORD, "198.51.100.7").status_code == 302


def test_successful_logins_are_not_counted(client, app):
    user = user_with_role(Role.BSN_REVIEWER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        assert _login(client, user.email, PASSWORD).status_code == 302
        client.post("/logout")


def test_guessing_api_tokens_is_throttled_with_retry_after(client, app):
    limit = int(app.config["API_FAILURE_LIMIT"].split()[0])
    headers = {"Authorization": "Bearer qms_guess"}
    for _ in range(limit):
        assert client.get("/api/v1/agencies", headers=headers).status_code == 401
    refused = client.get("/api/v1/agencies", headers=headers)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["status"] == 429
