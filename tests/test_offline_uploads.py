"""A photo taken offline goes up in pieces of a bounded size, resumed after a drop from where
the server is, and is attached once whole through the same operation as an upload in one
piece (qms/files/uploads.py; the checklist row's /uploads routes). Refused: a piece out of
place or sent twice (with the place the server is at), a piece too large, a file too large or
of a type not accepted, another user's upload, an audit no longer in progress, no session."""

from __future__ import annotations

import hashlib
import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.audits.models import AuditStatus
from qms.core.history import HistoryEntry
from qms.extensions import db
from qms.files.models import FileUpload, FileUploadPart, StoredFile
from tests.factories_audits import make_world, started_audit

FETCH = {"X-Requested-With": "fetch"}
KEY = "0123456789abcdef0123456789abcdef"
#: a PNG of 2,500 bytes: three pieces of 1 KB
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 9 + b"\x00" * 188
SIZE = len(PHOTO)


@pytest.fixture
def world(app, web_app):
    web_app.config["UPLOAD_CHUNK_KB"] = 1
    with force_locale("en"):
        yield make_world()


def _begin(client, row, key=KEY, size=SIZE, name="papan alur.png"):
    return client.post(
        f"/audits/rows/{row.id}/uploads",
        data={"key": key, "name": name, "size": size, "description": "Foto papan alur"},
        headers=FETCH,
    )


