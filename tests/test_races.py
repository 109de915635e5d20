"""No duplicates under races (PostgreSQL, where requests really run at the same moment): the
same import confirmed twice at once imports once and tells the loser; two imports confirmed at
once for the same city raise one nonconformity per escalation rule."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from qms import create_app
from qms.capa.complaints import imports
from qms.capa.models import Complaint, ComplaintImport, Nonconformity
from qms.core.errors import StaleRecordError
from qms.extensions import db
from tests.factories_capa import make_world

DAY = date(2026, 3, 10)
ROW = {"channel": "lapor", "agency": "DUKCAPIL", "category": "KTP-el", "text": "Belum jadi."}


@pytest.fixture
def postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent transactions are tested on PostgreSQL")


def _upload(world, external_id: str) -> int:
    data = json.dumps(
        {"complaints": [{**ROW, "id": external_id, "received_at": "2026-03-01"}]}
    ).encode()
    record = imports.preview_import(world.admin, world.city, f"{external_id}.json", data)
    db.session.commit()
    return record.id


def _confirm_at_once(test_settings: dict, admin_id: int, import_ids: list[int]) -> list[str]:
    """Confirm each import in its own thread, app and transaction, all released together."""
    apps = [create_app("testing", test_settings) for _ in import_ids]
    start = threading.Barrier(len(import_ids))
    outcomes: list[str] = [""] * len(import_ids)

    def confirm(index: int, import_id: int) -> None:
        from qms.accounts.models import User

        with apps[index].test_request_context():
            admin = db.session.get(User, admin_id)
            record = db.session.get(ComplaintImport, import_id)
            start.wait()
            try:
                imports.confirm_import(admin, record, DAY)
                db.session.commit()
                outcomes[index] = "confirmed"
            except StaleRecordError as refusal:
                db.session.rollback()
                outcomes[index] = str(refusal.message)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [
        threading.Thread(target=confirm, args=(i, import_id))
        for i, import_id in enumerate(import_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_the_same_confirmation_twice_at_once_imports_once(postgresql, app, test_settings):
    with app.test_request_context():
        world = make_world()
        import_id = _upload(world, "L-1")
        outcomes = _confirm_at_once(test_settings, world.admin.id, [import_id, import_id])
    assert sorted(outcomes) == ["Impor ini sudah dikonfirmasi.", "confirmed"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    assert db.session.scalar(select(func.count(Nonconformity.id))) == 1


def test_two_imports_confirmed_at_once_raise_one_nonconformity_per_rule(
    postgresql, app, test_settings
):
    with app.test_request_context():
        world = make_world()
        first, second = _upload(world, "L-1"), _upload(world, "L-2")
        outcomes = _confirm_at_once(test_settings, world.admin.id, [first, second])
    assert outcomes == ["confirmed", "confirmed"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Complaint.id))) == 2
    keys = db.session.scalars(select(Nonconformity.escalation_key)).all()
    assert len(keys) == len(set(keys)) == 1
    linked = db.session.scalars(select(Complaint.nonconformity_id)).all()
    assert len(set(linked)) == 1 and None not in linked
