"""Loading data files from checklists/: each file declares its `kind`; each feature registers
the JSON Schema and the upsert function for the kinds it owns. A file that fails validation is
reported with its name and the exact problem, and nothing of it is loaded. A valid file that
cannot load yet (the places of a city not created yet) is skipped with the reason: not an
error, it loads on a later run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from qms.extensions import db

Upsert = Callable[[dict, str], dict[str, int]]
Check = Callable[[dict], list[str]]


@dataclass(frozen=True)
class Kind:
    name: str
    schema: dict
    upsert: Upsert
    #: semantic checks beyond the schema (unique keys, nesting); returns problems
    check: Check = field(default=lambda data: [])


_kinds: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    _kinds[kind.name] = kind


class ChecklistError(Exception):
    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path.name}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


class ChecklistSkipped(Exception):
    """Raised by an upsert for a valid file that cannot load yet; nothing of it is loaded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class LoadReport:
    loaded: dict[str, dict[str, int]] = field(default_factory=dict)
    #: file -> why it was not loaded this time
    skipped: dict[str, str] = field(default_factory=dict)
    errors: list[ChecklistError] = field(default_factory=list)


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping; plain YAML keeps the last one
    silently, so a pasted-twice `text:` would quietly replace a question."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _location(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def schema_problems(schema: dict, data: Any) -> list[str]:
    """What in `data` the JSON Schema refuses, each problem with where it is, in the order of
    the document (also for the data files a feature reads itself at start)."""
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"at {_location(e)}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]


def read_data_file(path: str | None, default: Any, schema: dict, what: str) -> Any:
    """A data file a feature reads itself at start (the audit grade scale, the risk matrix):
    the YAML file at `path`, or the feature's built-in `default` when no file is configured,
    valid under `schema`; else a ValueError naming its first problem after `what`."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) if path else default
    problems = schema_problems(schema, data)
    if problems:
        raise ValueError(f"{what}, {problems[0]}")
    return data


def parse(path: Path) -> tuple[Kind, dict]:
    """Read and validate one file; raise ChecklistError naming every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ChecklistError(path, [f"not valid YAML: {exc}"]) from exc
    return parse_text(text, path)


def parse_text(text: str, path: Path) -> tuple[Kind, dict]:
    """Validate the text of a file (named by `path` in the problems) exactly as `parse` does:
    the importers of checklists/ check what they write with it."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ChecklistError(path, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict) or "kind" not in data:
        raise ChecklistError(path, ["the file must be a mapping with a 'kind' key"])
    kind = _kinds.get(data["kind"])
    if kind is None:
        raise ChecklistError(
            path, [f"unknown kind {data['kind']!r}; known: {', '.join(sorted(_kinds))}"]
        )
    problems = schema_problems(kind.schema, data)
    if not problems:
        problems = kind.check(data)
    if problems:
        raise ChecklistError(path, problems)
    return kind, data


def load_file(path: Path) -> dict[str, int]:
    kind, data = parse(path)
    with db.session.begin_nested():
        return kind.upsert(data, path.name)


def load_directory(directory: Path) -> LoadReport:
    report = LoadReport()
    for path in sorted(directory.rglob("*.yaml")):
        name = str(path.relative_to(directory))
        try:
            report.loaded[name] = load_file(path)
        except ChecklistSkipped as skip:
            report.skipped[name] = skip.reason
        except ChecklistError as exc:
            report.errors.append(exc)
    return report


def bilingual(description: str = "text") -> dict[str, Any]:
    """Schema of an {id: ..., en: ...} pair, both required and non-empty."""
    return {
        "type": "object",
        "description": description,
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "en": {"type": "string", "minLength": 1},
        },
        "required": ["id", "en"],
        "additionalProperties": False,
    }
