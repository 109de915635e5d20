"""A city's letterhead (kop surat), printed at the top of the first page of every report about
the city: kept by the city's administrator (its emblem in the file store, checked to be a PNG
or JPEG image of limited size), read by the engine when it renders. A city without one gets a
letterhead of text made from its name and province."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core import access
from qms.core.errors import DomainError, PermissionDenied
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.files import operations as files
from qms.files.policies import register_owner
from qms.files.queries import evidence_store
from qms.organisations.models import City, CityKind
from qms.reports.models import CityLetterhead

#: the kinds of government as a letterhead names them
GOVERNMENT_WORDS = {
    CityKind.KOTA: "KOTA",
    CityKind.KABUPATEN: "KABUPATEN",
    CityKind.PROVINSI: "PROVINSI",
}
EMBLEM_TYPES = {"png": "image/png", "jpg": "image/jpeg"}
MAX_LINES = 4


@dataclass(frozen=True)
class Letterhead:
    """What a report prints: the government's name, the lines below, the emblem as a data:
    URL (the PDF fetcher loads nothing else) or None."""

    government: str
    lines: list[str] = field(default_factory=list)
    emblem: str | None = None
    emblem_sha256: str | None = None

    @property
    def fingerprint(self) -> str:
        """Changes whenever the printed letterhead does (part of a report's cache key)."""
        text = "\n".join([self.government, *self.lines, self.emblem_sha256 or ""])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_government(city: City) -> str:
    """ "PEMERINTAH KOTA KUPANG" from the city "Kota Kupang" of kind kota."""
    name = city.name.strip()
    word = GOVERNMENT_WORDS.get(city.kind, "")
    if word and not name.upper().startswith(word):
        name = f"{word} {name}"
    return f"PEMERINTAH {name}".upper()


def default_lines(city: City) -> list[str]:
    province = (city.province or "").strip()
    if not province or city.kind is CityKind.PROVINSI:
        return []
    return [province if province.upper().startswith("PROVINSI") else f"Provinsi {province}"]


def record_of(city: City) -> CityLetterhead | None:
    return db.session.scalar(select(CityLetterhead).where(CityLetterhead.city_id == city.id))


def _emblem_url(record: CityLetterhead) -> tuple[str | None, str | None]:
    stored = record.emblem
    if stored is None or stored.archived_at is not None:
        return None, None
    store = evidence_store()
    if not store.exists(stored.storage_name):  # restored without its files: print without it
        return None, None
    data = store.read(stored.storage_name)
    url = f"data:{stored.content_type};base64,{base64.b64encode(data).decode('ascii')}"
    return url, stored.sha256


def letterhead_for(city: City) -> Letterhead:
    """The letterhead the city's reports print now."""
    record = record_of(city)
    if record is None:
        return Letterhead(government=default_government(city), lines=default_lines(city))
    lines = [line.strip() for line in record.address.splitlines() if line.strip()]
    emblem, sha = _emblem_url(record)
    return Letterhead(
        government=record.government or default_government(city),
        lines=lines[:MAX_LINES] if lines else default_lines(city),
        emblem=emblem,
        emblem_sha256=sha,
    )


def may_change(user: Any, city: City) -> bool:
    """The city's administrator and the system administrator; everyone else reads."""
    return access.can(user, access.EDIT, record_of(city) or CityLetterhead(city_id=city.id))


def _checked_emblem(stream: IO[bytes]) -> bytes:
    limit_kb = current_app.config["LETTERHEAD_EMBLEM_MAX_KB"]
    data = stream.read(limit_kb * 1024 + 1)
    if len(data) > limit_kb * 1024:
        raise DomainError(
            _l("The emblem is larger than %(kb)s KB: save it smaller.", kb=limit_kb),
            field="emblem_file",
        )
    if not data:
        raise DomainError(_l("The file is empty."), field="emblem_file")
    try:
        extension = files.detect_type(data)
    except DomainError:
        extension = ""
    if extension not in EMBLEM_TYPES:
        raise DomainError(
            _l("The emblem must be a PNG or JPEG image (the content is checked, not the name)."),
            field="emblem_file",
        )
    return data


def save(
    actor: Any,
    city: City,
    values: dict[str, Any],
    emblem: IO[bytes] | None = None,
    emblem_name: str = "",
) -> CityLetterhead:
    """Change the city's letterhead; a new emblem replaces (archives) the former one."""
    if not may_change(actor, city):
        raise PermissionDenied(_l("Only the city's administrator may change its letterhead."))
    lines = [line.strip() for line in (values.get("address") or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise DomainError(
            _l("A letterhead has at most %(n)s address lines.", n=MAX_LINES), field="address"
        )
    data = _checked_emblem(emblem) if emblem is not None else None
    record = record_of(city)
    if record is None:
        record = CityLetterhead(city_id=city.id, city=city)
        db.session.add(record)
    record.government = (values.get("government") or "").strip()
    record.address = "\n".join(lines)
    db.session.flush()
    if data is not None or values.get("remove_emblem"):
        former = record.emblem
        if former is not None and former.archived_at is None:
            former.archived_at = utcnow()
            former.archived_by_id = actor.id
        record.emblem = None
        if data is not None:
            record.emblem = files.store(io.BytesIO(data), emblem_name or "emblem", record, actor)
    db.session.flush()
    return record


def register() -> None:
    register_owner(CityLetterhead)
