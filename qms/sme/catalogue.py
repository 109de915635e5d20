"""Product SNIs and the readiness checklist as data: the two checklist kinds this feature owns,
their JSON Schemas, and upserts by stable keys (standard code + parameter key, checklist code +
item key). Loading a file twice changes nothing; entries missing from a file are retired.

A product SNI's table may have several columns (`variants`: the categories, forms or grades a
product is one of), each parameter a limit for all of them with exceptions per column
(`by_variant`) or for some only (`only`); every limit names its source and says whether it was
confirmed against the standard's text, and every parameter the values no result can take
(`possible`; by default 0 and, for a percentage, 100)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from qms.core.checklists import Kind, bilingual, register_kind
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.sme.catalogue_models import (
    ParameterLimit,
    ProductStandard,
    ProductVariant,
    ReadinessChecklist,
    ReadinessItem,
    TestParameter,
)
from qms.sme.vocabulary import ProductCategory

KEY = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}

#: a limit is numeric (min and/or max) or qualitative (an expected value), never both
LIMIT_KINDS = [
    {
        "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
        "not": {"required": ["expected"]},
    },
    {
        "required": ["expected"],
        "not": {"anyOf": [{"required": ["min"]}, {"required": ["max"]}]},
    },
]
LIMIT_PROPERTIES = {
    "min": {"type": "number"},
    "max": {"type": "number"},
    #: the maximum itself fails (the standard writes "< 3")
    "max_exclusive": {"type": "boolean"},
    "expected": bilingual("required qualitative result"),
    "confirmed": {"type": "boolean"},
    #: where the value comes from: the standard's table, a lab's checklist, or unknown
    "source": {"type": "string", "minLength": 3},
}

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
        "variants": {
            "type": "object",
            "required": ["label", "items"],
            "additionalProperties": False,
            "properties": {
                "label": bilingual("what the variants are (category, form, grade)"),
                "items": {
                    "type": "array",
                    "minItems": 2,
                    "items": {
                        "type": "object",
                        "required": ["key", "name"],
                        "additionalProperties": False,
                        "properties": {"key": KEY, "name": bilingual("variant")},
                    },
                },
            },
        },
        "parameters": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/parameter"}},
    },
    "$defs": {
        "parameter": {
            "type": "object",
            "required": ["key", "name", "source"],
            "additionalProperties": False,
            "properties": {
                "key": KEY,
                "name": bilingual("parameter name"),
                "unit": {"type": "string"},
                **LIMIT_PROPERTIES,
                "possible": {
                    "type": "object",
                    "additionalProperties": False,
                    "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
                    "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
                },
                "only": {"type": "array", "minItems": 1, "items": KEY},
                "by_variant": {
                    "type": "object",
                    "propertyNames": KEY,
                    "additionalProperties": {"$ref": "#/$defs/limit"},
                },
            },
            "oneOf": LIMIT_KINDS,
        },
        "limit": {
            "type": "object",
            "required": ["source"],
            "additionalProperties": False,
            "properties": LIMIT_PROPERTIES,
            "oneOf": LIMIT_KINDS,
        },
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


def _limit_problems(where: str, limit: dict, possible: tuple[Any, Any]) -> list[str]:
    problems = []
    low, high = limit.get("min"), limit.get("max")
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: min is greater than max")
    for name, value in (("min", low), ("max", high)):
        if value is None:
            continue
        if (possible[0] is not None and value < possible[0]) or (
            possible[1] is not None and value > possible[1]
        ):
            problems.append(f"{where}: {name} {value} lies outside the possible values")
    return problems


def check_product_standard(data: dict) -> list[str]:
    problems = _duplicates([p["key"] for p in data["parameters"]], "parameter")
    variant_keys = [v["key"] for v in data.get("variants", {}).get("items", [])]
    problems += _duplicates(variant_keys, "variant")
    for parameter in data["parameters"]:
        key = parameter["key"]
        possible = _possible(parameter)
        problems += _limit_problems(f"parameter {key}", parameter, possible)
        named = [*parameter.get("only", []), *parameter.get("by_variant", {})]
        for variant in named:
            if variant not in variant_keys:
                problems.append(f"parameter {key}: {variant} is not one of the variants")
        for variant, limit in parameter.get("by_variant", {}).items():
            problems += _limit_problems(f"parameter {key} ({variant})", limit, possible)
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


def _possible(item: dict) -> tuple[Any, Any]:
    """The values no result can leave: as the file says, else from 0 (to 100 for a
    percentage)."""
    given = item.get("possible", {})
    percentage = item.get("unit", "").strip().startswith("%")
    return given.get("min", 0), given.get("max", 100 if percentage else None)


def _limit_values(limit: dict, fallback: dict | None = None) -> dict[str, Any]:
    """The columns of one limit; a variant's exception takes its bounds from itself alone."""
    expected = limit.get("expected")
    source = limit if fallback is None else {**fallback, **limit}
    return {
        "min_value": _decimal(limit.get("min")),
        "max_value": _decimal(limit.get("max")),
        "max_exclusive": limit.get("max_exclusive", False),
        "expected_id": expected["id"] if expected else None,
        "expected_en": expected["en"] if expected else None,
        "confirmed": source.get("confirmed", True),
        "source": source.get("source", ""),
    }


def _parameter_values(item: dict) -> dict[str, Any]:
    low, high = _possible(item)
    return {
        "name_id": item["name"]["id"],
        "name_en": item["name"]["en"],
        "unit": item.get("unit", ""),
        **_limit_values(item),
        "possible_min": _decimal(low),
        "possible_max": _decimal(high),
    }


def _variant_values(item: dict) -> dict[str, Any]:
    return {"name_id": item["name"]["id"], "name_en": item["name"]["en"]}


def _sync_limits(standard: ProductStandard, data: dict) -> None:
    """One limit per parameter and variant the parameter applies to, as the file says; the
    cells it no longer has are removed (they are catalogue data, not quality records)."""
    variants = {v.key: v for v in standard.current_variants}
    parameters = {p.key: p for p in standard.current_parameters}
    for item in data["parameters"]:
        parameter = parameters[item["key"]]
        existing = {limit.variant_id: limit for limit in parameter.limits}
        wanted: dict[int, dict[str, Any]] = {}
        for key in item.get("only", list(variants)):
            exception = item.get("by_variant", {}).get(key)
            values = _limit_values(exception, item) if exception else _limit_values(item)
            wanted[variants[key].id] = values
        for variant_id, values in wanted.items():
            limit = existing.get(variant_id)
            if limit is None:
                limit = ParameterLimit(parameter_id=parameter.id, variant_id=variant_id)
                db.session.add(limit)
            _assign(limit, values)
        for variant_id, limit in existing.items():
            if variant_id not in wanted:
                db.session.delete(limit)
    db.session.flush()


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
            "variant_label_id": data.get("variants", {}).get("label", {}).get("id", ""),
            "variant_label_en": data.get("variants", {}).get("label", {}).get("en", ""),
            "source_file": source_file,
            "retired_at": None,
        },
    )
    db.session.flush()
    variants = _sync_by_key(
        ProductVariant,
        ProductVariant.standard_id,
        standard.id,
        data.get("variants", {}).get("items", []),
        _variant_values,
    )
    parameters = _sync_by_key(
        TestParameter,
        TestParameter.standard_id,
        standard.id,
        data["parameters"],
        _parameter_values,
    )
    db.session.refresh(standard)
    _sync_limits(standard, data)
    return {"parameters": parameters, "variants": variants}


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
