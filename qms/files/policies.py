"""Who may download an evidence file: whoever may see the record it is attached to. Features
register the models whose records carry files, so that a file's owner can be found again."""

from __future__ import annotations

from typing import Any

from qms.core import access
from qms.extensions import db
from qms.files.models import StoredFile

#: owner_type -> model class
_owner_models: dict[str, type] = {}


def register_owner(model: type) -> None:
    _owner_models[model.__tablename__] = model


def carries_files(owner: Any) -> bool:
    return type(owner).__tablename__ in _owner_models


def owner_of(stored: StoredFile) -> Any:
    model = _owner_models.get(stored.owner_type)
    return db.session.get(model, stored.owner_id) if model else None


def may_download(user: Any, stored: StoredFile) -> bool:
    owner = owner_of(stored)
    return owner is not None and access.can(user, access.VIEW, owner)
