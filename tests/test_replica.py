"""The read replica (QMS_READ_DATABASE_URL): reads inside `replica_reads()` — reports' data and
the home dashboards — come from it, every other read and every write from the primary. Both
databases are SQLite files of this test's own (a replica is a copy of its primary), whichever
database the suite runs on."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import insert, select

from qms import create_app
from qms.core.roles import Role
from qms.extensions import REPLICA, db, replica_reads
from qms.organisations.models import City, CityKind
from tests.conftest import PASSWORD
from tests.factories import AgencyFactory, CityFactory, user_with_role


def _city_names() -> set[str]:
    return set(db.session.scalars(select(City.name)))


@pytest.fixture
def replicated(test_settings, tmp_path):
    """An app on a primary and a replica, both SQLite files."""
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    app = create_app(
        "testing",
        {
            **test_settings,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{primary}",
            "SQLALCHEMY_BINDS": {REPLICA: f"sqlite:///{replica}"},
        },
    )
    yield app, primary, replica
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    # the extension keeps a metadata per bind key it was ever configured with: the other tests'
    # apps have no replica
    db.metadatas.pop(REPLICA, None)


def test_reports_and_dashboards_read_the_replica_and_writes_go_to_the_primary(replicated):
    app, primary, replica = replicated
    with app.app_context():
        db.create_all()
        kupang = CityFactory(name="Kota Kupang")
        AgencyFactory(city=kupang)
        reviewer = user_with_role(Role.BSN_REVIEWER).email
        db.session.commit()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
        shutil.copyfile(primary, replica)  # the replica as it was copied
        CityFactory(name="Kota Baru")  # on the primary since
        db.session.execute(
            insert(City).values(
                id=999,  # a row the primary does not hold: ids do not collide
                code="REPL",
                name="Kota Replika",
                kind=CityKind.KOTA,
                province="NTT",
            ),
            bind_arguments={"bind": db.engines[REPLICA]},
        )
        db.session.commit()

        assert _city_names() == {"Kota Kupang", "Kota Baru"}
        with replica_reads():
            assert _city_names() == {"Kota Kupang", "Kota Replika"}
            CityFactory(name="Kota Tulis")  # written inside: still to the primary
            db.session.commit()
        assert "Kota Tulis" in _city_names()
        with db.engines[REPLICA].connect() as connection:
            assert "Kota Tulis" not in set(connection.scalars(select(City.name)))

        client = app.test_client()
        assert (
            client.post("/login", data={"email": reviewer, "password": PASSWORD}).status_code == 302
        )
        home = client.get("/").get_data(as_text=True)
        national = home[home.index('<section class="card dashboard">') :]
        national = national[: national.index("</section>")]
        assert "Kota Replika" in national and "Kota Baru" not in national


def test_without_a_replica_replica_reads_change_nothing(app):
    CityFactory(name="Kota Kupang")
    with replica_reads():
        assert _city_names() == {"Kota Kupang"}
