"""What the API's OpenAPI document is generated from, so that it cannot drift from what the
server does:

- **Output** is declared once per resource as a `Resource` (a pydantic model). A response is
  built by validating the record into its resource (`DocumentOut.of(document)`), so a value the
  declaration does not allow (a null where none is declared, a missing field) fails where it is
  made, and the schema in the document is generated from the same class.
- **Input** is validated by the WTForms forms the HTML pages use (one place for every rule);
  the request schemas are generated from those forms: types, required fields, lengths, ranges,
  fixed choices and patterns, with the field labels as descriptions.

Why not a framework (APIFlask, flask-smorest with marshmallow, spectree): each validates input
with its own schemas, which would state every rule a second time beside the forms the pages
use. Generating the input schema from the forms keeps each rule in one place; pydantic
declares the output, where there is no form.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from flask_babel import force_locale
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FileField,
    IntegerField,
    SelectFieldBase,
    SelectMultipleField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from qms.core.labels import label_of


def _utc_iso(value: datetime) -> str:
    # timestamps are stored as naive UTC: say so, as RFC 3339 asks
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.isoformat().replace("+00:00", "Z")


#: a stored (naive UTC) timestamp, answered as RFC 3339 with its "Z"
Timestamp = Annotated[
    datetime,
    PlainSerializer(_utc_iso, return_type=str, when_used="json"),
]


class Resource(BaseModel):
    """One kind of record as the API answers it. Subclasses declare their fields with types
    (`int | None` where null is possible) and may override `of` for values that are not plain
    attributes of the record. `labels_from` names the model whose column labels describe the
    fields in the OpenAPI document."""

    model_config = ConfigDict(from_attributes=True, extra="forbid", frozen=True)

    labels_from: ClassVar[type | None] = None

    @classmethod
    def of(cls, record: Any) -> Self:
        return cls.model_validate(record)

    @classmethod
    def from_record(cls, record: Any, **computed: Any) -> Self:
        """For an `of` with values that are not plain attributes: the record's attributes of
        the fields' names, and the `computed` values of the others."""
        return cls.model_validate(_Computed(record, computed))


class _Computed:
    """A record seen with some of its attributes replaced by computed values."""

    def __init__(self, record: Any, computed: dict[str, Any]) -> None:
        self._record = record
        self._computed = computed

    def __getattr__(self, name: str) -> Any:
        if name in self._computed:
            return self._computed[name]
        return getattr(self._record, name)


#: whether the record is archived (taken out of its register, never deleted): read from the
#: record's `is_archived`, so that a resource need not compute it
Archived = Annotated[bool, Field(validation_alias=AliasChoices("archived", "is_archived"))]
#: the same, for the record of a register
InRegisterArchived = Annotated[
    Archived, Field(description="Taken out of the register (never deleted)")
]


# --- the output schemas -------------------------------------------------------------------


class _ComponentNames(GenerateJsonSchema):
    """Resource classes are named `…Out` in code; the document names them without the suffix."""

    def normalize_name(self, name: str) -> str:
        return re.sub(r"Out$", "", super().normalize_name(name))


def _all_resources(roots: set[type[Resource]]) -> dict[str, type[Resource]]:
    found: dict[str, type[Resource]] = {}

    def visit(model: type[BaseModel]) -> None:
        name = model.__name__.removesuffix("Out")
        if name in found:
            return
        if issubclass(model, Resource):
            found[name] = model
        for field in model.model_fields.values():
            for candidate in _models_in(field.annotation):
                visit(candidate)

    for root in roots:
        visit(root)
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def output_schemas(resources: set[type[Resource]]) -> dict[str, dict]:
    """The component schemas of these resources and of everything they contain."""
    if not resources:
        return {}
    ordered = sorted(resources, key=lambda r: r.__name__)
    _mapping, top = models_json_schema(
        [(r, "serialization") for r in ordered],
        ref_template="#/components/schemas/{model}",
        schema_generator=_ComponentNames,
    )
    components = top.get("$defs", {})
    for name, schema in components.items():
        # the names in code ("AgencyOut", "City Id") are not the document's
        schema["title"] = name
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
    with force_locale("en"):
        for name, resource in _all_resources(set(ordered)).items():
            if name in components and resource.labels_from is not None:
                _describe(components[name], resource.labels_from)
    return components


def _describe(schema: dict, model: type) -> None:
    for name, prop in schema.get("properties", {}).items():
        label = label_of(model, name)
        if label is not None and "description" not in prop:
            prop["description"] = str(label)


# --- the input schemas, from the forms ----------------------------------------------------

#: a date and time as MomentField reads it (in the offices' time zone)
MOMENT_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$"


