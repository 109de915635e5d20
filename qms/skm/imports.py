"""The two-step import of respondents' answers, as the complaint import works: the file (a CSV,
or a JSON array sent to the API) is held server-side with a report of every row
(`preview_import`), and its good rows are stored only when its uploader, having seen the
report, confirms (`confirm_import`). The same content confirmed twice for a survey stores
nothing the second time: the report says which import stored it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.accounts.models import User
from qms.core import access
from qms.core.errors import DomainError
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.skm import operations, parsing
from qms.skm.models import Import, Survey
from qms.skm.vocabulary import Channel


def _check(record: Import) -> tuple[list[parsing.Row], dict[str, Any]]:
    good: list[parsing.Row] = []
    errors: list[dict] = []
    entries = parsing.read_rows(record.content, record.file_format)
    for number, raw in entries:
        row, row_errors = parsing.clean(number, raw, record.survey)
        errors.extend(row_errors)
        if row is not None:
            good.append(row)
    stored_by = _stored_before(record)
    report = {
        "total": len(entries),
        "valid": len(good),
        "errors": errors,
        # the import that already stored this very content, if any: a confirmation stores none
        "already_imported": stored_by,
    }
    return good, report


def _stored_before(record: Import) -> int | None:
    return db.session.scalar(
        select(Import.id)
        .where(
            Import.survey_id == record.survey_id,
            Import.sha256 == record.sha256,
            Import.confirmed_at.is_not(None),
            Import.id != (record.id or 0),
        )
        .order_by(Import.id)
        .limit(1)
    )


def preview_import(
    actor: User, survey: Survey, filename: str, data: bytes, *, file_format: str = "csv"
) -> Import:
    """Step 1: hold the content and report what a confirmation would store."""
    record = Import(survey_id=survey.id, survey=survey, uploaded_by_id=actor.id)
    access.authorize(actor, access.CREATE, record)
    refusal = operations.collecting_refusal(survey)
    if refusal is not None:
        raise DomainError(refusal)
    record.content = parsing.decode(data)
    name = Path((filename or "").replace("\x00", "") or "responses").name
    record.filename = name[: Import.filename.type.length]
    record.file_format = file_format
    record.sha256 = hashlib.sha256(data).hexdigest()
    _good, record.report = _check(record)
    db.session.add(record)
    db.session.flush()
    return record


def may_confirm(user: User, record: Import) -> bool:
    return record.confirmed_at is None and access.can(user, access.EDIT, record)


def pending_import(user: User, survey: Survey) -> Import:
    """The caller's latest import of the survey still to be confirmed (the API's confirm)."""
    record = db.session.scalar(
        select(Import)
        .where(
            Import.survey_id == survey.id,
            Import.uploaded_by_id == user.id,
            Import.confirmed_at.is_(None),
        )
        .order_by(Import.id.desc())
        .limit(1)
    )
    if record is None:
        raise DomainError(_l("There is no upload of yours waiting to be confirmed."))
    return record


def confirm_import(actor: User, record: Import) -> dict[str, Any]:
    """Step 2: the uploader, having seen the report, stores the good rows (checked again: the
    survey may have changed). Content already stored by an earlier import stores nothing."""
    access.authorize(actor, access.EDIT, record)
    if record.confirmed_at is not None:
        raise DomainError(_l("This import was already confirmed."))
    refusal = operations.collecting_refusal(record.survey)
    if refusal is not None:
        raise DomainError(refusal)
    good, report = _check(record)
    if report["already_imported"] is None:
        channel = Channel.API if record.file_format == "json" else Channel.FILE
        record.stored = operations.store_rows(record.survey, good, channel, record.id)
    report["stored"] = record.stored
    record.report = report
    record.confirmed_at = utcnow()
    record.confirmed_by_id = actor.id
    db.session.flush()
    return report
