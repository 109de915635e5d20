"""The file store (qms/core/storage.py): evidence files and archived reports go through the
configured store, so another kind of store (here one held in memory, as an object store
would be) serves every upload, download and archive lookup; the local folder keeps nothing."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from qms.core.roles import Role
from qms.core.storage import FolderStore
from qms.extensions import db
from qms.files import operations as files
from qms.reports import archive, engine
from qms.reports.models import GeneratedReport
from tests.factories import CityFactory, user_with_role
from tests.factories_capa import analysed, make_world, planned, raise_nc
from tests.memory_store import MemoryStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def in_memory(app, web_app, monkeypatch):
    MemoryStore.areas.clear()
    for configured in (app, web_app):
        monkeypatch.setitem(configured.config, "FILE_STORE", "tests.memory_store:MemoryStore")
    monkeypatch.setattr(
        engine, "render_pdf", lambda html: engine.RenderedPdf(b"%PDF-1.7 memory", 1)
    )
    return MemoryStore.areas


def _folder_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_evidence_and_reports_go_through_the_configured_store(app, client, auth, in_memory):
    before = _folder_files(app)
    world = make_world()
    nc = planned(world, analysed(world, raise_nc(world), date(2026, 3, 3)), date(2026, 3, 3))
    action = nc.current_actions[0]
    stored = files.attach(world.officer, action, io.BytesIO(PNG), "foto-rtm.png")
    db.session.commit()
    assert in_memory["evidence"] == {stored.storage_name: PNG}

    auth.login(world.officer)
    download = client.get(f"/files/{stored.id}")
    assert download.status_code == 200 and download.data == PNG
    auth.logout()
    auth.login(world.stranger)
    assert client.get(f"/files/{stored.id}").status_code == 404

    reviewer = user_with_role(Role.BSN_REVIEWER)
    city = CityFactory()
    auth.logout()
    auth.login(reviewer)
    generated = client.post(
        "/reports/generate", data={"report": "city-directory", "city_id": city.id, "locale": "id"}
    )
    assert generated.status_code == 303
    report = db.session.scalars(db.select(GeneratedReport)).one()
    assert in_memory["reports"] == {report.file_name: b"%PDF-1.7 memory"}
    assert archive.read_pdf(report) == b"%PDF-1.7 memory"
    pdf = client.get(f"/reports/{report.ident}/pdf")
    assert pdf.status_code == 200 and pdf.data == b"%PDF-1.7 memory"
    again = client.post(
        "/reports/generate", data={"report": "city-directory", "city_id": city.id, "locale": "id"}
    )
    assert again.headers["Location"].endswith(report.ident)  # found in the store: not redone

    assert _folder_files(app) == before


def test_a_folder_store_writes_whole_files_and_refuses_names_with_paths(tmp_path):
    store = FolderStore(tmp_path / "area")
    store.write("abc", b"one")
    store.write("abc", b"two")
    assert store.read("abc") == b"two" and list(store.names()) == ["abc"]
    for name in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(ValueError):
            store.write(name, b"x")
    store.discard("abc")
    assert not store.exists("abc")
