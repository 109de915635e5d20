"""The two-step import of a channel's export: the file is held server-side with a report of
every row (`preview_import`), and imported only when its uploader, having seen the report,
confirms (`confirm_import`). A complaint already known by channel and id is updated, never
doubled; the escalation rules then run for the city."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.capa.complaints.escalation import escalate_complaints
from qms.capa.complaints.parsing import Row, clean, decode, format_of, read_rows
from qms.capa.models import Channel, Complaint, ComplaintImport
from qms.capa.policies import importable_agencies
from qms.core import access
from qms.core.models import claim_confirmation
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, City

#: what an import may change on a complaint seen before (the channel's later state)
UPDATABLE = ("status", "responded_at", "rating")
#: complaints looked up per query when matching a file against those already imported
LOOKUP_BATCH = 500


def _check(user: User, record: ComplaintImport) -> tuple[list[Row], dict]:
    """Validate every row; the report names each bad row and says what a confirmation does."""
    agencies = {
        a.code.upper(): a
        for a in db.session.scalars(select(Agency).where(Agency.city_id == record.city_id))
    }
    allowed = importable_agencies(user, record.city)
    good: list[Row] = []
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    entries = read_rows(record.content, record.file_format)
    for number, raw in entries:
        row, row_errors = clean(number, raw, agencies, allowed)
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
        for start in range(0, len(ids), LOOKUP_BATCH):
            query = select(Complaint).where(
                Complaint.channel == channel,
                Complaint.external_id.in_(ids[start : start + LOOKUP_BATCH]),
            )
            for complaint in db.session.scalars(query):
                found[(complaint.channel, complaint.external_id)] = complaint
    return found


def _changes(complaint: Complaint, values: dict) -> dict[str, Any]:
    return {k: values[k] for k in UPDATABLE if getattr(complaint, k) != values[k]}


def preview_import(actor: User, city: City, filename: str, data: bytes) -> ComplaintImport:
    """Step 1: hold the file server-side and report what a confirmation would import."""
    record = ComplaintImport(city_id=city.id, city=city, uploaded_by_id=actor.id)
    access.authorize(actor, access.CREATE, record)
    content = decode(data)
    name = Path((filename or "").replace("\x00", "") or "complaints").name
    record.filename = name[: ComplaintImport.filename.type.length]
    record.file_format = format_of(filename, content)
    record.content = content
    record.sha256 = hashlib.sha256(data).hexdigest()
    _good, record.report = _check(actor, record)
    db.session.add(record)
    db.session.flush()
    return record


def may_confirm(user: User, record: ComplaintImport) -> bool:
    return record.confirmed_at is None and access.can(user, access.EDIT, record)


def confirm_import(
    actor: User, record: ComplaintImport, today: date | None = None
) -> dict[str, Any]:
    """Step 2: the uploader, having seen the report, imports the good rows (again checked).
    A complaint already known by its channel and id is updated, never duplicated. The
    escalation rules then run for the city."""
    access.authorize(actor, access.EDIT, record)
    claim_confirmation(record, actor, _l("This import was already confirmed."))
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
    db.session.flush()
    return report
