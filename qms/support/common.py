"""What the support operations share: setting fields from a form's values, saving an entry of
a register (and a register's one save offered as the create and the update its pages and the
API call), the refusals every register uses, archiving."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from qms.core import access, archiving
from qms.core.errors import DomainError
from qms.extensions import db
from qms.organisations.models import Unit


def apply(record: Any, values: dict[str, Any], fields: Iterable[str]) -> None:
    """Set the fields present in `values` (texts stripped; an empty optional text is "")."""
    for name in fields:
        if name in values:
            value = values[name]
            if isinstance(value, str):
                value = value.strip()
            elif value is None and isinstance(getattr(record, name, None), str):
                value = ""
            setattr(record, name, value)


Entry = TypeVar("Entry")


def creating(save: Callable[..., Entry]) -> Callable[[Any, Any, dict[str, Any]], Entry]:
    """A register's `save(actor, values, agency=…)` as the create(actor, agency, values) that
    its pages and the API call."""
    return lambda actor, agency, values: save(actor, values, agency=agency)


def changing(save: Callable[..., Entry]) -> Callable[[Any, Any, dict[str, Any]], Entry]:
    """A register's `save(actor, values, record=…)` as the update(actor, record, values) that
    its pages and the API call."""
    return lambda actor, record, values: save(actor, values, record=record)


def save_entry(
    actor: Any,
    record: Entry,
    values: dict[str, Any],
    fields: Iterable[str],
    check: Callable[[Entry], None],
) -> Entry:
    """Create an entry of a register (a record without an id yet) or change one: the actor's
    permission (to create it where it goes, or to edit it, refused when archived), its fields
    from the values, the register's own rules (`check`), then it is added and flushed."""
    if getattr(record, "id", None) is None:
        access.authorize(actor, access.CREATE, record)
    else:
        archiving.authorize_change(actor, record)
    apply(record, values, fields)
    check(record)
    db.session.add(record)
    db.session.flush()
    return record


def saving(
    model: Callable[..., Entry],
    fields: Iterable[str],
    check: Callable[[Entry, dict[str, Any]], None],
    **defaults: Any,
) -> Callable[..., Entry]:
    """A register's one save, `save(actor, values, agency=…)` for a new entry in the agency
    (with `defaults`) or `save(actor, values, record=…)` for a change, as `save_entry` does;
    `check(entry, values)` is the register's own rules."""

    def save(
        actor: Any, values: dict[str, Any], *, agency: Any = None, record: Any = None
    ) -> Entry:
        if record is None:
            record = model(agency_id=agency.id, agency=agency, **defaults)
        return save_entry(actor, record, values, fields, lambda entry: check(entry, values))

    return save


def required_text(value: str | None, field: str, message: Any) -> None:
    if not (value or "").strip():
        raise DomainError(message, field=field)


def own_unit(unit_id: int | None, agency_id: int) -> None:
    if unit_id is None:
        return
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.agency_id != agency_id:
        raise DomainError(_l("Choose one of the agency's own units."), field="unit_id")


def archive(actor: Any, record: Any) -> Any:
    """Take an entry out of its register (records are never deleted)."""
    return archiving.archive(actor, record)


def attach_upload(actor: Any, owner: Any, values: dict[str, Any], description: str = "") -> None:
    """Store the certificate or evidence file a form carried, if any (nothing when none)."""
    from qms.files import operations as files

    upload = values.get("file")
    if upload is not None and getattr(upload, "filename", ""):
        files.store(upload.stream, upload.filename, owner, actor, description=description)
