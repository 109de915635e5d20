"""Product SNIs and the readiness checklist as data: the two checklist kinds this feature owns,
their JSON Schemas, and upserts by stable keys (standard code + parameter key, checklist code +
item key). Loading a file twice changes nothing; entries missing from a file are retired."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from qms.core.checklists import Kind, bilingual, register_kind
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.sme.models import ProductStandard, ReadinessChecklist, ReadinessItem, TestParameter
from qms.sme.vocabulary import ProductCategory

KEY = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}

PRODUCT_STANDARD_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["kind", "code", "number", "year", "title", "category", "mandatory", "parameters"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "product_standard"},
        "code": {"type": "string", "pattern": "^SNI-[0-9A-Z-]+$"},
        "number": {"type": "string", "pattern": "^SNI [0-9]"},
        "year": {"type": "integer", "minimum": 1970, "maximum": 2100},
        "title": bilingual("title"),
        "category": {"enum": [c.value for c in ProductCategory]},
        "mandatory": {"type": "boolean"},
        "confirmed": {"type": "boolean"},
        "note": {"type": "string"},
        "parameters": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/parameter"}},
    },
    "$defs": {
        "parameter": {
            "type": "object",
            "required": ["key", "name"],
            "additionalProperties": False,
            "properties": {
                "key": KEY,
                "name": bilingual("parameter name"),
                "unit": {"type": "string"},
                "min": {"type": "number"},
                "max": {"type": "number"},
                "expected": bilingual("required qualitative result"),
                "confirmed": {"type": "boolean"},
            },
            # a limit is numeric (min and/or max) or qualitative (an expected value), never both
            "oneOf": [
                {
                    "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
                    "not": {"required": ["expected"]},
                },
                {
                    "required": ["expected"],
                    "not": {"anyOf": [{"required": ["min"]}, {"required": ["max"]}]},
                },
            ],
        }
    },
}

READINESS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["kind", "code", "title", "items"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "sme_readiness"},
        "code": {"type": "string", "pattern": "^[A-Z0-9][A-Z0-9-]*$"},
        "title": bilingual("title"),
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["key", "area", "text"],
                "additionalProperties": False,
                "properties": {
                    "key": KEY,
                    "area": bilingual("area"),
                    "text": bilingual("item"),
                },
            },
        },
    },
}


def _duplicates(keys: list[str], what: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for key in keys:
        if key in seen:
            problems.append(f"{what} key {key} appears twice")
        seen.add(key)
    return problems


def check_product_standard(data: dict) -> list[str]:
    problems = _duplicates([p["key"] for p in data["parameters"]], "parameter")
    for parameter in data["parameters"]:
        if "min" in parameter and "max" in parameter and parameter["min"] > parameter["max"]:
            problems.append(f"parameter {parameter['key']}: min is greater than max")
    return problems


def check_readiness(data: dict) -> list[str]:
    return _duplicates([i["key"] for i in data["items"]], "item")


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _assign(record: Any, values: dict[str, Any]) -> None:
    """Set only what differs, so that loading an unchanged file writes no history."""
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)


def _by_code(model: type, data: dict, source_file: str) -> Any:
    """The catalogue record the file describes, found by its code (new when there is none)."""
    record = db.session.scalar(select(model).where(model.code == data["code"]))
    if record is None:
        record = model(code=data["code"], source_file=source_file)
        db.session.add(record)
    return record


def _sync_by_key(
    model: type,
    parent: InstrumentedAttribute,
    parent_id: int,
    entries: list[dict],
    values: Callable[[dict], dict[str, Any]],
) -> int:
    """The rows of one parent as the file lists them, in its order: found by their key and
    changed only where they differ, new ones added, those the file no longer lists retired.
    How many the file lists."""
    rows = db.session.scalars(select(model).where(parent == parent_id))
    existing = {row.key: row for row in rows}
    for position, entry in enumerate(entries):
        row = existing.get(entry["key"])
        if row is None:
            row = model(**{parent.key: parent_id}, key=entry["key"])
            db.session.add(row)
        _assign(row, {**values(entry), "position": position, "retired_at": None})
    keys = {entry["key"] for entry in entries}
    for key, row in existing.items():
        if key not in keys and row.retired_at is None:
            row.retired_at = utcnow()
    db.session.flush()
    return len(keys)


def _parameter_values(item: dict) -> dict[str, Any]:
    expected = item.get("expected")
    return {
        "name_id": item["name"]["id"],
        "name_en": item["name"]["en"],
        "unit": item.get("unit", ""),
        "min_value": _decimal(item.get("min")),
        "max_value": _decimal(item.get("max")),
        "expected_id": expected["id"] if expected else None,
        "expected_en": expected["en"] if expected else None,
        "confirmed": item.get("confirmed", True),
    }


def _readiness_item_values(entry: dict) -> dict[str, Any]:
    return {
        "area_id": entry["area"]["id"],
        "area_en": entry["area"]["en"],
        "text_id": entry["text"]["id"],
        "text_en": entry["text"]["en"],
    }


def upsert_product_standard(data: dict, source_file: str) -> dict[str, int]:
    standard = _by_code(ProductStandard, data, source_file)
    _assign(
        standard,
        {
            "number": data["number"],
            "year": data["year"],
            "title_id": data["title"]["id"],
            "title_en": data["title"]["en"],
            "category": ProductCategory(data["category"]),
            "mandatory": data["mandatory"],
            "confirmed": data.get("confirmed", True),
            "note": data.get("note", ""),
            "source_file": source_file,
            "retired_at": None,
        },
    )
    db.session.flush()
    parameters = _sync_by_key(
        TestParameter,
        TestParameter.standard_id,
        standard.id,
        data["parameters"],
        _parameter_values,
    )
    return {"parameters": parameters}


def upsert_readiness(data: dict, source_file: str) -> dict[str, int]:
    checklist = _by_code(ReadinessChecklist, data, source_file)
    _assign(
        checklist,
        {
            "title_id": data["title"]["id"],
            "title_en": data["title"]["en"],
            "source_file": source_file,
        },
    )
    db.session.flush()
    items = _sync_by_key(
        ReadinessItem,
        ReadinessItem.checklist_id,
        checklist.id,
        data["items"],
        _readiness_item_values,
    )
    return {"items": items}


def register() -> None:
    """Offer the two kinds to the checklist loader."""
    register_kind(
        Kind(
            "product_standard",
            PRODUCT_STANDARD_SCHEMA,
            upsert_product_standard,
            check_product_standard,
        )
    )
    register_kind(Kind("sme_readiness", READINESS_SCHEMA, upsert_readiness, check_readiness))


def standards() -> list[ProductStandard]:
    return list(
        db.session.scalars(
            select(ProductStandard)
            .where(ProductStandard.retired_at.is_(None))
            .order_by(ProductStandard.number)
        )
    )


def readiness_checklist() -> ReadinessChecklist | None:
    """The readiness checklist in use: the first loaded (there is one today)."""
    return db.session.scalar(select(ReadinessChecklist).order_by(ReadinessChecklist.id).limit(1))


def readiness_items() -> list[ReadinessItem]:
    """The items of the readiness checklist in use."""
    checklist = readiness_checklist()
    return checklist.current_items if checklist else []