def unbound_fields(form_class: type) -> list[tuple[str, UnboundField]]:
    """The fields a form class declares, in their order."""
    fields = [
        (name, value)
        for klass in reversed(form_class.__mro__)
        for name, value in vars(klass).items()
        if isinstance(value, UnboundField) and not name.startswith("_")
    ]
    unique = dict(fields)
    return sorted(unique.items(), key=lambda pair: pair[1].creation_counter)


def _validators(unbound: UnboundField) -> list[Any]:
    validators = unbound.kwargs.get("validators")
    if validators is None and len(unbound.args) > 1:
        validators = unbound.args[1]
    return list(validators or [])


def _label(unbound: UnboundField) -> Any:
    return unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else None)


def _static_choices(unbound: UnboundField) -> list[Any] | None:
    choices = unbound.kwargs.get("choices")
    if not choices or callable(choices) or isinstance(choices, dict):
        return None
    values = []
    for choice in choices:
        values.append(choice[0] if isinstance(choice, tuple) else getattr(choice, "value", choice))
    return values


def _scalar_schema(unbound: UnboundField) -> dict[str, Any]:
    field_class = unbound.field_class
    declared = getattr(field_class, "json_schema", None)
    if declared is not None:
        return dict(declared)
    if issubclass(field_class, BooleanField):
        return {"type": "boolean"}
    if issubclass(field_class, IntegerField):
        return {"type": "integer"}
    if issubclass(field_class, DateTimeLocalField):
        return {"type": "string", "pattern": MOMENT_PATTERN}
    if issubclass(field_class, DateField):
        return {"type": "string", "format": "date"}
    if issubclass(field_class, FileField):
        return {"type": "string", "format": "binary"}
    if issubclass(field_class, SelectFieldBase):
        coerce = unbound.kwargs.get("coerce", str)
        schema: dict[str, Any] = {"type": "integer" if coerce is int else "string"}
        values = _static_choices(unbound)
        if values is not None:
            schema["enum"] = [coerce(v) if coerce is int else str(v) for v in values]
        return schema
    return {"type": "string"}


def _apply_validators(schema: dict[str, Any], validators: list[Any]) -> None:
    for validator in validators:
        if isinstance(validator, Length):
            if validator.max not in (None, -1):
                schema["maxLength"] = validator.max
            if validator.min not in (None, -1) and validator.min > 0:
                schema["minLength"] = validator.min
        elif isinstance(validator, NumberRange):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
        elif isinstance(validator, Regexp):
            schema["pattern"] = validator.regex.pattern
        elif isinstance(validator, AnyOf):
            schema["enum"] = list(validator.values)


def is_required(unbound: UnboundField) -> bool:
    return any(isinstance(v, DataRequired | InputRequired) for v in _validators(unbound))


def _accepts_null(unbound: UnboundField) -> bool:
    """Null reaches the form as an empty value: a select refuses it unless it is Optional."""
    if is_required(unbound):
        return False
    if issubclass(unbound.field_class, SelectFieldBase | IntegerField | DateField):
        return any(isinstance(v, Optional) for v in _validators(unbound))
    return True


def field_schema(unbound: UnboundField) -> dict[str, Any]:
    """The JSON schema of one form field as the API accepts it."""
    item = _scalar_schema(unbound)
    _apply_validators(item, _validators(unbound))
    if issubclass(unbound.field_class, SelectMultipleField):
        schema: dict[str, Any] = {"type": "array", "items": item}
    else:
        schema = item
    if _accepts_null(unbound) and "type" in schema and schema["type"] != "array":
        # an optional field may be sent as null: the form reads it as empty
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    label = _label(unbound)
    if label:
        with force_locale("en"):
            schema["description"] = str(label)
    return schema


#: fields a PATCH must send although it names only what it changes: the version read
ALWAYS_REQUIRED = frozenset({"version"})


def form_schema(
    form_class: type, *, partial: bool = False, exclude: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The request body a form accepts as JSON; `partial` (PATCH): only the version read is
    required, the rest keeps its stored value."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, unbound in unbound_fields(form_class):
        if name in exclude or name == "csrf_token":
            continue
        properties[name] = field_schema(unbound)
        if is_required(unbound) and (not partial or name in ALWAYS_REQUIRED):
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def query_parameters(form_class: type) -> list[dict[str, Any]]:
    """A filter form's fields as query parameters."""
    parameters = []
    for name, unbound in unbound_fields(form_class):
        if name == "csrf_token":
            continue
        schema = field_schema(unbound)
        description = schema.pop("description", None)
        if isinstance(schema.get("type"), list):
            schema["type"] = schema["type"][0]
            if "enum" in schema:
                schema["enum"] = [v for v in schema["enum"] if v is not None]
        parameter: dict[str, Any] = {"name": name, "in": "query", "schema": schema}
        if schema.get("type") == "array":
            parameter["style"] = "form"
            parameter["explode"] = True
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters
