"""Public complaints (Qlue, SP4N-LAPOR!, the counter) as feedback records (8.2.1, 9.1.2): a
two-step import (preview with every bad row named, then the officer's confirmation) and the
configurable rules that escalate complaints to nonconformities (10.2)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.capa import services
from qms.capa.models import (
    Channel,
    Complaint,
    ComplaintImport,
    ComplaintStatus,
    NcGrade,
    NcSource,
    Nonconformity,
)
from qms.capa.settings import setting
from qms.core import access
from qms.core.errors import DomainError
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.organisations.policies import agency_visibility

COLUMNS = (
    "id",
    "channel",
    "received_at",
    "agency",
    "service",
    "category",
    "text",
    "location",
    "status",
    "response_date",
    "rating",
)
REQUIRED = ("id", "channel", "received_at", "agency", "category", "text")

#: spellings seen in the channels' exports -> our values
CHANNEL_ALIASES = {
    "qlue": Channel.QLUE,
    "lapor": Channel.LAPOR,
    "sp4n-lapor": Channel.LAPOR,
    "sp4n-lapor!": Channel.LAPOR,
    "lapor!": Channel.LAPOR,
    "counter": Channel.COUNTER,
    "loket": Channel.COUNTER,
    "other": Channel.OTHER,
    "lainnya": Channel.OTHER,
}
STATUS_ALIASES = {
    "menunggu": ComplaintStatus.WAITING,
    "waiting": ComplaintStatus.WAITING,
    "baru": ComplaintStatus.WAITING,
    "proses": ComplaintStatus.IN_PROGRESS,
    "diproses": ComplaintStatus.IN_PROGRESS,
    "in_progress": ComplaintStatus.IN_PROGRESS,
    "selesai": ComplaintStatus.RESOLVED,
    "tl": ComplaintStatus.RESOLVED,
    "resolved": ComplaintStatus.RESOLVED,
    "done": ComplaintStatus.RESOLVED,
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)
#: what an import may change on a complaint seen before (the channel's later state)
UPDATABLE = ("status", "responded_at", "rating")


def row_error_text(error: dict[str, Any]) -> str:
    """A bad row's reason in the reader's language (stored as a code, shown when read)."""
    value = error.get("value", "")
    messages = {
        "missing": lambda: _("The column “%(value)s” is empty.", value=value),
        "bad_date": lambda: _(
            "The column “%(column)s”: “%(value)s” is not a date (use YYYY-MM-DD HH:MM).",
            column=error.get("column", "–"),
            value=value,
        ),
        "unknown_agency": lambda: _(
            "No agency with the code “%(value)s” in this city.", value=value
        ),
        "not_your_agency": lambda: _("You may not import complaints for “%(value)s”.", value=value),
        "unknown_channel": lambda: _("Unknown channel “%(value)s”.", value=value),
        "unknown_status": lambda: _("Unknown status “%(value)s”.", value=value),
        "bad_rating": lambda: _(
            "The rating must be a whole number from 1 to 5, not “%(value)s”.", value=value
        ),
        "duplicate": lambda: _("The same channel and id as row %(value)s.", value=value),
        "response_before_received": lambda: _("The response date is before the date received."),
        "not_an_object": lambda: _("The entry is not an object with the complaint's fields."),
    }
    return messages[error["code"]]()


@dataclass
class Row:
    number: int
    values: dict[str, Any]


def _parse_date(raw: str) -> datetime | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern)
        except ValueError:
            continue
    return None


def read_rows(content: str, file_format: str) -> list[tuple[int, Any]]:
    """(row number, raw entry) pairs. CSV rows are numbered as in a spreadsheet (the header is
    row 1); JSON entries from 1."""
    if file_format == "json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise DomainError(
                _("The file is not valid JSON (line %(line)s).", line=exc.lineno), field="file"
            ) from exc
        if isinstance(data, dict):
            data = data.get("complaints")
        if not isinstance(data, list):
            raise DomainError(
                _l('The JSON must be a list of complaints (or {"complaints": [...]}).'),
                field="file",
            )
        return list(enumerate(data, start=1))
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DomainError(
            _("The file lacks the columns: %(columns)s.", columns=", ".join(missing)),
            field="file",
        )
    reader.fieldnames = header
    return [(number, raw) for number, raw in enumerate(reader, start=2)]


def _clean(
    number: int, raw: Any, agencies: dict[str, Agency], allowed: set[int]
) -> tuple[Row | None, list[dict]]:
    if not isinstance(raw, dict):
        return None, [{"row": number, "id": "", "code": "not_an_object"}]
    text = {k.strip().lower(): ("" if v is None else str(v).strip()) for k, v in raw.items() if k}
    errors: list[dict] = []

    def fail(code: str, value: Any = "", column: str = "") -> None:
        error = {"row": number, "id": text.get("id", ""), "code": code, "value": str(value)}
        errors.append({**error, "column": column} if column else error)

    for column in REQUIRED:
        if not text.get(column):
            fail("missing", column)
    channel = CHANNEL_ALIASES.get(text.get("channel", "").lower())
    if text.get("channel") and channel is None:
        fail("unknown_channel", text["channel"])
    dates: dict[str, datetime | None] = {}
    for column in ("received_at", "response_date"):
        dates[column] = _parse_date(text[column]) if text.get(column) else None
        if text.get(column) and dates[column] is None:
            fail("bad_date", text[column], column=column)
    received, responded = dates["received_at"], dates["response_date"]
    if received and responded and responded < received:
        fail("response_before_received")
    agency = agencies.get(text.get("agency", "").upper())
    if text.get("agency") and agency is None:
        fail("unknown_agency", text["agency"])
    elif agency is not None and agency.id not in allowed:
        fail("not_your_agency", text["agency"])
    status = STATUS_ALIASES.get(text.get("status", "").lower()) if text.get("status") else None
    if text.get("status") and status is None:
        fail("unknown_status", text["status"])
    rating = None
    if text.get("rating"):
        try:
            rating = int(text["rating"])
        except ValueError:
            rating = 0
        if not 1 <= rating <= 5:
            fail("bad_rating", text["rating"])
    if errors:
        return None, errors
    if status is None:
        status = ComplaintStatus.RESOLVED if responded else ComplaintStatus.WAITING
    return Row(
        number,
        {
            "external_id": text["id"][:64],
            "channel": channel,
            "received_at": received,
            "agency_id": agency.id,
            "service": text.get("service", "")[:255],
            "category": text["category"][:120],
            "text": text["text"],
            "location": text.get("location", "")[:255],
            "status": status,
            "responded_at": responded,
            "rating": rating,
        },
    ), []


def _importable_agencies(user: User, city: City) -> set[int]:
    """A city admin imports for every agency of the city; a quality officer for their own."""
    agencies = db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    return {a.id for a in agencies if access.manages_agency(user, a)}


def _check(user: User, record: ComplaintImport) -> tuple[list[Row], dict]:
    """Validate every row; the report names each bad row and says what a confirmation does."""
    agencies = {
        a.code.upper(): a
        for a in db.session.scalars(select(Agency).where(Agency.city_id == record.city_id))
    }
    allowed = _importable_agencies(user, record.city)
    good: list[Row] = []
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    entries = read_rows(record.content, record.file_format)
    for number, raw in entries:
        row, row_errors = _clean(number, raw, agencies, allowed)
        if row is not None:
            key = (row.values["channel"], row.values["external_id"])
            if key in seen:
                row_errors = [
                    {"row": number, "id": key[1], "code": "duplicate", "value": str(seen[key])}
                ]
                row = None
            else:
                seen[key] = number
        errors.extend(row_errors)
        if row is not None:
            good.append(row)
    existing = _existing([r.values for r in good])
    new = updated = 0
    for row in good:
        found = existing.get((row.values["channel"], row.values["external_id"]))
        if found is None:
            new += 1
        elif _changes(found, row.values):
            updated += 1
    report = {
        "total": len(entries),
        "valid": len(good),
        "new": new,
        "updated": updated,
        "unchanged": len(good) - new - updated,
        "errors": errors,
    }
    return good, report


def _existing(values: list[dict]) -> dict[tuple, Complaint]:
    found: dict[tuple, Complaint] = {}
    by_channel: dict[Channel, list[str]] = defaultdict(list)
    for v in values:
        by_channel[v["channel"]].append(v["external_id"])
    for channel, ids in by_channel.items():
        for start in range(0, len(ids), 500):
            query = select(Complaint).where(
                Complaint.channel == channel, Complaint.external_id.in_(ids[start : start + 500])
            )
            for complaint in db.session.scalars(query):
                found[(complaint.channel, complaint.external_id)] = complaint
    return found


def _changes(complaint: Complaint, values: dict) -> dict[str, Any]:
    return {k: values[k] for k in UPDATABLE if getattr(complaint, k) != values[k]}


def _format_of(filename: str, content: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix[1:]
    return "json" if content.lstrip()[:1] in ("[", "{") else "csv"


def preview_import(actor: User, city: City, filename: str, data: bytes) -> ComplaintImport:
    """Step 1: hold the file server-side and report what a confirmation would import."""
    record = ComplaintImport(city_id=city.id, city=city, uploaded_by_id=actor.id)
    access.authorize(actor, access.CREATE, record)
    if not data:
        raise DomainError(_l("The file is empty."), field="file")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(_l("The file must be UTF-8 text (CSV or JSON)."), field="file") from exc
    record.filename = Path(filename or "complaints").name[:255]
    record.file_format = _format_of(filename, content)
    record.content = content
    record.sha256 = hashlib.sha256(data).hexdigest()
    _good, record.report = _check(actor, record)
    db.session.add(record)
    db.session.flush()
    return record


def confirm_import(
    actor: User, record: ComplaintImport, today: date | None = None
) -> dict[str, Any]:
    """Step 2: the uploader, having seen the report, imports the good rows (again checked).
    A complaint already known by its channel and id is updated, never duplicated. The
    escalation rules then run for the city."""
    access.authorize(actor, access.EDIT, record)
    if record.confirmed_at is not None:
        raise DomainError(_l("This import was already confirmed."))
    good, report = _check(actor, record)
    existing = _existing([r.values for r in good])
    for row in good:
        found = existing.get((row.values["channel"], row.values["external_id"]))
        if found is None:
            db.session.add(Complaint(import_id=record.id, **row.values))
        else:
            for name, value in _changes(found, row.values).items():
                setattr(found, name, value)
    db.session.flush()
    escalated = escalate_complaints(record.city, today or local_today(), actor)
    report["escalated"] = [nc.number for nc in escalated]
    record.report = report
    record.confirmed_at = utcnow()
    record.confirmed_by_id = actor.id
    db.session.flush()
    return report


# --- escalation ---------------------------------------------------------------------------


def _breached(complaint: Complaint, today: date, days: int) -> bool:
    answered = complaint.responded_at.date() if complaint.responded_at else today
    return (answered - complaint.received_at.date()).days > days


def similar_clusters(complaints: list[Complaint], count: int, window_days: int) -> set[int]:
    """Ids of complaints that belong to ≥ count complaints of one agency and category received
    within window_days of each other."""
    groups: dict[tuple, list[Complaint]] = defaultdict(list)
    for c in complaints:
        groups[(c.agency_id, c.category.strip().lower())].append(c)
    members: set[int] = set()
    window = timedelta(days=window_days)
    for group in groups.values():
        group.sort(key=lambda c: (c.received_at, c.id))
        start = 0
        for end, complaint in enumerate(group):
            while complaint.received_at - group[start].received_at >= window:
                start += 1
            if end - start + 1 >= count:
                members.update(c.id for c in group[start : end + 1])
    return members


def _open_escalation(key: str) -> Nonconformity | None:
    return db.session.scalar(
        select(Nonconformity)
        .where(
            Nonconformity.escalation_key == key,
            Nonconformity.is_open,
            Nonconformity.archived_at.is_(None),
        )
        .order_by(Nonconformity.id)
        .limit(1)
    )


def _references(complaints: list[Complaint]) -> str:
    shown = ", ".join(c.record_label for c in complaints[:20])
    more = len(complaints) - 20
    return shown + (f" (+{more})" if more > 0 else "")


def _escalate(
    key: str,
    complaints: list[Complaint],
    actor: User | None,
    today: date,
    clause: str,
    criterion: str,
    statement: str,
) -> Nonconformity | None:
    """Link the complaints to the open nonconformity of this rule, raising one if none is open.
    The texts are the city's record, written in Indonesian like the complaints themselves."""
    nc = _open_escalation(key)
    created = None
    if nc is None:
        agency = complaints[0].agency
        nc = created = services.raise_from_finding(
            agency=agency,
            clause=clause,
            requirement=criterion,
            evidence="Pengaduan masyarakat: " + _references(complaints),
            statement=statement,
            grade=NcGrade.MINOR,
            raised_by=actor,
            raised_on=today,
            source=NcSource.COMPLAINT,
            source_reference=_references(complaints)[:255],
            criterion=criterion[:255],
        )
        nc.escalation_key = key
    for complaint in complaints:
        complaint.nonconformity_id = nc.id
    db.session.flush()
    return created


def escalate_complaints(city: City, today: date, actor: User | None = None) -> list[Nonconformity]:
    """Apply the rules to the city's complaints not yet linked to a nonconformity: first the
    systemic one (≥ N similar complaints for an agency and category within the window), then
    the response time (no answer within COMPLAINT_RESPONSE_DAYS). Returns the new ones."""
    days = setting("COMPLAINT_RESPONSE_DAYS")
    count = setting("COMPLAINT_SIMILAR_COUNT")
    window = setting("COMPLAINT_SIMILAR_WINDOW_DAYS")
    complaints = list(
        db.session.scalars(
            select(Complaint)
            .join(Agency, Agency.id == Complaint.agency_id)
            .where(Agency.city_id == city.id)
            .order_by(Complaint.received_at, Complaint.id)
        )
    )
    created: list[Nonconformity] = []
    clustered = similar_clusters(complaints, count, window)
    groups: dict[tuple, list[Complaint]] = defaultdict(list)
    for c in complaints:
        if c.id in clustered and c.nonconformity_id is None:
            groups[(c.agency_id, c.category.strip().lower())].append(c)
    for (agency_id, category), members in sorted(groups.items()):
        nc = _escalate(
            f"complaint-similar:{agency_id}:{category[:80]}",
            members,
            actor,
            today,
            "9.1.2",
            f"Aturan eskalasi: ≥ {count} pengaduan serupa dalam {window} hari",
            f"{len(members)} pengaduan masyarakat berkategori “{members[0].category}” untuk "
            f"{members[0].agency.name} dalam {window} hari: masalah berulang yang belum "
            "dianalisis dan ditindaklanjuti secara sistemik.",
        )
        if nc is not None:
            created.append(nc)
    late: dict[int, list[Complaint]] = defaultdict(list)
    for c in complaints:
        if c.nonconformity_id is None and _breached(c, today, days):
            late[c.agency_id].append(c)
    for agency_id, members in sorted(late.items()):
        nc = _escalate(
            f"complaint-response:{agency_id}",
            members,
            actor,
            today,
            "8.2.1",
            f"SP4N-LAPOR: pengaduan ditindaklanjuti paling lambat {days} hari",
            f"{len(members)} pengaduan masyarakat untuk {members[0].agency.name} tidak "
            f"ditanggapi dalam {days} hari sejak diterima.",
        )
        if nc is not None:
            created.append(nc)
    return created