def _piece(client, row, offset, data, key=KEY):
    return client.post(
        f"/audits/rows/{row.id}/uploads/{key}",
        data={"offset": str(offset), "chunk": (io.BytesIO(data), "blob")},
        headers=FETCH,
        content_type="multipart/form-data",
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_photo_goes_up_in_pieces_resumes_after_a_drop_and_is_attached(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    started = _begin(client, row)
    assert started.status_code == 200
    assert started.get_json() == {"key": KEY, "offset": 0, "size": 2500, "chunk_size": 1024}
    assert _piece(client, row, 0, PHOTO[:1024]).get_json()["offset"] == 1024
    # the signal drops; the phone asks again with the same key: the server says where it is
    again = _begin(client, row)
    assert again.get_json()["offset"] == 1024 and _count(FileUpload) == 1
    assert _piece(client, row, 1024, PHOTO[1024:2048]).get_json()["offset"] == 2048
    assert _count(StoredFile) == 0  # nothing attached before the file is whole
    last = _piece(client, row, 2048, PHOTO[2048:])
    assert last.status_code == 200
    answer = last.get_json()
    assert answer["done"] is True and answer["offset"] == 2500
    stored = db.session.scalar(select(StoredFile))
    assert answer["file"] == {
        "id": stored.id,
        "name": "papan alur.png",
        "description": "Foto papan alur",
        "url": f"/files/{stored.id}",
    }
    # attached to the row as an upload in one piece is: the whole file, its checksum, who
    assert stored.owner_type == "audit_checklist_rows" and stored.owner_id == row.id
    assert stored.size == 2500 and stored.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert stored.content_type == "image/png" and stored.uploaded_by_id == world.member.id
    download = client.get(f"/files/{stored.id}")
    assert download.data == PHOTO
    download.close()
    # in the history, as any attached file; the transfer itself is gone
    assert db.session.scalar(
        select(func.count())
        .select_from(HistoryEntry)
        .where(HistoryEntry.record_type == "stored_files", HistoryEntry.record_id == stored.id)
    )
    assert _count(FileUploadPart) == 0
    # the answer to the last piece was lost: asked again, the server says it is attached, and
    # the last piece sent again attaches nothing twice
    again = _begin(client, row).get_json()
    assert again["done"] is True and again["file"]["id"] == stored.id
    assert _piece(client, row, 2048, PHOTO[2048:]).status_code == 409
    assert _count(StoredFile) == 1


def test_a_piece_out_of_place_or_sent_twice_is_refused_with_the_servers_offset(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    _begin(client, row)
    ahead = _piece(client, row, 1024, PHOTO[1024:2048])  # the first piece never arrived
    assert ahead.status_code == 409 and ahead.get_json()["offset"] == 0
    assert _piece(client, row, 0, PHOTO[:1024]).status_code == 200
    twice = _piece(client, row, 0, PHOTO[:1024])  # its answer was lost: sent again
    assert twice.status_code == 409 and twice.get_json()["offset"] == 1024
    assert _count(FileUploadPart) == 1
    db.session.expire_all()
    assert db.session.scalar(select(FileUpload.received)) == 1024
    # going on from the server's offset completes the file, whole and in order
    _piece(client, row, 1024, PHOTO[1024:2048])
    assert _piece(client, row, 2048, PHOTO[2048:]).get_json()["done"]
    assert db.session.scalar(select(StoredFile.sha256)) == hashlib.sha256(PHOTO).hexdigest()


def test_too_large_and_wrong_type_are_refused(world, client, auth, web_app):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    _begin(client, row)
    # a piece over the limit per request
    big = _piece(client, row, 0, PHOTO[:1025])
    assert big.status_code == 413 and "1 KB" in big.get_json()["error"]["message"]
    # a file over the limit per file, said at the start
    web_app.config["MAX_UPLOAD_MB"] = 1
    over = _begin(client, row, key="f" * 32, size=1024 * 1024 + 1)
    assert over.status_code == 413 and "1 MB" in over.get_json()["error"]["message"]
    # more than it said it was
    small = _begin(client, row, key="e" * 32, size=100)
    assert small.status_code == 200
    longer = _piece(client, row, 0, PHOTO[:200], key="e" * 32)
    assert longer.status_code == 422
    # a type not accepted is refused at its first piece, before the rest is sent
    _begin(client, row, key="d" * 32, size=3000)
    exe = _piece(client, row, 0, b"MZ" + b"\x00" * 1000, key="d" * 32)
    assert exe.status_code == 422 and "PNG, JPEG" in exe.get_json()["error"]["message"]
    # an empty file, a key that is not one
    assert _begin(client, row, key="c" * 32, size=0).status_code == 422
    assert _begin(client, row, key="not a key").status_code == 422
    assert _count(StoredFile) == 0 and _count(FileUploadPart) == 0


def test_another_users_upload_is_not_found_and_nobody_outside_the_team_uploads(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    _begin(client, row)
    _piece(client, row, 0, PHOTO[:1024])
    # the lead of the same audit may attach files, but not into the member's upload
    auth.logout()
    auth.login(world.lead)
    assert _piece(client, row, 1024, PHOTO[1024:2048]).status_code == 404
    # the same key is the lead's own, new upload (keys are per user)
    assert _begin(client, row).get_json()["offset"] == 0
    # outside the team: refused before anything is stored
    for user in (world.officer, world.reviewer, world.other_officer):
        auth.logout()
        auth.login(user)
        assert _begin(client, row, key="a" * 32).status_code in (403, 404), user
        assert _piece(client, row, 1024, PHOTO[1024:2048]).status_code in (403, 404), user
    db.session.expire_all()
    assert _count(FileUpload) == 2 and _count(FileUploadPart) == 1


def test_an_audit_no_longer_in_progress_takes_no_more_pieces(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    _begin(client, row)
    _piece(client, row, 0, PHOTO[:1024])
    audit.status = AuditStatus.REPORTED
    db.session.commit()
    refused = _piece(client, row, 1024, PHOTO[1024:2048])
    assert refused.status_code == 403
    assert _begin(client, row, key="b" * 32).status_code == 403
    assert _count(StoredFile) == 0 and _count(FileUploadPart) == 1


def test_an_ended_session_uploads_nothing(world, client, auth):
    audit = started_audit(world)
    row = audit.rows[0]
    auth.login(world.member)
    _begin(client, row)
    auth.logout()
    assert _piece(client, row, 0, PHOTO[:1024]).status_code in (302, 401)
    assert _begin(client, row, key="b" * 32).status_code in (302, 401)
    assert _count(FileUploadPart) == 0 and _count(FileUpload) == 1
