"""Product SNIs and the readiness checklist as data: the two checklist kinds this feature owns,
their JSON Schemas, and upserts by stable keys (standard code + parameter key, checklist code +
item key). Loading a file twice changes nothing; entries missing from a file are retired."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

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


def upsert_product_standard(data: dict, source_file: str) -> dict[str, int]:
    standard = db.session.scalar(
        select(ProductStandard).where(ProductStandard.code == data["code"])
    )
    if standard is None:
        standard = ProductStandard(code=data["code"], source_file=source_file)
        db.session.add(standard)
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
    existing = {
        p.key: p
        for p in db.session.scalars(
            select(TestParameter).where(TestParameter.standard_id == standard.id)
        )
    }
    for position, item in enumerate(data["parameters"]):
        parameter = existing.get(item["key"])
        if parameter is None:
            parameter = TestParameter(standard_id=standard.id, key=item["key"])
            db.session.add(parameter)
        expected = item.get("expected")
        _assign(
            parameter,
            {
                "name_id": item["name"]["id"],
                "name_en": item["name"]["en"],
                "unit": item.get("unit", ""),
                "min_value": _decimal(item.get("min")),
                "max_value": _decimal(item.get("max")),
                "expected_id": expected["id"] if expected else None,
                "expected_en": expected["en"] if expected else None,
                "confirmed": item.get("confirmed", True),
                "position": position,
                "retired_at": None,
            },
        )
    keys = {p["key"] for p in data["parameters"]}
    for key, parameter in existing.items():
        if key not in keys and parameter.retired_at is None:
            parameter.retired_at = utcnow()
    db.session.flush()
    return {"parameters": len(keys)}


def upsert_readiness(data: dict, source_file: str) -> dict[str, int]:
    checklist = db.session.scalar(
        select(ReadinessChecklist).where(ReadinessChecklist.code == data["code"])
    )
    if checklist is None:
        checklist = ReadinessChecklist(code=data["code"], source_file=source_file)
        db.session.add(checklist)
    _assign(
        checklist,
        {
            "title_id": data["title"]["id"],
            "title_en": data["title"]["en"],
            "source_file": source_file,
        },
    )
    db.session.flush()
    existing = {
        i.key: i
        for i in db.session.scalars(
            select(ReadinessItem).where(ReadinessItem.checklist_id == checklist.id)
        )
    }
    for position, entry in enumerate(data["items"]):
        item = existing.get(entry["key"])
        if item is None:
            item = ReadinessItem(checklist_id=checklist.id, key=entry["key"])
            db.session.add(item)
        _assign(
            item,
            {
                "area_id": entry["area"]["id"],
                "area_en": entry["area"]["en"],
                "text_id": entry["text"]["id"],
                "text_en": entry["text"]["en"],
                "position": position,
                "retired_at": None,
            },
        )
    keys = {i["key"] for i in data["items"]}
    for key, item in existing.items():
        if key not in keys and item.retired_at is None:
            item.retired_at = utcnow()
    db.session.flush()
    return {"items": len(keys)}


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