# --- access -------------------------------------------------------------------------------


class ComplaintPolicy(access.Policy):
    def visible(self, user: User):
        return agency_visibility(user, Complaint.agency_id)

    def allows(self, user: User, action: str, record: Complaint) -> bool:
        agency = record.agency or db.session.get(Agency, record.agency_id)
        return access.manages_agency(user, agency)


class ImportPolicy(access.Policy):
    """An import is seen by its uploader and the city's readers; only the uploader, who saw
    the report, confirms it."""

    def visible(self, user: User):
        return access.any_of(
            [
                ComplaintImport.uploaded_by_id == user.id,
                access.city_visibility(
                    user,
                    ComplaintImport.city_id,
                    city_roles=(Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER),
                ),
            ]
        )

    def allows(self, user: User, action: str, record: ComplaintImport) -> bool:
        if action == access.CREATE:
            return bool(_importable_agencies(user, record.city))
        return record.uploaded_by_id == user.id


access.register_policy(Complaint, ComplaintPolicy())
access.register_policy(ComplaintImport, ImportPolicy())


def import_cities(user: User) -> list[City]:
    """The cities the user may import complaints for."""
    cities = db.session.scalars(access.scoped(City, user).order_by(City.name))
    return [c for c in cities if _importable_agencies(user, c)]
