"""Fixtures. The test body runs inside an app context of its own (`app`), while requests go
to a second app instance (`client`), so every request gets a fresh app context, session and
logged-in user, exactly as in production. The client commits the test's pending writes before
each request and expires the test's objects after it, so assertions read what was stored.

The suite runs on SQLite by default and on PostgreSQL when QMS_TEST_DATABASE_URL is set."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from qms import create_app
from qms.core.i18n import compile_catalogues
from qms.extensions import db

PASSWORD = "Rahasia-123"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in the session's temporary folder, or QMS_TEST_DATABASE_URL. When the suite runs
    in several processes (pytest-xdist, as `make test` does), each process gets a PostgreSQL
    database of its own beside the given one, dropped at the end (SQLite's folder is already
    its own)."""
    given = os.environ.get("QMS_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not given:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    if not worker:
        yield given
        return
    url = make_url(given)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def upload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="session")
def test_settings(database_url: str, upload_dir: Path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(upload_dir),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def _schema(test_settings: dict) -> Iterator[None]:
    compile_catalogues()
    app = create_app("testing", test_settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.commit()
        db.engine.dispose()
    yield


def _is_superuser() -> bool:
    return db.session.execute(text("SHOW is_superuser")).scalar() == "on"


def empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        # DELETE is much faster than TRUNCATE on the few rows a test writes; foreign-key
        # triggers are switched off for it (tables refer to each other in cycles), which needs a
        # superuser, as CI's is. Anyone else gets the slower TRUNCATE.
        if _is_superuser():
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                db.session.execute(table.delete())
        else:
            names = ", ".join(f'"{t.name}"' for t in tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text("PRAGMA foreign_keys=OFF"))
        for table in tables:
            db.session.execute(table.delete())
        db.session.execute(text("PRAGMA foreign_keys=ON"))
    db.session.commit()


Rows = dict[str, list[dict]]


def copy_rows() -> Rows:
    """Every row of every table, to put back with `restore_rows` in a later test."""
    return {
        table.name: [dict(row._mapping) for row in db.session.execute(table.select())]
        for table in db.metadata.sorted_tables
    }


def restore_rows(rows: Rows) -> bool:
    """Insert rows copied by `copy_rows` into the empty tables, ids and all, and commit.
    Foreign keys are off meanwhile (tables refer to each other in cycles): on PostgreSQL that
    needs a superuser; for anyone else nothing is restored and False is returned."""
    tables = [t for t in db.metadata.sorted_tables if rows.get(t.name)]
    if db.engine.dialect.name == "postgresql":
        if not _is_superuser():
            return False
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            db.session.execute(table.insert(), rows[table.name])
        for table in tables:  # the next id of each table follows the restored ones
            if "id" in table.c and table.c.id.autoincrement:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table.name}"))'
                    )
                )
    else:
        db.session.execute(text("PRAGMA foreign_keys=OFF"))
        for table in tables:
            db.session.execute(table.insert(), rows[table.name])
        db.session.execute(text("PRAGMA foreign_keys=ON"))
    db.session.commit()
    return True


class QmsClient(FlaskClient):
    """A test client that keeps the test's own session honest around each request."""

    test_app: Flask | None = None

    def open(self, *args, **kwargs):
        db.session.commit()
        response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(_schema: None, test_settings: dict) -> Iterator[Flask]:
    app = create_app("testing", test_settings)
    with app.app_context():
        yield app
        db.session.rollback()
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def seed_demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["qms", "seed-demo"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def demo_rows(_schema: None, test_settings: dict) -> Rows:
    """The demo city's rows, seeded once for the module that asks: seeding takes seconds,
    putting the rows back into each test's empty tables a fraction of that."""
    app = create_app("testing", test_settings)
    with app.app_context():
        seed_demo(app)
        rows = copy_rows()
        empty_tables()
        db.session.remove()
        db.engine.dispose()
    return rows


@pytest.fixture
def demo_seeded(app: Flask, demo_rows: Rows) -> None:
    """The demo city in this test's tables (seeded again where rows cannot be put back)."""
    if not restore_rows(demo_rows):
        seed_demo(app)


@pytest.fixture
def web_app(app: Flask, test_settings: dict) -> Iterator[Flask]:
    web = create_app("testing", test_settings)
    web.test_client_class = QmsClient
    yield web
    with web.app_context():
        db.engine.dispose()


@pytest.fixture
def client(web_app: Flask) -> FlaskClient:
    return web_app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


class Api:
    """Calls /api/v1 with a user's token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def as_user(self, user) -> Api:
        from qms.accounts.authentication import issue_token

        _token, self.token = issue_token(user, "tests")
        db.session.commit()
        return self

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self._headers(), **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(), **kwargs)

    def patch(self, path: str, json=None, **kwargs):
        return self.client.patch(f"/api/v1{path}", json=json, headers=self._headers(), **kwargs)


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


# --- reports without WeasyPrint -------------------------------------------------------------


@pytest.fixture
def fake_render(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A deterministic stand-in PDF per HTML instead of WeasyPrint, and the HTML of each
    render (the portal's and the reports API's tests)."""
    from qms.reports import engine

    renders: list[str] = []

    def render_pdf(html: str) -> engine.RenderedPdf:
        renders.append(html)
        return engine.RenderedPdf(b"%PDF-1.7 " + hashlib.sha256(html.encode()).digest(), 3)

    monkeypatch.setattr(engine, "render_pdf", render_pdf)
    return renders


@pytest.fixture
def kupang() -> dict:
    """A city with two agencies (the reports' tests)."""
    from tests.factories import AgencyFactory, CityFactory

    city = CityFactory(name="Kota Kupang")
    return {
        "city": city,
        "dukcapil": AgencyFactory(city=city, name="Dinas Dukcapil"),
        "rsud": AgencyFactory(city=city, name="RSUD S.K. Lerik"),
    }
